"""Jinja2 templates (packaged with saferkit.ethics); no code."""
