"""Data files shipped with saferkit (a package only so that wheels include them)."""
