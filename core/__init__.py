"""What every package may use and none owns; `core` imports nothing from the packages above it.

- `errors`: the `UserError` family (one line for the CLI, a 4xx for the servers).
- `digest`: sha256 of files, bytes and named sets of digests.
- `atomic`: the one way to write a file or a folder (whole or not at all, one permission rule).
- `jsonfile`, `schemas`: reading a user's JSON file; the packaged JSON Schemas and their violations.
- `media`, `media_types`: the one image decode (pixel limit, frames, orientation, alpha, bit depth).
- `walk`, `kinds`, `plan`, `pool`, `faults`: the walker, the error kinds, the resumable plan,
  the retrying worker pool and its fault injection, shared by `hash`, `match` and `scan`.
"""
