"""Per-attempt capture of print() output and logging, per thread.

Tasks run in parallel on pool threads, so swapping ``sys.stdout`` per attempt would mix
their output. Instead ``sys.stdout``/``sys.stderr`` are wrapped once by a proxy that
writes to the buffer of the attempt running on the current thread, or passes through to
the real stream. A root logging handler does the same for log records, while a capture is
open (``_open``): outside any run the program's logging is as if flowtop never ran, and
inside one the root logger counts its handlers without flowtop's (``root_handlers``), so
``logging.basicConfig()`` configures there too. A log line flowtop passes on to the
terminal goes to stderr, as any log line, and only when no handler of the program's
receives it (``heard``); one a program's handler writes into a stand-in stream is captured
as that handler wrote it, not twice (``_program_handlers``). A thread a task attempt
starts with its context copied (``contextvars.copy_context().run``, ``asyncio.to_thread``)
is in that attempt, as Prefect's run contexts (context variables) make it: while the
attempt runs, what it writes is the attempt's output too (``copied``); so is a plain
thread's it (or a ``@flow`` body, the body's) starts, and a pool's work item it submits
(``capture_threads``).
A process forked from an attempt (``os.fork``, ``multiprocessing``'s default start method
on Linux) writes to the real streams, as in plain Python (``_forked``). What passes
through to a terminal showing ``flowtop run``'s live status line clears it first
(``status_line``). A process an attempt starts (``subprocess``) writes past all this: it
starts after the printer's lines, and in a launched run its lines in the run's log are
the attempt's output (``capture_children``, ``capture_windows``). What a ``@flow`` body
writes is captured and goes on to the terminal of ``flowtop run`` too (``body_output``).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import threading
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TextIO

from ..printable import say
from . import (
    capture_threads,
    capture_windows,
    logged_prints,
    prefect_log_levels,
    root_handlers,
    status_line,
)
from .attempt_output import MAX_CAPTURE as MAX_CAPTURE  # read from here too (``log_fold``)
from .attempt_output import AttemptOutput
from .binary_output import RoutedBytes
from .body_output import body_shown, write_teed
from .call_guard import engine_code
from .pass_through import PassThroughStream
from .program_handlers import logger_of, program_handlers

#: The engine's Prefect-style failure lines (``task_runs.ENGINE_LOG``): for the program's
#: own logging setup, or, in a program that set none up, on stderr as Python's last resort
#: would print them (``_engine_line``); flowtop's output reports failures its own way, so
#: neither an attempt's output nor a flowtop command's stderr repeats them.
QUIET_LOGGER = "flowtop.task_engine"


class _ThreadState(threading.local):
    """What this thread's writes go into (``begin``, ``join``), for which attempt, and
    its on_running hooks' output for its next attempt (``hook_output.prelude``). The
    class holds each default: a thread-local lacking one took 0.4 µs to say so."""

    buffer: Captured | None = None
    attempt: object = None
    tee: Callable[[], object] | None = None
    line_start = True
    prelude: tuple[str, Any] | None = None


_local = _ThreadState()
_install_lock = threading.Lock()
#: Held by ``end`` as it closes and reads a capture, and by a thread writing into an attempt
#: not its own: a write comes before the read, or goes past the capture, never between.
_ending, _UNHELD = threading.RLock(), contextlib.nullcontext()
_open_lock = threading.Lock()
#: The captures begun and not yet over: from ``begin`` to ``end``, or (an async attempt's,
#: which the event loop's steps write into) until its output is read, ``getvalue``. While
#: there is one, a run is live (``hold``), or a thread writes into a ``@flow`` body's
#: output (``join``), flowtop's handler is on the root logger (``_held`` counts the last
#: two); else it is not, so outside any run Python's last resort prints a program's
#: warnings, as if flowtop never ran. The flowtop commands keep it there
#: (``capture_info_logs``).
_open: set[Captured] = set()
_held = 0
_pinned = False


class Captured(AttemptOutput):
    """An attempt's output (``attempt_output``) as ``begin`` opens it: flowtop's log
    handler stays on the root logger while it is open (``_open``), until it is read."""

    __slots__ = ()

    def getvalue(self) -> str:
        """What was written, read once the attempt is over: the capture is closed. What
        the processes it started wrote to a launched run's log ends it (``capture_windows``)."""
        if capture_windows.watching:
            children = capture_windows.take(self)
            if children:
                self.write(children)
        if self in _open:
            _close(self)
        return super().getvalue()


