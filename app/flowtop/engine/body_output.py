"""A ``@flow`` body's own output on a flowtop command's terminal, as it comes.

``flowtop run`` tees what the body writes (captured as its run's output: ``capture``) to
its terminal, each line after the printer's lines of what happened before it
(``write_teed``); ``flowtop watch`` shows the same output from the pieces its run's
process logs (``live_output``), and of the whole the run's end carries, only what they
left out (``covered``, ``rest``). Both show it printable, its carriage returns kept
(``shown``). A module of its own: how and in which turn that output reaches a terminal is
not which capture a thread's write goes into (``capture``, at its size cap), and the
watch, which captures nothing, shows it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol, TextIO

from ..printable import printable
from . import capture_windows, status_line
from .attempt_output import DROPPED_NOTE


class Row(Protocol):
    """A writer's row as the body's writes leave it (``capture``'s thread state)."""

    #: Whether its last text ended its row: its next one may come after the printer's lines.
    line_start: bool


def write_teed(
    original: TextIO, text: str, row: Row, catch_up: Callable[[], None], *, pinned: bool
) -> None:
    """Pass on what a ``@flow`` body wrote (already captured) to where it went, saying
    whether it leaves its row half-written (``print("calling b... ", end="")``), as a
    writer past any capture does (``status_line.row_open``): the printer's lines and
    flowtop's notes (``say_past``) go below such a row. Once one did, on its stream
    (``ended_on``), its next text starts a row, the printer's lines caught up first
    (``catch_up``, at a line's start only). So does a text that starts with ``\\r``: it
    draws its row anew from its start (a progress bar, ``print(f"\\rbar {i}", end="")``),
    and the printer's lines of the task called since its last drawing went below that;
    written over it at once, every other drawing was lost. ``pinned``: a flowtop command's
    terminal (``shown``)."""
    shown = text
    if not row.line_start and status_line.ended_on(original):  # ended below it
        row.line_start = True
        shown = text.removeprefix("\n")
    elif text.startswith("\r"):  # its row drawn anew: the printer's lines first
        row.line_start = True
    catch_up()
    if shown:
        shown = body_shown(shown, pinned=pinned)
        if capture_windows.watching:  # the body's own, not a child's (``capture_windows``)
            capture_windows.own(shown)
        status_line.write_marked(original, shown)
    row.line_start = text.endswith("\n")


def body_shown(text: str, *, pinned: bool = True) -> str:
    """A ``@flow`` body's output as a flowtop command's terminal gets it: printable, as its
    tasks' output is shown there (an escape would act on the terminal: OSC 52 sets the
    clipboard), its carriage returns kept (a progress bar redraws its line). A plain
    script's (no flowtop command: not ``pinned``) goes out as Python would write it."""
    if not pinned:
        return text
    return "\r".join(map(printable, text.split("\r"))) if "\r" in text else printable(text)


#: The note a piece of output starts with past the capture's cap (``live_output.since``).
_SKIPPED = re.compile(r"\n?… ([\d,]+) characters of output skipped(?: \([\d,]+ so far\))? …\n")


def covered(piece: str) -> int:
    """How much of all a body wrote (as ``AttemptOutput.size`` counts it) its output's
    ``piece`` (``live_output``) stands for: its text, and what its note says it skipped."""
    note = _SKIPPED.match(piece)
    return len(piece) if note is None else len(piece) - note.end() + int(note[1].replace(",", ""))


def rest(output: str, shown: int) -> str:
    """What of a body's whole ``output`` (its run's end's) came after the first ``shown``
    characters of all it wrote (its pieces': ``covered``): the last of it, after a note
    of what is no longer kept when its dropped middle holds some."""
    note = DROPPED_NOTE.search(output)
    if note is None:
        return output[shown:]
    tail = output[note.end() + 1 :]  # (past the note's line end)
    left = note.start() + int(note[1].replace(",", "")) + len(tail) - shown
    if left <= len(tail):
        return tail[len(tail) - left :] if left > 0 else ""
    return f"… {left - len(tail):,} characters of output skipped …\n{tail}"
