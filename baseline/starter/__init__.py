"""Files that `saferkit init` copies into a new team project (see baseline/scaffold.py)."""
