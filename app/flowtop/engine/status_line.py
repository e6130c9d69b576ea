"""A live status line on the terminal, kept clear of what else writes there.

``flowtop run`` keeps a one-line summary under its lines, redrawn in place: the cursor
waits at its end. Its own lines, and a ``@flow`` body's, take it away first (the printer's
``make_room``); what reached the terminal past the printer did not: a process a task
forked (``os.fork``, a fork ``multiprocessing.Pool``), whose copy of the attempt writes to
the real streams (``capture._forked``), an attempt's late print after its timeout or
cancel, a thread a task started plainly. Its line was written after the summary, on the
summary's row (``etl #3: 0/2 done · … 1.0schild line one``), and stayed there.

Now a line such a writer begins on that terminal clears the row it starts on first
(``CLEAR``, sent with the line as one write): the summary, or an empty row. The printer
draws the summary again below at its next event or tick. The printer writes past the
stand-in streams (``drawn_on``): only the others' writes are cleared and counted. A
process a task starts (``subprocess``), whose writes no stand-in sees, finds the row
cleared before it starts, and no summary is drawn while it may write
(``capture_children``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import TextIO

#: Erase the row, cursor to its first column. No ``"\\r"``: a line-buffered stream flushes
#: at one, and a line sent in two writes could have the summary redrawn between them.
CLEAR = "\x1b[2K\x1b[1G"

#: Whether a writer other than the printer left the terminal's row half-written (a
#: ``print(..., end="")`` before a slow step): the printer then draws nothing over it, and
#: its next line ends that row first. The row is ``row_open_on``'s: a line to another
#: stream (stderr to a file of its own) neither goes below it nor ends it; stdout and
#: stderr to one terminal, or ``2>&1``, share it (``same_output``).
#: (A forked child's writes set it in the child only: its half rows can still be drawn over.)
row_open = False
#: The stream (past any stand-in) that last left a row half-written, kept once that row
#: ended: where the row is, or was. None: not known (any stream's).
row_open_on: TextIO | None = None

#: Held while ``row_open`` decides a write and the write is made (``row_turn``), by the
#: printer and by a writer past it: a thread's ``print`` whose first half went out after the
#: printer looked (no row open) and before the printer's line had that line glued on
#: (``cleaned up: …cancelled12:00:01 spinner/spin ■ cancelled``: the SIGTERM test's flake).
_row_lock = threading.RLock()
#: How long a writer waits for another's write (one a reader not reading holds), once.
ROW_WAIT = 0.5
_row_stuck = False

#: The terminal the live status line is on (``os.fstat``'s device and inode); None while
#: there is none. Forked children keep it: their writes are what it is for.
terminal: tuple[int, int] | None = None


def _identity(stream: TextIO) -> tuple[int, int] | None:
    """Which terminal ``stream`` writes to; None when it writes to no terminal."""
    try:
        fd = stream.fileno()
        if not os.isatty(fd):
            return None
        found = os.fstat(fd)
    except (AttributeError, OSError, ValueError):  # no descriptor (a StringIO), closed
        return None
    return found.st_dev, found.st_ino


def drawn_on(stream: TextIO) -> TextIO:
    """A live status line is drawn on ``stream`` (the stand-in ``sys.stdout``) from now on:
    other writers' lines to its terminal clear it first. Returns the stream to draw it on,
    past the stand-in, so that the printer's own writes are not taken for others'."""
    global terminal
    terminal = _identity(stream)
    return getattr(stream, "original", stream)


def forget() -> None:
    """No status line any more (its command ended; tests)."""
    global terminal, row_open, row_open_on
    terminal, row_open, row_open_on = None, False, None


def _output(stream: TextIO) -> tuple[int, int] | None:
    """The file, pipe or terminal ``stream`` writes to (``os.fstat``'s device and inode);
    None when it has no descriptor (a StringIO)."""
    try:
        found = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return found.st_dev, found.st_ino


def same_output(stream: TextIO, other: TextIO | None) -> bool:
    """Whether ``stream`` writes where ``other`` does (None: not known, taken as the same):
    stdout and stderr do on one terminal, or with ``2>&1``."""
    if other is None or other is stream:
        return True
    found = _output(stream)
    return found is not None and found == _output(other)


def open_on(stream: TextIO) -> bool:
    """Whether a row is left half-written where ``stream`` writes: a line it begins goes
    below that row."""
    return row_open and same_output(stream, row_open_on)


def ended_on(stream: TextIO) -> bool:
    """Whether the row last left half-written was where ``stream`` writes, and another
    writer ended it since (a line of the printer's, a note): its next text starts a row."""
    return not row_open and same_output(stream, row_open_on)


def shares_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` writes to the terminal the status line is on."""
    return terminal is not None and _identity(stream) == terminal


@contextlib.contextmanager
def row_turn() -> Iterator[None]:
    """The block looks at ``row_open`` and writes what it decides, no other writer between.
    A write held longer than ``ROW_WAIT`` (stdout not read) is not waited for: the block
    goes on without its turn, and later ones do not wait until that write is over."""
    global _row_stuck
    locked = (
        _row_lock.acquire(blocking=False) if _row_stuck else _row_lock.acquire(timeout=ROW_WAIT)
    )
    _row_stuck = not locked
    try:
        yield
    finally:
        if locked:
            _row_lock.release()


def write_marked(stream: TextIO, text: str) -> int:
    """``text`` (not empty) written by a writer other than the printer, in one turn with
    saying whether it leaves its row half-written (``row_open``): the printer's next line
    goes below such a row, and no status line is drawn on it. A thread's ``print(text)``
    is two writes, and a printer's line between them was glued on: ``cleaned up:
    …cancelled20:38:42 spinner #1 started``. A whole line to another output than the
    open row's (a note on stderr, stdout's row open) leaves that row open. So does a
    progress bar's ``print(f"{i}%", end="\\r")``: its row keeps it, the cursor at its start;
    the status line drawn there erased it at each tick."""
    global row_open, row_open_on
    with row_turn():  # the printer neither looks nor writes in between
        last_row = text.rpartition("\n")[2].replace("\r", "")  # left where the cursor is
        if text[-1] == "\n" or (text[-1] == "\r" and "\n" in text and not last_row.strip()):
            if row_open and same_output(stream, row_open_on):
                row_open = False  # (a blank row begun: the status line may be drawn there)
        elif text[-1] != "\r" or last_row.strip():
            row_open, row_open_on = True, stream
        return stream.write(text)


def write_clearing(stream: TextIO, text: str) -> None:
    """``write_marked``, on the status line's terminal: a row ``text`` begins (none is
    left half-written, or it starts with ``\\r``) is cleared first, in the same write."""
    with row_turn():
        write_marked(stream, CLEAR + text if not open_on(stream) or text[0] == "\r" else text)


def _new_lock() -> None:
    """In a forked child: a turn another thread held at the fork is no one's there."""
    global _row_lock, _row_stuck
    _row_lock, _row_stuck = threading.RLock(), False


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_new_lock)
