"""The signals that stop ``flowtop run``: Ctrl+C, SIGTERM and SIGHUP cancel its runs.

Each is raised as a ``Stopped`` (a ``KeyboardInterrupt``), which cancels the runs, lets
them be recorded CANCELLED, and ends the command with 128 + the signal's number after
``flowtop run: interrupted (HOW)``. Left to the default, SIGTERM and SIGHUP killed the
process at once: the run read INTERRUPTED ("its process is gone"), a process pool's
workers ran on, and the live status line stayed on the screen.

A drop-in flow's run so cancelled crashes, as Prefect's does: its ``on_crashed`` hooks run,
not ``on_cancellation`` (the reason is a ``SignalStop``: ``engine.final_states``).

SIGHUP comes when the terminal goes away (its window closed, ``tmux kill-session``, an
ssh connection lost). Every write to a terminal that hung up fails (EIO), so its
descriptors are pointed at /dev/null as the signal arrives: the run's last lines, and
the ``interrupted`` line, go nowhere instead of failing, and its end is still recorded.
A ``kill -HUP`` with the terminal still there prints them as for SIGTERM. A SIGHUP that
is ignored (``nohup flowtop run``) or handled otherwise is left so.

``flowtop watch`` takes the same handlers: there they stop the watch alone (its status
line taken away, the same exit codes), and the run it shows goes on.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..engine.final_states import INTERRUPT_CRASH, TERMINATION_CRASH, SignalStop
from ..workspace.load_error import Stopped

if TYPE_CHECKING:
    from ..workspace.import_guard import ImportNews


class CtrlC(Stopped):
    """Ctrl+C (SIGINT), flowtop's own: its runs' note names it. They read "cancelled by the
    user", as a ``flowtop cancel`` does: ``history`` could not tell the two apart."""

    why = SignalStop("cancelled: Ctrl+C (SIGINT: flowtop run was interrupted)", INTERRUPT_CRASH)


class Terminated(Stopped):
    """SIGTERM (``kill``, ``timeout``, a service or a pod stopped), raised as a Ctrl+C is:
    the run is cancelled and its worker processes killed. Left to the default, the process
    died at once, the run read INTERRUPTED, and a process pool's workers ran on."""

    how = "SIGTERM"
    exit_code = 128 + signal.SIGTERM
    why = SignalStop("cancelled: SIGTERM (flowtop run was stopped)", TERMINATION_CRASH)


class HungUp(Stopped):
    """SIGHUP: the terminal ``flowtop run`` ran in was closed. Handled as SIGTERM is."""

    how = "SIGHUP"
    exit_code = 128 + signal.SIGHUP
    why = SignalStop("cancelled: SIGHUP (flowtop run's terminal closed)", TERMINATION_CRASH)


Handler = Callable[[int, FrameType | None], Any]


#: What stopped the command, once a signal did. The first decides: a later one (SIGHUP
#: after SIGTERM, a second ``kill``) raises nothing, so the runs' reason, the words said
#: and the exit status agree (they said ``interrupted (SIGHUP)``, 129, and tasks
#: ``cancelled: SIGTERM``), and the cancelling and recording the first started is not
#: cut short (raised inside ``threading``'s wait, it broke a lock: a traceback).
_stopped_by: list[type[Stopped]] = []

#: Descriptors besides 1 and 2 that write to the terminal (``--json``'s own, a copy of
#: the first stdout): silenced with them when it hangs up (``silence_on_hang_up``).
_also_silenced: list[int] = []


#: Whether flowtop caught the stop (``stop_taken``). Until then a later signal raises
#: again, as the first (its reason and status): the first may have been swallowed by
#: the user's code (an ``except KeyboardInterrupt`` in a flow file still importing),
#: and a ``flowtop run`` that ignored every later ``kill`` could not be stopped.
_taken: list[bool] = []

#: When the first signal came (``time.monotonic``). One that follows it within
#: ``AGAIN_AFTER`` is the same stop (``kill -INT $p; kill -TERM $p``, a supervisor's
#: signals to a process group) and raises nothing: raised while the first was still
#: on its way to flowtop's ``except``, it broke the lock of the ``threading`` wait it
#: came through (``RuntimeError: release unlocked lock``, a traceback, exit 1), or,
#: while flow files imported, replaced the first (``interrupted (Ctrl+C)``, exit 143).
_first_at: list[float] = []
AGAIN_AFTER = 0.25


def _stop(raised: type[Stopped]) -> None:
    now = time.monotonic()
    if not _stopped_by:
        _stopped_by.append(raised)
        _first_at.append(now)
    elif now - _first_at[0] < AGAIN_AFTER:
        return
    if not _taken:
        raise _stopped_by[0]