#: ``begin(attempt)``'s buffer, in the attempt's context too: what a thread it starts with
#: its context copied reads (``copied``), since its thread-locals are its own. Set once per
#: attempt and not reset (one ``set`` is most of its cost): the buffer says when its
#: attempt has ended, and then holds it no more.
_attempt_context: ContextVar[Captured | None] = ContextVar("flowtop_attempt_capture", default=None)


def copied() -> Captured | None:
    """The buffer of the task attempt this context was copied from, while it runs (its
    ``attempt``; the attempt's own thread finds both in its thread-locals); else None."""
    found = _attempt_context.get()
    return None if found is None or found.attempt is None else found


def enter_attempt(buffer: Captured, attempt: object) -> None:
    """This context (an attempt's thread, or an async attempt's task) is in ``attempt``:
    for ``copied``."""
    buffer.attempt = attempt
    _attempt_context.set(buffer)


def _forked() -> None:
    """In a child forked from this process: its thread is a copy of the one that forked,
    which may be in an attempt (or a ``@flow`` body), and wrote into its buffer, a copy
    that dies with the child: every print of a ``multiprocessing.Pool``'s workers was lost.
    The child's own copies of those buffers are taken (``Captured.taken``): what it writes
    goes to the real streams, and it is still in the attempt (``TaskRunContext.get()``).
    A lock another thread held at the fork stays held in the child: it gets a new one."""
    global _install_lock, _open_lock, _held
    _install_lock, _open_lock = threading.Lock(), threading.Lock()
    _open.clear()  # no run goes on in the child: its logging is the program's alone
    _held = 0
    if not _pinned:
        logging.root.removeHandler(_handler)
    capture_threads.forget()
    for buffer in (_local.buffer, _attempt_context.get()):
        if buffer is not None:
            buffer.taken, buffer.live, buffer.echo = _always, None, False
    status_line.row_open = False  # the child's first line is a line's start


def _always() -> bool:
    return True


def _buffer() -> Captured | None:
    """Where this thread's writes go: its own capture, else its copied attempt's; None
    (the real stream) once the run took that attempt's output for good (``taken``)."""
    buffer: Captured | None = _local.buffer
    if buffer is None:
        buffer = copied() or capture_threads.started_by()
    if buffer is not None and buffer.taken is not None and buffer.taken():
        return None
    return buffer


class _ThreadRoutedStream(PassThroughStream):
    """Stands in for sys.stdout/stderr: the capturing thread's buffer (or the attempt its
    context was copied from), else the original, which answers everything else."""

    def __init__(self, original: TextIO) -> None:
        super().__init__(original)
        self.bytes = RoutedBytes(self, _buffer)
        #: ``status_line.terminal`` when last looked, and whether ``original`` writes there.
        self.shares: tuple[object, bool] = (None, False)

    def write(self, text: str) -> int:
        with _ending if _local.buffer is None else _UNHELD:  # another's attempt: not as it ends
            buffer = _written_into(text)
        if buffer is None:
            return self.past(text)
        tee = _local.tee if _local.buffer is not None else capture_threads.tee_of(buffer)
        if tee is not None:  # a @flow body's: on to the terminal (``body_output``)
            write_teed(self.original, text, _local, lambda: _catch_up(tee), pinned=_pinned)
        elif buffer.echo:
            self.original.write(text)
        return len(text)

    def past(self, text: str, *, own_line: bool = False) -> int:
        """``text`` written past any capture. ``own_line``: flowtop's (``say_past``), put
        below a row another writer left half-written, as the printer's lines are."""
        if text.__class__ is not str:
            return self.original.write(text)
        if own_line and text:
            with status_line.row_turn():
                if status_line.open_on(self.original):  # that row ends as it is, this
                    text = "\n" + text  # goes below it (not cleared: no "\r" first)
                return self.past(text)  # (the turn is this thread's: held again at once)
        if status_line.terminal is None:
            return self._mark_open_row(text)
        return self._clear_of_status(text)

    def _mark_open_row(self, text: str) -> int:
        """Past any capture, with no status line (a file, a pipe): whether this leaves its
        row half-written is said (``status_line.write_marked``)."""
        if not text:
            return self.original.write(text)
        if capture_windows.watching:  # flowtop's, not a child's (``capture_windows``)
            capture_windows.own(text)
        return status_line.write_marked(self.original, text)

    def _clear_of_status(self, text: str) -> int:
        """Past any capture, while a live status line is drawn (``status_line``): a line
        begun on its terminal clears that row first (``write_clearing``); one flag for the
        terminal, stdout's and stderr's, says a row is left half-written (``open_on``)."""
        seen, shares = self.shares
        if seen != status_line.terminal:
            shares = status_line.shares_terminal(self.original)
            self.shares = (status_line.terminal, shares)
        if not (shares and text):
            return self.original.write(text)
        status_line.write_clearing(self.original, text)
        return len(text)

    def flush(self) -> None:
        buffer: Captured | None = _local.buffer
        if buffer is None or _local.tee is not None or _buffer() is None:
            self.original.flush()

    @property
    def buffer(self) -> Any:
        """The binary stream under it: a task's bytes are its output (``binary_output``)."""
        if not hasattr(self.original, "buffer"):
            raise AttributeError("buffer")  # as the stream it stands in for (a StringIO)
        return self.bytes


