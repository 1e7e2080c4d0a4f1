"""Is an answer real evidence? Empty, short, repetitive or placeholder text is not.

The gate cannot judge whether an answer is true (a reviewer does that); it can
refuse answers that plainly say nothing, so an untouched template or a
"TODO" never passes.
"""

from __future__ import annotations

import re
from typing import Any

# Whole answers that say nothing.
_EMPTY_ANSWERS = {
    "", "-", "--", "...", "…", "?", "n/a", "na", "n.a.", "none", "nil", "null", "no", "yes", "tbd", "tba",
    "todo", "to do", "later", "unknown", "not applicable", "not available", "see readme", "see above",
    "same as above", "xxx", "x", "test", "placeholder", "answer", "answer here",
}
# Fragments that mark text as a placeholder wherever they appear.
_PLACEHOLDER = re.compile(
    r"\b(lorem ipsum|todo|tbd|fixme|fill (this |me |it )?in|fill me|to be (completed|decided|determined|written)"
    r"|your answer|answer here|placeholder|insert (text|answer) here)\b|<[A-Za-z][A-Za-z _-]{0,38}[A-Za-z]>|\[[^\[\]]{0,40}\]\(\)|x{3,}",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
# Reserved by RFC 2606/6761 for examples and tests: not a real contact.
_EXAMPLE_DOMAIN = re.compile(r"(^|[@./])(example\.(com|net|org)|[^@/\s]+\.(example|test|invalid|localhost)|localhost)\b", re.I)


def as_text(answer: Any) -> str | None:
    """The answer as one string, or None when it is not text (a number, a mapping)."""
    if isinstance(answer, str):
        return answer
    if isinstance(answer, list) and all(isinstance(item, str) for item in answer):
        return " ".join(answer)
    return None


def text_problem(answer: Any, *, min_chars: int, min_words: int, echoes: tuple[str, ...] = ()) -> str | None:
    """Why `answer` is not usable evidence, or None when it is plausible.

    `echoes` are texts the answer must not merely repeat (the question and its help).
    """
    if answer is None:
        return "no answer was given"
    text = as_text(answer)
    if text is None:
        return f"the answer is a {type(answer).__name__}, not text"
    squashed = " ".join(text.split())
    if squashed.lower().strip(" .!") in _EMPTY_ANSWERS:
        return "the answer is empty" if not squashed else f"the answer {squashed!r} says nothing"
    match = _PLACEHOLDER.search(squashed)
    if match:
        return f"the answer holds placeholder text ({match.group(0)!r})"
    words = _WORD.findall(squashed)
    if len(squashed) < min_chars or len(words) < min_words:
        return (
            f"the answer is too short ({len(squashed)} characters, {len(words)} words; "
            f"at least {min_chars} characters and {min_words} words are needed)"
        )
    distinct = {word.lower() for word in words}
    if len(words) >= 8 and len(distinct) / len(words) < 0.35:
        return "the answer repeats the same few words"
    lowered = squashed.lower()
    for echo in echoes:
        if echo and lowered == " ".join(echo.split()).lower():
            return "the answer only repeats the question"
    return None


def short_text_problem(answer: Any) -> str | None:
    """Like text_problem for fields that are legitimately short (an operating point, a licence)."""
    return text_problem(answer, min_chars=3, min_words=1)


def contact_problem(contact: Any) -> str | None:
    """Why a team contact cannot be used to contest a result, or None when it looks real."""
    problem = short_text_problem(contact)
    if problem:
        return problem
    if _EXAMPLE_DOMAIN.search(str(contact)):
        return f"{contact!r} uses a domain reserved for examples, so no one can be reached there"
    return None


def digest_problem(digest: Any) -> str | None:
    """Why a sha256 hex digest looks made up (wrong form, or too few distinct digits), or None."""
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        return f"{digest!r} is not a sha256 hex digest (64 lower-case hex digits)"
    if len(set(digest)) < 8:
        return f"{digest[:16]}… uses only {len(set(digest))} distinct digits, which a real digest almost never does"
    return None
