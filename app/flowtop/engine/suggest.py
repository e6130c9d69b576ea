"""The hint after a misspelt name (an option, a setting, a flow, a task): the one
closest match, if any is close, so every "unknown …" message suggests the same way."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


def did_you_mean(word: str, options: Iterable[str], *, kind: str = "") -> str:
    """`` (did you mean 'etl'?)``, or "" when no option is close to ``word``; ``kind``
    names what the options are (`` (did you mean the command 'list'?)``)."""
    close = difflib.get_close_matches(word, list(options), n=1)
    if not close:
        return ""
    return f" (did you mean {kind + ' ' if kind else ''}{close[0]!r}?)"


def some_of(word: str, options: Sequence[str], *, noun: str, most: int = 8) -> str:
    """``options`` listed after an unknown ``word``: every one when there are at most
    ``most``, else the few closest to ``word`` (the first few, when none is close) and how
    many there are: ``t0, t00, t1, … (3,000 tasks)``. All 3,000 made one 20,000-character
    line, and a toast that covered half the monitor."""
    if len(options) <= most:
        return ", ".join(options)
    few = difflib.get_close_matches(word, options, n=5) or list(options[:5])
    return f"{', '.join(few)}, … ({len(options):,} {noun})"