def _written_into(text: str) -> Captured | None:
    """The capture ``text`` was written into (``_buffer``); None: none took it."""
    buffer = _buffer()
    if buffer is not None and not isinstance(text, str):  # as a real stream: the task fails
        raise TypeError(f"write() argument must be str, not {type(text).__name__}")
    if buffer is not None:
        buffer.write(text)
    return buffer


def _catch_up(tee: Callable[[], object]) -> None:
    """The printer's lines of what happened before the body's next line go out first
    (between the body's lines, never inside one); written on this thread, they are not
    the body's output: nothing is captured meanwhile."""
    if _local.line_start:
        saved = _local.buffer, _local.tee  # (none on a thread it started: ``capture_threads``)
        _local.buffer = _local.tee = None
        try:
            tee()
        finally:
            _local.buffer, _local.tee = saved


def _real(stream: object) -> Any:
    return getattr(stream, "original", stream)


def heard(logger: logging.Logger, level: int) -> bool:
    """Whether a record at ``level`` made on ``logger`` is shown: a handler of the
    program's (``basicConfig``'s, pytest's, …) receives it, or the program set none up on
    its way and this is no flowtop command (``capture_info_logs``), whose own output
    reports what the record says: flowtop's handler then prints it to stderr, standing in
    for Python's last resort, which its presence on the root logger silences."""
    found, received, _ = program_handlers(logger, level)
    return received or not (found or _pinned)


def shown_by_nobody(logger: logging.Logger, level: int) -> bool:
    """Whether a record at ``level`` on ``logger``, made on this thread, would be lost: no
    capture here (no attempt, no ``@flow`` body) and no handler of the program's on its
    way. Python's last resort would drop it below WARNING (a plain script's task called
    outside any flow). So would a flowtop command: its output reports the runs' attempts,
    and a task a flow called on a plain thread (a ``ThreadPoolExecutor``'s, which carries
    no run) is none: its ``log_prints`` prints and INFO lines went nowhere."""
    return _buffer() is None and not program_handlers(logger, level)[0]


def say_past(note: str) -> None:
    """flowtop's notice ``note`` (``printable.say``'s: toasted from a launched run's log) on
    stderr past the capture of this thread's ``@flow`` body or task, as the stand-in writes
    past it (``past``: flowtop's own in the log, a status line cleared, a half row kept)."""
    line = io.StringIO()
    say(note, stream=line)
    stream = sys.stderr
    if isinstance(stream, _ThreadRoutedStream):
        stream.past(line.getvalue(), own_line=True)
    else:
        stream.write(line.getvalue())
    _real(stream).flush()


