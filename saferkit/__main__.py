"""Allows `python -m saferkit`, the same as the `saferkit` command."""

from saferkit.cli import main

if __name__ == "__main__":
    main()
