"""The buffer of one attempt's output: its head and tail, the middle dropped past a size.

A task that prints in a loop for hours would grow its attempt's output, and the run
store's row, without bound: past ``MAX_CAPTURE`` the middle is dropped, with a note
saying how much. It is readable from another thread while the attempt writes (the
monitor following a running task, ``live_output``; a timed-out attempt's output so far).
Which thread writes into which buffer, and while which is open, is ``capture``'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import live_output

#: Captured output kept per attempt; beyond it the middle is dropped with a note.
MAX_CAPTURE = 256 * 1024
#: How far (characters) from where the cap cuts its head and its tail a line end moves
#: the cut to it: the note stood mid-line (``│ line 12`` / the note / ``│  38084``).
LINE_NEAR = 4 * 1024
#: The note standing for a dropped middle (``_told``), as read back (``head_tail``,
#: ``body_output``): a run recorded before the count had thousands separators wrote
#: ``4980737``; its line ends in ``\r\n`` after a head that ended in one of its own.
DROPPED_NOTE = re.compile(r"^… ([\d,]+) characters of output dropped …\r?$", re.MULTILINE)


class AttemptOutput:
    """What one attempt (or a ``@flow`` body) wrote: its head and tail, the middle dropped
    past ``MAX_CAPTURE``. Readable from another thread while it is written."""

    __slots__ = (
        "head",
        "tail",
        "size",
        "tail_size",
        "dropped",
        "live",
        "echo",
        "attempt",
        "taken",
        "cut_short",
        "cut",
    )

    def __init__(self) -> None:
        self.head: list[str] = []
        self.tail: list[str] = []
        self.size = 0
        self.tail_size = 0
        self.dropped = 0
        #: A task attempt's run and task record: its output is followed while it runs,
        #: once it has any (``live_output``).
        self.live: tuple[Any, Any] | None = None
        #: Also pass it on to the real streams as it comes (``Runner.echo_output``).
        self.echo = False
        #: The task attempt it is the output of, while that runs: what a thread the
        #: attempt started with its context copied is in (``capture.copied``).
        self.attempt: object = None
        #: Whether its run has taken the attempt's output for good, the attempt still
        #: running (past its time limit, in a cancelled run: ``aloop``, ``attempt``; in a
        #: forked child, ``capture._forked``). What it writes from then on goes to the real
        #: streams, as a thread's that outlived its attempt does (``capture._buffer``): no
        #: one reads it here.
        self.taken: Callable[[], bool] | None = None
        #: Whether a ``@flow`` body it is the output of was cut short (cancelled, timed
        #: out) while it runs: what it started is stopped then (``attempt_children``),
        #: though its run reads what it writes until the run's end (no ``taken``).
        self.cut_short: Callable[[], bool] | None = None
        #: Once its middle was dropped: the tail's list and where it begins in all that was
        #: written, set together for a reader on another thread (``parts``).
        self.cut: tuple[list[str], int] | None = None

    def write(self, text: str) -> None:
        live = self.live  # (read once: its end, on another thread, may clear it)
        if not self.size and live is not None:  # its first output: follow it
            live_output.printed(self, *live)
        room = MAX_CAPTURE // 2 - self.size
        self.size += len(text)
        if room > 0:  # a single huge write is split, so the head never outgrows its half
            self.head.append(text[:room])
            text = text[room:]
            if not text:
                return
        self.tail.append(text)
        self.tail_size += len(text)
        if len(self.tail) > 4096 or self.tail_size > MAX_CAPTURE:
            self._trim()

    def _trim(self) -> None:
        joined = "".join(self.tail)
        keep = joined[_tail_start(joined) :]
        self.dropped += len(joined) - len(keep)
        tail = [keep]
        self.cut = (tail, MAX_CAPTURE // 2 + self.dropped)  # before the tail it names
        self.tail = tail
        self.tail_size = len(keep)

    def skip(self, count: int) -> None:
        """``count`` more characters came after all it was written and were not decoded
        (a child's output far past what is kept: ``child_files``): told with its
        dropped middle, its tail too. Only once its head is full (``size`` past
        ``MAX_CAPTURE // 2``)."""
        tail: list[str] = []
        self.dropped += self.tail_size + count
        self.cut = (tail, MAX_CAPTURE // 2 + self.dropped)
        self.tail, self.tail_size = tail, 0
        self.size += count

    def take_children(self) -> None:
        """What processes it started wrote since the last look, into it (``child_files``,
        whose outputs are another class): none here."""

    def parts(self) -> tuple[str, int, str]:
        """Its head, where its tail begins in all that was written (as ``size`` counts it),
        and its tail, as one reading from another thread while the attempt writes
        (``live_output``): the tail follows the head, or its middle was dropped before it."""
        head = "".join(self.head)
        if len(head) < MAX_CAPTURE // 2:
            return head, len(head), ""  # nothing was in the tail when the head was read
        while True:
            cut = self.cut
            if cut is not None:
                return head, cut[1], "".join(cut[0])
            tail = self.tail
            if self.cut is None:  # not trimmed meanwhile: it is the tail the head began
                return head, len(head), "".join(tail)

    def snapshot(self) -> str:
        """What was written so far, as ``getvalue`` says it, read from another thread while
        the attempt may still write (a timed-out attempt's output, ``live_output.so_far``)."""
        head, begins, tail = self.parts()
        kept = tail[_tail_start(tail) :]
        return _told(head, begins + len(tail) - len(head) - len(kept), kept)

    def getvalue(self) -> str:
        """What was written, read once the attempt is over."""
        if not self.size:
            return ""
        self._trim()
        return _told("".join(self.head), self.dropped, "".join(self.tail))


def _tail_start(text: str) -> int:
    """Where the tail kept of ``text`` (the last ``MAX_CAPTURE // 2`` characters) begins:
    at the start of a line when a line ends within ``LINE_NEAR`` after the plain cut."""
    cut = max(0, len(text) - MAX_CAPTURE // 2)
    if cut == 0 or text[cut - 1] == "\n":
        return cut
    newline = text.find("\n", cut, cut + LINE_NEAR)
    return cut if newline < 0 or newline == len(text) - 1 else newline + 1


def _told(head: str, dropped: int, tail: str) -> str:
    """An attempt's output with its middle dropped past ``MAX_CAPTURE``, saying so on a
    line of its own: the head ends at a line's end when one is within ``LINE_NEAR`` of
    its cut (the tail begins at a line's start: ``_tail_start``), the rest of its last
    line counted with the middle. A line a progress bar rewrites after each ``\r`` ends
    at its last ``\r`` (the last version it drew whole): cut mid-version, the line as
    the terminal leaves it (``as_left_on_screen``) was a fragment, ``progres``. Cut at a
    ``\r``, the head ends in a ``\r\n`` it did not write: one that wrote it ends its note's
    line in ``\r\n`` too, so that reading it back (``body_output.rest``) counts it whole."""
    if not dropped:
        return head + tail
    near = max(0, len(head) - LINE_NEAR)
    end = max(head.rfind("\n", near), head.rfind("\r", near)) + 1
    if end:
        dropped += len(head) - end
        head = head[:end]
    line_end = "\r\n" if head.endswith("\r\n") else "\n"  # (its own)
    if not head.endswith("\n"):  # one long line, cut where the cap did, or at a ``\r``
        head += "\n"
    return f"{head}… {dropped:,} characters of output dropped …{line_end}{tail}"
