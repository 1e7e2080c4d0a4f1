"""The one exception type for user mistakes.

The CLI turns a UserError into a single line and a non-zero exit, never a
traceback; the HTTP servers turn it into a 4xx. Raise it for anything the user
can fix (bad input, missing files, wrong options), with a message that says what
is wrong and what to do.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can correct; `exit_code` is what the CLI exits with."""

    exit_code: int = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
