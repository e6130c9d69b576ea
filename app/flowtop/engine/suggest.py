"""The hint after a misspelt name (an option, a setting, a flow, a task): the one
closest match, if any is close, so every "unknown …" message suggests the same way."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


def did_you_mean(word: str, options: Iterable[str], *, kind: str = "", typed: bool = False) -> str:
    """`` (did you mean 'etl'?)``, or "" when no option is close to ``word``; ``kind``
    names what the options are (`` (did you mean the command 'list'?)``). ``typed``: a
    word typed for one of a few short names (a command's): the one name it starts
    (``hist``), else the closest of those it could be a slip for (``slip_of``). The
    closest of ``hist`` was ``list``; ``nope`` was "did you mean 'open'?"."""
    options = list(options)
    starting = [name for name in options if name.startswith(word)] if typed else []
    if len(starting) == 1:
        close = starting
    else:
        slips = [name for name in options if slip_of(word, name)] if typed else options
        close = difflib.get_close_matches(word, slips, n=1)
    if not close:
        return ""
    return f" (did you mean {kind + ' ' if kind else ''}{close[0]!r}?)"


def slip_of(word: str, name: str) -> bool:
    """Whether ``word`` could be ``name`` mistyped: it starts with the same letter (a
    typist rarely misses the first), or is one slip from it: a letter wrong, missing,
    extra, or two swapped (``ilst``). ``nope`` is neither of ``open``."""
    return word[:1] == name[:1] or one_slip(word, name)


def one_slip(word: str, name: str) -> bool:
    """Whether ``word`` is ``name`` with one slip: a letter wrong, missing, extra, or two
    swapped (``ilst``); not ``name`` itself."""
    if word == name:
        return False
    if len(word) == len(name):
        wrong = [at for at, (a, b) in enumerate(zip(word, name, strict=True)) if a != b]
        if len(wrong) == 2 and wrong[1] == wrong[0] + 1:  # two neighbours swapped?
            return word[wrong[0]] == name[wrong[1]] and word[wrong[1]] == name[wrong[0]]
        return len(wrong) <= 1
    short, long = sorted((word, name), key=len)
    return len(long) == len(short) + 1 and any(
        long[:at] + long[at + 1 :] == short for at in range(len(long))
    )


def some_of(word: str, options: Sequence[str], *, noun: str, most: int = 8) -> str:
    """``options`` listed after an unknown ``word``: every one when there are at most
    ``most``, else the few closest to ``word`` (the first few, when none is close) and how
    many there are: ``t0, t00, t1, … (3,000 tasks)``. All 3,000 made one 20,000-character
    line, and a toast that covered half the monitor."""
    if len(options) <= most:
        return ", ".join(options)
    few = difflib.get_close_matches(word, options, n=5) or list(options[:5])
    return f"{', '.join(few)}, … ({len(options):,} {noun})"