def stop_taken() -> None:
    """flowtop caught the stop: later signals raise nothing, so the cancelling and
    recording it started is not cut short."""
    _taken.append(True)


def _terminated(signum: int, frame: FrameType | None) -> None:
    _stop(Terminated)


def _hung_up(signum: int, frame: FrameType | None) -> None:
    silence_hung_up_terminal()
    _stop(HungUp)


def _ctrl_c(signum: int, frame: FrameType | None) -> None:
    _stop(CtrlC)  # Python's own handler's KeyboardInterrupt, told from a flow file's


#: Each signal flowtop run handles: its handler, the handlers it replaces (the default
#: one), and what it raises.
OURS: dict[signal.Signals, tuple[Handler, Any, type[Stopped]]] = {
    signal.SIGINT: (_ctrl_c, signal.default_int_handler, CtrlC),
    signal.SIGTERM: (_terminated, signal.SIG_DFL, Terminated),
}
if hasattr(signal, "SIGHUP"):  # not on Windows
    OURS[signal.SIGHUP] = (_hung_up, signal.SIG_DFL, HungUp)


def hung_up(fd: int) -> bool:
    """Whether descriptor ``fd`` is a terminal that hung up: every request on it fails
    with EIO (one that is no terminal fails with ENOTTY)."""
    try:
        import termios
    except ImportError:  # Windows
        return False
    try:
        termios.tcgetattr(fd)
    except termios.error as exc:
        return bool(exc.args) and exc.args[0] == errno.EIO
    except (OSError, ValueError):  # closed
        return False
    return False


def silence_on_hang_up(fd: int) -> None:
    """Silence descriptor ``fd`` too when the terminal hangs up (until the command ends):
    ``--json`` writes to a copy of the first stdout, which said ``cannot write to stdout
    (Input/output error): … the run goes on`` as the SIGHUP cancelled the run."""
    _also_silenced.append(fd)


def silence_hung_up_terminal() -> None:
    """Point stdout and stderr (and ``silence_on_hang_up``'s) at /dev/null where they write
    to a terminal that hung up: a write there fails (EIO), and what is said from now on is
    for no one."""
    for fd in (1, 2, *_also_silenced):
        if not hung_up(fd):
            continue
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, fd)
            finally:
                os.close(devnull)


def stop_like_ctrl_c_on_sigterm() -> None:
    """From here on SIGTERM and SIGHUP cancel the runs as Ctrl+C does (see ``Terminated``,
    ``HungUp``), unless the signal is ignored or handled otherwise, or this is not the
    main thread."""
    if threading.current_thread() is not threading.main_thread():
        return
    _stopped_by.clear()
    _taken.clear()
    _first_at.clear()
    for sig, (ours, default, _) in OURS.items():
        if signal.getsignal(sig) == default:
            signal.signal(sig, ours)