def show_on_stderr(record: logging.LogRecord) -> None:
    """``record`` on stderr, as a script's task lines are shown (``LEVEL name: message``);
    under a flowtop command through the stand-in, clear of a live status line."""
    (sys.stderr if _pinned else _real(sys.stderr)).write(_handler.format(record) + "\n")


class _CaptureHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        #: Records from outside any attempt at or above this level go to stderr (see
        #: ``capture_info_logs``); by default Python's last resort has them, as without
        #: flowtop (``_outside``).
        self.passthrough_level = logging.CRITICAL + 1

    def handle(self, record: logging.LogRecord) -> bool:
        """``Handler.handle`` as flowtop's code (``call_guard``): an interrupt landing
        between its lock's acquire and its ``try`` kept the lock, and every logger hung."""
        with engine_code():
            return bool(super().handle(record))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if record.name == QUIET_LOGGER:
                self._engine_line(record)
                return
            buffer = _buffer()
            if buffer is None:
                self._outside(record)
                return
            _, shown, streamed = program_handlers(logger_of(record), record.levelno, record)
            if streamed:  # the program's handler writes it into the capture: kept once
                return
            line = self.format(record) + "\n"
            buffer.write(line)
            tee = _local.tee if _local.buffer is not None else capture_threads.tee_of(buffer)
            if tee is None and not buffer.echo:
                return  # an attempt's: its output shows it (the monitor, `flowtop run`)
            if shown:
                return  # the program's handler shows it: kept, not shown twice
            if tee is not None:
                # a @flow body's record reaches the terminal of `flowtop run` in turn with
                # its prints (an INFO line of its run logger too, as with Prefect), on stderr
                # as any log line; `catch_up` waits at most half a second for a printer
                # busy on another thread
                _catch_up(tee)
                with contextlib.suppress(OSError, ValueError):
                    _real(sys.stdout).flush()  # the lines before it first, on one terminal
            # else echoed: a script's run, as Prefect shows it
            line = line if tee is None else body_shown(line, pinned=_pinned)
            if capture_windows.watching:
                capture_windows.own(line)
            _real(sys.stderr).write(line)
        except Exception:  # noqa: BLE001 - logging must never break a task
            self.handleError(record)

    def _engine_line(self, record: logging.LogRecord) -> None:
        """One of the engine's failure lines (``QUIET_LOGGER``): never an attempt's output.
        A plain script's run (``python etl.py``) has no printer reporting its failures, and
        this handler on the root logger keeps Python's last resort from printing the line:
        it goes to stderr here, at the level the program left the logger at, unless a
        handler of the program's has it (printed once) or a flowtop command runs (``heard``)."""
        if _pinned or program_handlers(logger_of(record), record.levelno)[0]:
            return
        _real(sys.stderr).write(self.format(record) + "\n")

    def _outside(self, record: logging.LogRecord) -> None:
        """A record from outside any attempt, while flowtop's handler is on the root logger:
        what Python does with it without flowtop (``Logger.callHandlers``), or the flowtop
        commands' line on stderr."""
        if program_handlers(logger_of(record), record.levelno)[0]:
            return
        if record.levelno >= self.passthrough_level:  # the stand-in: past a status line
            if _flowtops_own(record):
                say(_MESSAGE_ONLY.format(record))
            else:
                sys.stderr.write(self.format(record) + "\n")
            return
        last = logging.lastResort
        if last is not None:
            if record.levelno >= last.level:
                last.handle(record)
        elif logging.raiseExceptions and not logging.Logger.manager.emittedNoHandlerWarning:
            sys.stderr.write(f'No handlers could be found for logger "{record.name}"\n')
            logging.Logger.manager.emittedNoHandlerWarning = True


_handler = root_handlers.RootHandlers.hidden = _CaptureHandler()

#: The loggers a flow's code logs on (its run loggers, the engine's failure lines): under
#: a flowtop command their lines read as logged (``INFO flowtop.task_runs: …``).
_FLOWS_LOGGERS = ("flowtop.flow_runs", "flowtop.task_runs", QUIET_LOGGER)
_MESSAGE_ONLY = logging.Formatter("%(message)s")


