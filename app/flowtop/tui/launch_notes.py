"""What the run processes started here say about their runs, said in the TUI too.

A run process (``r``, ``f``, ``t``) writes its notices to its log,
``.flowtop/logs/RUN_ID.log``, as ``flowtop run[MARK]: …`` lines: why it did not start (another
process holds the run store locked), which tasks of a rerun run again and why (a result
that could not be pickled). The TUI said none of them: a run the store refused just never
showed, and a rerun ran tasks again with no word why. This follows the log of each run
started here and hands over each notice once. It reads through a handle opened as the
run starts: the log is deleted once the run's end is recorded, perhaps before a read.

The log holds the run's own output too (what its ``@flow`` body and the programs it
starts print), and a ``flowtop run: …`` line there was taken for a notice. The mark is the
run process's own (``printable.NOTICE_MARK``): given it by its launcher, out of reach of
anything the run prints.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flowtop.formats import count_text
from flowtop.printable import notice_prefix, printable

#: A toast says this much of a notice at most, and this many of a run's notices (a
#: rerun of a flow whose results could not be stored says why for every task).
NOTICE_CHARS = 300
NOTICE_LINES = 4
#: Read of a log per tick at most, on the screen's thread: a run printing megabytes (its
#: output is in its log too) is read over several ticks, not in one that stalls the screen.
READ_AT_ONCE = 256 * 1024
#: Logs followed at once at most: a run that never ends (nor is deleted) is let go.
MAX_FOLLOWED = 32
#: What every run process started here runs (``workspace.launcher``): its notices name
#: that command, as every line a command says does (``printable.speak_as``).
RUN_COMMAND = "flowtop run"


@dataclass
class _Followed:
    label: str  # "Run #4 of etl", or "A run of etl" before it has a number
    handle: BinaryIO
    notice: bytes  # how its process's notices start (``printable.say``); the rest is its run's
    rest: bytes = field(default=b"")  # a line not yet ended


class LaunchLogs:
    """The logs of the runs started here, each read as it grows."""

    def __init__(self) -> None:
        self._followed: dict[str, _Followed] = {}

    def follow(self, run_id: str, log: Path, label: str, mark: str) -> None:
        """Read ``log`` (the run ``run_id``'s) from now on; its notices, the lines its
        process marked with ``mark`` (``Launched.notice_mark``), say ``label``."""
        if not mark:
            return  # no line of it can be told for a notice
        try:
            handle = open(log, "rb")  # noqa: SIM115 - kept open: read after the file goes
        except OSError:
            return  # nothing to tell from: the run shows in the store as ever
        self._followed[run_id] = _Followed(label, handle, notice_prefix(mark, RUN_COMMAND).encode())
        while len(self._followed) > MAX_FOLLOWED:
            self._let_go(next(iter(self._followed)))

    def notices(self) -> list[str]:
        """What each run's process said since the last call, one text a run: ``"Run #4
        of etl: why"``. A log whose file is gone (its run's end is recorded) is let go
        once read to its end."""
        said: list[str] = []
        for run_id, followed in list(self._followed.items()):
            try:
                chunk = followed.handle.read(READ_AT_ONCE) or b""
                gone = (
                    len(chunk) < READ_AT_ONCE and os.fstat(followed.handle.fileno()).st_nlink == 0
                )
            except (OSError, ValueError):
                chunk, gone = b"", True
            *lines, followed.rest = (followed.rest + chunk).split(b"\n")
            if gone:  # its last line, if it did not end
                lines.append(followed.rest)
            notice = followed.notice
            notes = [
                raw[len(notice) :].decode("utf-8", errors="replace").rstrip("\r")
                for raw in lines
                if raw.startswith(notice)
            ]
            if notes:
                said.append(_told(followed.label, notes))
            if gone:
                self._let_go(run_id)
        return said

    def _let_go(self, run_id: str) -> None:
        followed = self._followed.pop(run_id, None)
        if followed is not None:
            with contextlib.suppress(OSError):
                followed.handle.close()

    def close(self) -> None:
        for run_id in list(self._followed):
            self._let_go(run_id)


def _told(label: str, notes: list[str]) -> str:
    """``label: note``, or the label over the first few notes, one a line. A note that
    names its run itself (``run #6 of etl: cancelled …``) is not given the name twice."""
    notes = [_unnamed(label, note) for note in notes]
    if len(notes) == 1:
        return _shortened(f"{label}: {notes[0]}")
    shown = [f"  {_shortened(note)}" for note in notes[:NOTICE_LINES]]
    if len(notes) > NOTICE_LINES:
        shown.append(f"  … and {count_text(len(notes) - NOTICE_LINES)} more")
    return "\n".join([f"{printable(label)}:", *shown])


def _unnamed(label: str, note: str) -> str:
    """``note`` without the ``label: `` it starts with, in whatever case."""
    head = f"{label}: "
    return note[len(head) :] if note[: len(head)].lower() == head.lower() else note


def _shortened(text: str) -> str:
    text = printable(text)
    return text if len(text) <= NOTICE_CHARS else text[: NOTICE_CHARS - 1] + "…"
