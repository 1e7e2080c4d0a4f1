"""Data files (packaged with saferkit.ethics); no code."""
