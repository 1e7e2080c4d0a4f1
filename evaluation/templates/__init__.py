"""The HTML report template (package data)."""
