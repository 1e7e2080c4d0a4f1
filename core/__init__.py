"""What every package may use and none owns.

Digests, atomic writes with one permission rule, JSON and schema reading, and
the `UserError` family. `core` imports nothing from the packages above it.
"""