def _flowtops_own(record: logging.LogRecord) -> bool:
    """Whether ``record`` is flowtop's own (its run store's, ``flowtop.history``): a
    flowtop command says it as its other lines, ``flowtop run: …``. A damaged store's
    line read ``ERROR flowtop.history: …``, the next one ``flowtop run: …``."""
    return record.name.startswith("flowtop.") and record.name not in _FLOWS_LOGGERS


def _ensure_installed() -> None:
    """Wrap the current sys streams (again, if something replaced them since)."""
    if isinstance(sys.stdout, _ThreadRoutedStream) and isinstance(sys.stderr, _ThreadRoutedStream):
        return
    with _install_lock:
        capture_threads.install(_owner, _owns)
        if not isinstance(sys.stdout, _ThreadRoutedStream) and sys.stdout is not None:
            sys.stdout = _ThreadRoutedStream(sys.stdout)
        if not isinstance(sys.stderr, _ThreadRoutedStream) and sys.stderr is not None:
            sys.stderr = _ThreadRoutedStream(sys.stderr)


def _owner() -> capture_threads.Owner | None:
    """What this thread writes into, and its tee: what a thread it starts writes into."""
    buffer = _buffer()
    if buffer is None:
        return None
    return buffer, _local.tee if _local.buffer is not None else capture_threads.tee_of(buffer)


def _owns(buffer: Captured) -> bool:
    """Whether ``buffer``'s attempt runs, or a ``@flow`` body's is still written into."""
    return buffer.attempt is not None or buffer in _open


def _open_capture(buffer: Captured | None) -> None:
    """``buffer`` (None: a ``join``) is written into: flowtop's handler on the root logger."""
    global _held
    with _open_lock:
        if buffer is None:
            _held += 1
        else:
            _open.add(buffer)
        _attach()


def _attach() -> None:
    """Under ``_open_lock``; again after the program took it off (``basicConfig(force=True)``).
    The root logger's list is changed in place, as ``addHandler`` does, without logging's
    lock: one ``append`` (one ``remove`` in ``_close``) is atomic, and only this module adds
    this handler (an attempt's cost, with no run around it). Only the list's first change
    to a ``RootHandlers`` (again if the program replaced it) takes logging's lock."""
    handlers = logging.root.handlers
    if handlers.__class__ is not root_handlers.RootHandlers:  # a list the program put back
        handlers = root_handlers.adopted()  # (``assertLogs``): basicConfig() configures
    if _handler not in handlers:
        list.append(handlers, _handler)


def _close(buffer: Captured | None) -> None:
    """``buffer`` (None: a ``join``) is over: with nothing else open, the handler is off."""
    global _held
    with _open_lock:
        if buffer is None:
            _held -= 1
        else:
            _open.discard(buffer)
        if not (_open or _held or _pinned):
            with contextlib.suppress(ValueError):  # the program took it off already
                logging.root.handlers.remove(_handler)


def hold() -> None:
    """A run begins: flowtop's handler stays on the root logger until its ``release``.
    Its thread attempts (``begin(held=True)``) then neither put it on nor take it off,
    each under the lock: that was a third of what capturing an attempt cost. Prefect's
    ``log_prints`` may apply from now on (``logged_prints``), and its logging levels
    (``PREFECT_LOGGING_ROOT_LEVEL``, …: ``prefect_log_levels``)."""
    logged_prints.install()
    prefect_log_levels.apply_in_drop_in()
    _open_capture(None)


def release() -> None:  # the run ``hold`` was called for ended
    _close(None)


