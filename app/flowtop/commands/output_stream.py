"""``flowtop run``'s and ``watch``'s stdout as their printers write it: every line whole,
a reader that left noticed (``flowtop run | head``), a failed write said once.

Split from ``printers`` (the event sinks), which writes through ``Output`` and names
these again for its importers.
"""

from __future__ import annotations

import io
import os
import select
import threading
import time
from collections.abc import Callable
from typing import TextIO

from ..engine import capture_windows, status_line
from ..printable import PrintableStream, printable, say
from .line_pieces import is_fifo, write_all

#: Exit status when stdout's reader left early: 128 + SIGPIPE, as a shell reports for a
#: Unix tool that SIGPIPE stopped.
READER_GONE = 141


class Output:
    """A stream whose reader may go away, or whose file cannot grow: then writes stop,
    without a traceback.

    A reader that left sets ``reader_gone``, and ``on_reader_gone`` is called (on the
    writing thread) at every write from then on, so the command can stop its runs,
    including one that starts later (a ``@flow``'s retry), the way SIGPIPE stops a Unix
    tool. Any other write error (a full disk under ``> run.log``) is said once on stderr
    and kept in ``lost``: the runs go on and are recorded, and the command exits 1.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.reader_gone = threading.Event()
        self.on_reader_gone: Callable[[], object] | None = None  # result ignored
        self.lost: OSError | None = None
        #: The lost write's terminal hung up: its SIGHUP says what becomes of the command.
        self.hung_up = False
        #: Whether a lost write is said here, in ``flowtop run``'s words (the runs go on and
        #: are recorded); ``watch``, which neither runs nor records, says it its own way.
        self.says_lost = True
        #: Since when (monotonic) a write is under way, None between writes.
        self.writing_since: float | None = None
        #: ``give_up``'s stop (monotonic) and grace; ``abandoned`` once a write outlived it.
        self.stopping: tuple[float, float] | None = None
        self.abandoned = False

    def write(self, text: str) -> bool:
        """Write ``text``; whether it went out whole."""
        if self.lost is not None or self.abandoned:
            return False
        if not self.reader_gone.is_set():
            try:
                self.writing_since = time.monotonic()
                try:
                    self._write(text)
                except UnicodeEncodeError:  # a lone surrogate (a parameter): see encodable
                    self._write(encodable(text, self.stream))
                return True
            except BrokenPipeError:
                self.reader_gone.set()
                silence(self.stream)
            except OSError as exc:
                # (asked before ``silence``, which puts /dev/null behind the stream)
                self.lost, self.hung_up = exc, terminal_hung_up(self.stream)
                silence(self.stream)
                if self.says_lost and not self.hung_up:  # its SIGHUP says what becomes of it
                    say(f"{output_lost(exc)}; the run goes on, and is recorded")
                return False
            finally:
                self.writing_since = None
        if self.on_reader_gone is not None:
            self.on_reader_gone()
        return False

    def _write(self, text: str) -> None:
        """``text`` written whole and flushed, noted as flowtop's own in a launched run's
        log, whichever way it reaches fd 1 (``capture_windows.flowtops``): past the
        stand-in it was not, and a run's ``failed`` line was taken into its output."""
        with status_line.row_turn(), capture_windows.flowtops(text):  # (in this order)
            write_whole(self.stream, text)
            self.stream.flush()

    def give_up(self, grace: float) -> None:
        """The command is stopping (SIGTERM, SIGHUP, Ctrl+C): a write still under way
        ``grace`` seconds from now (or from its start, if later) is given up on, and
        nothing is written after it. A reader that stopped reading without leaving
        (``| sleep 60``, a stuck consumer) held the write, and with it the sink's thread,
        the bus's close and the stream's close: the stopped command outlived the signal by
        as long as the reader took. A stream that takes its lines loses none. The first
        stop decides: a second signal does not push the grace back."""
        if self.stopping is None:
            self.stopping = (time.monotonic(), grace)

    def given_up(self) -> bool:
        """Whether a write outlived ``give_up``'s grace: then nothing more is written or
        waited for (what was not written is lost)."""
        since, stopping = self.writing_since, self.stopping
        if not self.abandoned and since is not None and stopping is not None:
            stopped_at, grace = stopping
            self.abandoned = time.monotonic() >= max(since, stopped_at) + grace
        return self.abandoned

    def stuck(self) -> bool:
        """Whether a write given up on is still under way: the stream's lock is held by a
        thread that may never return, so the stream must not be flushed or closed (that
        waits for the lock) but left to the process's exit."""
        return self.writing_since is not None and self.given_up()

    def reader_left(self) -> bool:
        """Whether the reader left while nothing was written: ``watch | head -1`` waited
        for the next event to find out, through a retry wait of an hour. A pipe's write end
        polls as an error (a terminal as hung up) once no one reads it."""
        if self.reader_gone.is_set():
            return True
        try:
            poller = select.poll()
            poller.register(self.stream.fileno(), 0)  # no events asked: errors, hang-ups
            gone = any(flags & (select.POLLERR | select.POLLHUP) for _, flags in poller.poll(0))
        except (AttributeError, OSError, ValueError):  # no poll (Windows), no descriptor
            return False
        if gone:
            self.reader_gone.set()
            silence(self.stream)
        return gone