@contextlib.contextmanager
def command_signals() -> Iterator[None]:
    """The handlers of SIGTERM, SIGHUP and Ctrl+C as they were before the block, again
    after it (a command's, set by ``stop_like_ctrl_c_on_sigterm``).

    Left installed past the command, a second ``kill`` of a stopping ``flowtop run``
    raised ``Terminated`` in whatever the interpreter's exit was doing (the store's close:
    ``Exception ignored in atexit callback``, a traceback); and a caller running the
    command in its own process (a test) kept them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.getsignal(sig) for sig in OURS}
    try:
        yield
    finally:
        if _first_at:  # stopped: the signals that come with the first are the same stop
            # (given back at once, a SIGHUP sent with the SIGTERM that stopped `flowtop
            # list` as it imported killed it after it had said `(SIGTERM)`: exit 129)
            time.sleep(max(0.0, _first_at[0] + AGAIN_AFTER - time.monotonic()))
        for sig, handler in saved.items():
            if handler is not None and signal.getsignal(sig) is not handler:
                signal.signal(sig, handler)
        _stopped_by.clear()
        _taken.clear()
        _first_at.clear()
        _also_silenced.clear()


@contextlib.contextmanager
def stops_noted(on_stop: Callable[[], object] | None = None) -> Iterator[list[int]]:
    """SIGTERM, SIGHUP and Ctrl+C noted (in the list yielded, in order) instead of acted
    on, for the block: those left to their defaults, or flowtop's. ``--detach`` holds them
    while it launches: one that came just after a run id was printed ended the command
    143 while its run went on, and ``id=$(flowtop run --detach) || exit 1`` gave up on a
    running run. ``raise_noted`` acts on one where the command decides. ``on_stop`` is
    called at each, as it comes (``flowtop run``'s end stops waiting for its reader)."""
    pressed: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return

    def note(signum: int, frame: FrameType | None) -> None:
        if signum == getattr(signal, "SIGHUP", None):
            silence_hung_up_terminal()
        pressed.append(signum)
        if on_stop is not None:
            on_stop()

    held = {
        sig: now
        for sig, (ours, default, _) in OURS.items()
        if (now := signal.getsignal(sig)) is ours or now == default
    }
    for sig in held:
        signal.signal(sig, note)
    try:
        yield pressed
    finally:
        for sig, handler in held.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def stopped_while_importing(path: str) -> Iterator[None]:
    """SIGTERM and SIGHUP stop the block, the flow files at ``path`` importing in a loader
    process (``flowtop list``, ``flowtop run --detach``), as Ctrl+C does: raised as
    ``Terminated`` or ``HungUp`` saying ``stopped while importing PATH``, which
    ``flowtop.cli.main`` prints after the command's name before exiting 128 + the
    signal's number. Left to their defaults, they ended the command 143 or 129 without a
    word: a slow import (a heavy library) looked like a crash. PATH is the file this
    process heard was importing, when it heard of one (``import_guard``'s news: the one
    file of a folder ``run --flow NAME --detach`` describes alone)."""
    from ..workspace import import_guard

    heard = _HeardImporting()
    heard.before = import_guard.tell(heard)
    try:
        with command_signals():
            stop_like_ctrl_c_on_sigterm()
            try:
                yield
            except Stopped as stop:  # (the handlers are given back as it leaves)
                what = _flow_files_at(path, heard.files)
                raise type(stop)(f"stopped while importing {what}") from None
    finally:
        import_guard.tell(heard.before)


class _HeardImporting:
    """The files this process last heard were importing (``import_guard.ImportNews``),
    the news passed on to whoever heard it ``before``."""

    def __init__(self) -> None:
        self.before: ImportNews | None = None
        self.files: list[Path] = []

    def importing(self, files: Sequence[Path]) -> None:
        if files:  # (none once every import is over: the last one named)
            self.files = list(files)
        if self.before is not None:
            self.before.importing(files)

    def hung(self, file: Path, seconds: float) -> None:
        if self.before is not None:
            self.before.hung(file, seconds)


def _flow_files_at(path: str, heard: Sequence[Path] = ()) -> str:
    """``flows/x.py`` for a flow file (or the one file of the folder ``path`` that was
    ``heard`` importing), ``the flow files in flows`` for a folder (which of them was
    importing is the loader process's to know), shown printable."""
    from ..printable import printable_name
    from ..workspace.load_error import display_path

    files = [file for file in heard if not os.path.isdir(file)]
    if len(files) == 1 and os.path.isdir(path):
        return display_path(files[0])
    shown = printable_name(path)
    return f"the flow files in {shown}" if os.path.isdir(path) else shown


def raise_noted(pressed: list[int]) -> None:
    """Stop the command as the first of the signals ``stops_noted`` noted asked, if any."""
    if pressed:
        _stop(OURS[signal.Signals(pressed[0])][2])


def _plain_signals_in_child() -> None:
    """A process a task forks (a fork ``multiprocessing.Pool``'s workers) is the task's: its
    SIGTERM and SIGHUP end it, as in plain Python (``Pool.terminate()`` printed a
    ``Terminated`` traceback per idle worker), and Ctrl+C raises Python's own
    KeyboardInterrupt there."""
    for sig, (ours, default, _) in OURS.items():
        if signal.getsignal(sig) is ours:
            with contextlib.suppress(ValueError):  # not the child's main thread (never so)
                signal.signal(sig, default)


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_plain_signals_in_child)


@contextlib.contextmanager
def ctrl_c_after() -> Iterator[None]:
    """Hold a Ctrl+C (or SIGTERM, SIGHUP) back until the block is done, then raise it.

    Starting a run records it in the store (RUNNING), then starts it: a Ctrl+C between
    the two left a recorded run that nothing would cancel, so it read RUNNING until a
    reader found its process gone. Held back, it comes once the run exists, and cancels
    it like any Ctrl+C (``CANCELLED``, exit 130). Only flowtop's own handlers are held
    back: off the main thread no signal arrives, and one ignored or handled otherwise is
    left so. (A terminal that hung up is silenced at once all the same.)
    """
    held = {
        sig: now
        for sig, (ours, default, _) in OURS.items()
        if (now := signal.getsignal(sig)) is ours or (sig == signal.SIGINT and now is default)
    }
    if not held or threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        if signum == getattr(signal, "SIGHUP", None):
            silence_hung_up_terminal()
        pressed.append(signum)

    for sig in held:
        signal.signal(sig, hold)
    try:
        yield
    finally:
        for sig, handler in held.items():
            signal.signal(sig, handler)
    raise_noted(pressed)  # the first decides (``_stopped_by``)