def begin(
    attempt: object = None,
    *,
    tee: Callable[[], object] | None = None,
    into: Captured | None = None,
    held: bool = False,
) -> Captured:
    """Start capturing for the attempt about to run on this thread; ``attempt`` (the
    runner's ``(run, task record, args, kwargs)``) is what ``TaskRunContext.get()`` reads
    meanwhile (``task_runs.current_attempt``). ``tee``: what is captured still goes where
    it went (a ``@flow`` body's prints: to the terminal of ``flowtop run`` as they come),
    each line once ``tee()`` returns (the run's ``catch_up``: its printer's lines first).
    ``into``: go on writing what was captured before (a ``@flow``'s hooks, after its body).
    An attempt's output starts with what its ``on_running`` hooks printed just before it
    on this thread (``hook_output.prelude``). ``held``: its run holds the handler (``hold``).
    Returns what is captured, for a reader on another thread (a cancelled run's output)."""
    if (
        sys.stdout.__class__ is not _ThreadRoutedStream
        or sys.stderr.__class__ is not _ThreadRoutedStream
    ):
        _ensure_installed()
    _local.buffer = captured = into if into is not None else Captured()
    if held:  # unless the program changed the root's handlers (``basicConfig(force=True)``)
        handlers = logging.root.handlers
        if handlers.__class__ is not root_handlers.RootHandlers or _handler not in handlers:
            with _open_lock:
                _attach()
    elif captured not in _open:
        _open_capture(captured)
    _local.attempt = attempt
    _local.tee = tee
    _local.line_start = True
    if attempt is not None:
        enter_attempt(captured, attempt)
        told = _local.prelude  # its task's on_running hooks' output
        if told is not None:  # (``hook_output.prelude``): its output starts with it
            _local.prelude = None
            captured.live = told[1]  # followed while it runs, as any print of it
            captured.write(told[0])
    return captured


def end() -> str:
    """Stop capturing on this thread and return what the attempt wrote."""
    buffer: Captured | None = _local.buffer
    _local.buffer = _local.attempt = _local.tee = None
    if buffer is None:
        return ""
    # ended: a thread it started writes no more to it, and the context that thread was
    # copied from (kept by the worker until its next attempt) holds no run through it
    with _ending:
        buffer.attempt = buffer.live = buffer.taken = buffer.cut_short = None
        return buffer.getvalue()


def join(into: Captured, tee: Callable[[], object]) -> None:
    """This thread writes into a ``@flow`` body's output as the body does (a thread the
    body started, its context copied), until ``leave()``; the body may be over already."""
    _open_capture(None)
    _local.buffer, _local.tee, _local.attempt, _local.line_start = into, tee, None, True


def leave() -> None:
    """Undo ``join``; the output joined is the run's still (not ``end``)."""
    _local.buffer = _local.tee = _local.attempt = None
    _close(None)


def in_task_attempt() -> bool:
    """Whether this thread runs a task attempt now: it captures, and not as a ``@flow``
    body does (whose capture tees: its output is the run's own), or its context was
    copied from an attempt that runs still."""
    if _local.buffer is not None:
        return _local.tee is None
    return copied() is not None


def capture_info_logs() -> None:
    """For the flowtop commands: let tasks' INFO records reach their attempt's output.

    Python's root logger passes only WARNING and above until the program configures
    logging, so ``log.info`` in a task would never be seen. When logging is unconfigured,
    lower the root level to INFO, and keep what Python's last-resort handler did for
    records outside tasks (WARNING and above to stderr). A configured program is left alone.
    flowtop's handler stays on the root logger from then on (the command owns the process).
    """
    global _pinned
    from ..printable import _notice_mark  # set: a run process a client launched
    from . import capture_children  # its processes' lines come after the printer's

    capture_children.install(_local, copied, launched=bool(_notice_mark))
    root = logging.getLogger()
    _ensure_installed()
    with _open_lock:
        _pinned = True
        _attach()
    if root.level == logging.WARNING and all(h is _handler for h in root.handlers):
        root.setLevel(logging.INFO)
        _handler.passthrough_level = logging.WARNING


def pinned() -> bool:
    """Whether a flowtop command owns this process (``capture_info_logs``, ``pin``)."""
    return _pinned


def pin(command: bool) -> None:
    """On a process or Dask worker, as each attempt begins (``shipping.run_pickled``):
    whether a flowtop ``command`` shipped it. Its logging is then as on the command's
    threads: a task called in the shipped task logged the engine's failure line and
    traceback on the worker's stderr (``ERROR flowtop.task_engine: Task run failed …``),
    which no thread of the command makes (the run's output reports that failure:
    ``heard``, ``_engine_line``). A plain script's attempt on a Dask worker a command
    used before gets a script's logging back (the line, the body's output as written)."""
    global _pinned
    with _open_lock:
        _pinned = command
        if command:
            _attach()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_forked)
