"""The hint after a misspelt name (an option, a setting, a flow, a task): the one
closest match, if any is close, so every "unknown …" message suggests the same way."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, options: Iterable[str], *, kind: str = "") -> str:
    """`` (did you mean 'etl'?)``, or "" when no option is close to ``word``; ``kind``
    names what the options are (`` (did you mean the command 'list'?)``)."""
    close = difflib.get_close_matches(word, list(options), n=1)
    if not close:
        return ""
    return f" (did you mean {kind + ' ' if kind else ''}{close[0]!r}?)"
