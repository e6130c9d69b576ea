"""A message from the user's code on a line of ``flowtop run``'s (or ``watch``'s) human
output: cut to one row while the run goes on, whole once it has failed.

A progress line (a retry's ``⟳ retry in 2s: ValueError: …``) stays one row, cut at
``ROW_MOST`` characters: the run goes on, and the lines after it matter as much. A
failure's message (the task's ``✗ failed …`` line, a ``@flow``'s ``flow raised …``)
was cut the same way, and its end, where the cause most often is (``… because column
'amount' expects NUMERIC(10,2)``), was lost: it is shown whole now, on one line the
terminal wraps, up to ``WHOLE_MOST`` characters, past which its start and its end show
with how much was left out between them. Either way control characters are made
harmless (``printable``) and line breaks become spaces.
"""

from __future__ import annotations

import os

from ..engine.records import users_line
from ..printable import printable, printable_name
from ..workspace.traceback_frames import traceback_frames

#: A progress line's message is cut here (characters), with "…".
ROW_MOST = 160

#: A failure's message longer than this (characters) keeps its start and its end only.
WHOLE_MOST = 4000


def one_line(text: str, limit: int = ROW_MOST) -> str:
    """``text`` printable, on one line, cut at ``limit`` characters with "…"."""
    line = " ".join(printable(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def whole_line(text: str, most: int = WHOLE_MOST) -> str:
    """``text`` printable, on one line, whole: past ``most`` characters, its first two
    thirds of ``most`` and its last third, ``… 12,345 characters left out …`` between."""
    line = " ".join(printable(text).split())
    if len(line) <= most:
        return line
    head = most * 2 // 3
    tail = most - head
    left_out = len(line) - head - tail
    return f"{line[:head]} … {left_out:,} characters left out … {line[-tail:]}"


def raised_at(traceback: str, message: str = "") -> str:
    """Where an error was raised in the user's code, from its traceback: ``etl.py:36 in
    load`` ("" without one), so a log line names the place without the whole traceback.
    Its frames are read so that neither a file's name nor the error's ``message`` can
    forge one (``traceback_frames``)."""
    where = users_line(traceback_frames(traceback, message=message))
    if where is None:
        return ""
    file, line, name = where  # a file may be named "a\nb.py": its line stays one
    return f"{printable_name(os.path.basename(file))}:{line} in {name}"


def after_state_word(word: str, message: str) -> str:
    """A reason that starts with the state's own word, put right after that word without
    it: ``■ cancelled: SIGTERM (…)``, ``■ cancelled by the user``, where the line said
    ``■ cancelled: cancelled: SIGTERM (…)``. "" for a reason that does not start so."""
    rest = message.removeprefix(word)
    return rest if rest != message and rest.startswith((": ", " ")) else ""
