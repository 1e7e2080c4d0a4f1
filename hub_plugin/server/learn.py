"""The learning centre: one tutorial per user group, written in Markdown (English) and served by the hub.

The commands in each tutorial's ```bash blocks are checked by
tests/hub_plugin/test_learn.py against the kit's own command line.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

GROUPS = ("hackathon-team", "evaluator", "agency-technical", "agency-investigator")


def tutorial_source(group: str) -> str:
    return resources.files("saferkit.hub_plugin.server").joinpath("tutorials", f"{group}.md").read_text("utf-8")


@lru_cache(maxsize=None)
def tutorial_html(group: str) -> str:
    """The tutorial rendered to HTML (raw HTML in the source is escaped, not passed through)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).render(tutorial_source(group))
