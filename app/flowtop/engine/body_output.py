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
from .attempt_output import DROPPED_NOTE, LINE_NEAR, MAX_CAPTURE


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
_SKIPPED = re.compile(r"(\n?)… ([\d,]+) characters of output skipped(?: \(([\d,]+) so far\))? …\n")


def covered(piece: str, shown: int = 0, skipped: int = 0, *, line_start: bool = True) -> int:
    """How much of all a body wrote (as ``AttemptOutput.size`` counts it) its output's
    ``piece`` (``live_output``) stands for: its text, and what its note says it skipped.
    ``shown``, ``skipped`` and ``line_start``: what the pieces before it stood for, what
    their notes skipped (``skipped_gap``), and whether the last ended its line. Only a
    note the pieces can have is one (``note``): a body printing such a line is its text."""
    found = note(piece, shown, skipped, line_start=line_start)
    return len(piece) if found is None else len(piece) - found.end() + _count(found[2])


def skipped_gap(piece: str, shown: int = 0, skipped: int = 0, *, line_start: bool = True) -> int:
    """What the note ``piece`` starts with skipped (0: none), as ``covered`` reads it."""
    found = note(piece, shown, skipped, line_start=line_start)
    return 0 if found is None else _count(found[2])


def note(piece: str, shown: int, skipped: int, *, line_start: bool) -> re.Match[str] | None:
    """The note of what ``piece`` skipped, as ``live_output`` puts it: at its start, on a
    line of its own (after a line end only when the last piece left its line open), its
    count past the capture's head (it skips only once its middle is dropped), and with a
    count of all skipped so far exactly after an earlier note (``skipped_note``)."""
    found = _SKIPPED.match(piece)
    if found is None or bool(found[1]) == line_start:
        return None
    gap = _count(found[2])
    if not gap or shown + gap <= MAX_CAPTURE // 2:
        return None
    so_far = None if found[3] is None else _count(found[3])
    return found if so_far == (skipped + gap if skipped else None) else None


def _count(said: str) -> int:
    return int(said.replace(",", ""))


def _head_end(output: str) -> tuple[re.Match[str], int] | None:
    """The note ``AttemptOutput`` put for its dropped middle in ``output`` (``_told``): the
    last one where its head ends (within ``LINE_NEAR`` of half the cap; one the body
    printed itself is before or after it), and how much of the body's text comes before
    it. ``_told`` ends the head's line with a ``\n`` it did not write when the head ends
    at a ``\r`` (a progress bar's versions) or mid-line (no line end near the cut): that
    one is not counted. A head that ended in a ``\r\n`` of its own has its note's line
    end in ``\r\n`` too (a run recorded before it did reads as one cut at a ``\r``)."""
    half = MAX_CAPTURE // 2
    found = None
    for match in DROPPED_NOTE.finditer(output, max(0, half - LINE_NEAR)):
        if match.start() > half + 1:
            break
        found = match
    if found is None:
        return None
    at = found.start()
    added = at > half or (output.endswith("\r\n", 0, at) and not found[0].endswith("\r"))
    return found, at - 1 if added else at


def rest(output: str, shown: int) -> str:
    """What of a body's whole ``output`` (its run's end's) came after the first ``shown``
    characters of all it wrote (its pieces': ``covered``): the last of it, after a note
    of what is no longer kept when its dropped middle holds some."""
    cut = _head_end(output)
    if cut is None:
        return output[shown:]
    found, head = cut
    tail = output[found.end() + 1 :]  # (past the note's line end)
    left = head + _count(found[1]) + len(tail) - shown
    if left <= len(tail):
        return tail[len(tail) - left :] if left > 0 else ""
    return f"… {left - len(tail):,} characters of output skipped …\n{tail}"