def write_whole(stream: TextIO, text: str) -> None:
    """Write all of ``text`` to ``stream``, also when its text layer writes straight to
    the raw file (``python -u``, ``PYTHONUNBUFFERED=1``).

    There a write the file takes only part of (a pipe whose reader left halfway through
    it: 64 KiB of 380 KiB) was cut short without a word, as CPython's text layer ignores
    the count the raw file returns: the next write never came, so no broken pipe was
    seen and ``watch | head`` exited 0 (141 without the variable). The bytes are written
    here until all are taken, so the reader's leaving raises ``BrokenPipeError`` as it
    does through a buffered stream."""
    # Past flowtop's stand-in for sys.stdout (the printer's lines are its own): the
    # stand-in's binary stream is a raw one whatever the real stream's buffering.
    real = getattr(stream, "original", stream)
    raw = getattr(real, "buffer", None)
    # (a POSIX stream writes "\n" as it is; on Windows the text layer translates it)
    if not isinstance(raw, io.RawIOBase) or os.linesep != "\n":
        stream.write(text)
        return
    stream.flush()  # what the text layer still holds goes first
    data = memoryview(text.encode(real.encoding or "utf-8", real.errors or "strict"))
    write_all(raw.write, raw.fileno, data)


def is_pipe(stream: TextIO) -> bool:
    """Whether ``stream`` writes into a pipe (``| head``), whose reader may leave."""
    try:
        return is_fifo(stream.fileno())
    except (AttributeError, OSError, ValueError):  # no descriptor (a test's StringIO)
        return False


def encodable(text: str, stream: object) -> str:
    """``text`` as ``stream`` can encode it: what it cannot (a lone surrogate, as a
    parameter given ``"\\ud800"`` in ``--params`` holds, which no encoding writes) as a
    ``\\ud800`` escape. It raised ``UnicodeEncodeError``: a traceback in place of the
    output. (``printable`` already shows a non-UTF-8 byte's surrogate as ``\\xff``.)"""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return text.encode(encoding, "backslashreplace").decode(encoding)


class TerminalStream(PrintableStream):
    """A :class:`PrintableStream` that writes what its stream cannot encode escaped
    (:func:`encodable`), instead of raising."""

    def write(self, text: str, /) -> int:
        try:
            return super().write(text)
        except UnicodeEncodeError:
            return self.stream.write(encodable(printable(text), self.stream))


def output_lost(exc: OSError) -> str:
    """What a failed write to stdout means to the user, without a traceback."""
    return f"cannot write to stdout ({exc.strerror or exc}): the output stops here"


def silence(stream: TextIO) -> None:
    """Point ``stream``'s descriptor at /dev/null: what is still buffered, and the
    interpreter's last flush at exit, then go nowhere instead of failing again."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not backed by a descriptor (a StringIO in tests): nothing will flush it
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def terminal_hung_up(stream: TextIO) -> bool:
    """Whether ``stream`` writes to a terminal that hung up (closed): its SIGHUP, not the
    failed write, decides whether the run goes on (``run_signals``)."""
    from .run_signals import hung_up

    try:
        return hung_up(stream.fileno())
    except (AttributeError, OSError, ValueError):  # no descriptor (a test's StringIO)
        return False
