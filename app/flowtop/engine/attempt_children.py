"""The processes a task attempt started end with it when it is cut short (Linux).

A task's ``subprocess.run(["make"])`` runs on in a process of its own: cancelling the run
(``flowtop cancel``, the monitor's ``c``, SIGTERM, SIGHUP or Ctrl+C of ``flowtop run``)
or timing the attempt out raised ``TaskInterrupted`` in the task's code, which a thread
blocked waiting for its child only gets once that child ends; the run was recorded
CANCELLED and the command exited, the child reparented to PID 1 and running on. Under
``--executor process`` the worker was killed, and its children with it.

Now, under a flowtop command (whose audit hook sees each process an attempt starts:
``capture_children``), an attempt that starts a child is noted here as it does, with
the ``Popen`` started (its pid), or the thread starting it and that thread's children
until then (``os.system``, ``os.posix_spawn``, ``os.fork``: their pid is not known to the
hook; the children the thread starts from then on, ``/proc/self/task/TID/children``, are
its). Once the attempt is cut short while it still runs (``AttemptOutput.taken``: its
run cancelled, its task's or flow's timeout past; a ``@flow`` body's own children
likewise, by ``AttemptOutput.cut_short``, as its run reads its output to its end), those
children and their descendants (read from ``/proc`` then) get SIGTERM, and SIGKILL
``GRACE`` seconds later if still there (the same process: its start time is checked).
A cancel asks at once (``cut_short``); a timeout is seen within ``EVERY`` seconds by a
thread that runs only while an attempt with a child runs. The command's exit waits for
the SIGKILL (``GRACE`` at most, none once they are gone): a ``flowtop run`` stopped by
SIGTERM exits just after its cancel. An attempt that ends of itself leaves what it
started alone (a server it meant to leave running), so does one cut short for what its
``except`` handler starts then (its cleanup), and one that starts no child costs
nothing. Elsewhere than Linux (no ``/proc``) nothing is stopped, as before.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from .attempt_output import AttemptOutput

#: How long a child sent SIGTERM has to end before it gets SIGKILL (seconds).
GRACE = 3.0
#: How often a thread looks whether an attempt with children was cut short (seconds).
EVERY = 0.1

_ON_LINUX = os.path.isdir("/proc/self/task")
_SIGKILL = getattr(signal, "SIGKILL", signal.SIGTERM)  # (none on Windows: never sent there)


class _Children:
    """What one attempt started: its ``Popen``s, and the threads that started others with
    the children each had before (not the attempt's)."""

    __slots__ = ("cut_short", "popens", "before")

    def __init__(self, cut_short: Callable[[], bool]) -> None:
        self.cut_short = cut_short
        self.popens: list[subprocess.Popen[Any]] = []
        self.before: dict[int, set[int]] = {}


_lock = threading.Lock()
#: The attempts (by their output) that started a child and still run.
_attempts: dict[AttemptOutput, _Children] = {}
#: The processes sent SIGTERM: their start time, and when they get SIGKILL.
_dying: dict[int, tuple[int, float]] = {}
_watcher: threading.Thread | None = None
_hooked = False


def started(buffer: Any, popen: subprocess.Popen[Any] | None) -> None:
    """A thread of the attempt whose output is ``buffer`` starts a child: the ``Popen``
    being made, or (None) one ``os.system``, ``os.posix_spawn`` or ``os.fork`` starts.
    Called from the audit hook, before the child exists: not one an attempt starts once
    cut short (its cleanup). A ``@flow`` body's is cut short by its own predicate
    (``cut_short``): its run reads its output until the run's end, past the cancel."""
    global _hooked
    cut_short = getattr(buffer, "cut_short", None) or getattr(buffer, "taken", None)
    if not isinstance(buffer, AttemptOutput) or cut_short is None or not _ON_LINUX:
        return
    if cut_short():  # cut short already: what its ``except`` handler starts is its own
        return
    tid = None if popen is not None else threading.get_native_id()
    with _lock:
        found = _attempts.get(buffer)
        if found is None:
            found = _attempts[buffer] = _Children(cut_short)
            _end_noted(buffer)
        if popen is not None:
            found.popens.append(popen)
        elif tid is not None and tid not in found.before:
            found.before[tid] = _children_of(tid)
        if not _hooked:
            _hooked = True
            atexit.register(_at_exit)
        _watched()


def _watched() -> None:
    """Under ``_lock``: a thread watches the attempts with children and the processes
    dying (``_watch``)."""
    global _watcher
    if _watcher is None:
        _watcher = threading.Thread(target=_watch, name="flowtop-attempt-children", daemon=True)
        _watcher.start()


def cut_short() -> int:
    """Stop the children of each attempt whose output its run has taken while it runs
    (cancelled, timed out): SIGTERM now, SIGKILL past ``GRACE``. How many were sent it."""
    with _lock:
        if not _attempts:
            return 0
        stopped = [buffer for buffer, found in _attempts.items() if _is_cut_short(found)]
        chosen = [_attempts.pop(buffer) for buffer in stopped]
    return _stop(chosen) if chosen else 0


def _is_cut_short(found: _Children) -> bool:
    try:
        return bool(found.cut_short())
    except Exception:  # noqa: BLE001 - a record being changed: asked again at the next look
        return False


def _ended(buffer: AttemptOutput) -> None:
    """The attempt ended (its output read whole): its children are its own to leave
    running, unless its run took its output before (it ended by the interrupt)."""
    with _lock:
        found = _attempts.pop(buffer, None)
    if found is not None and _is_cut_short(found):
        _stop([found])


def _stop(chosen: Iterable[_Children]) -> int:
    roots: set[int] = set()
    me = os.getpid()
    for found in chosen:
        for popen in found.popens:
            pid = getattr(popen, "pid", None)
            if isinstance(pid, int) and popen.returncode is None:
                roots.add(pid)
        for tid, before in found.before.items():
            roots |= _children_of(tid) - before
    table = _processes()
    roots = {pid for pid in roots if pid in table and table[pid][0] == me}
    doomed = _descendants(roots, table)
    deadline = time.monotonic() + GRACE
    sent = 0
    for pid in doomed:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
            sent += 1
            with _lock:
                _dying[pid] = (table[pid][1], deadline)
                _watched()
    return sent


def _descendants(roots: set[int], table: dict[int, tuple[int, int]]) -> list[int]:
    """``roots`` and every process below them, parents first."""
    below: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        below.setdefault(ppid, []).append(pid)
    found, queue = [], sorted(roots)
    seen = set(queue)
    while queue:
        pid = queue.pop(0)
        found.append(pid)
        for child in below.get(pid, ()):
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return found


def _stat(pid: int | str) -> tuple[int, int, str] | None:
    """A process's parent, start time (clock ticks since boot) and state; None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            text = file.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    try:
        return int(fields[1]), int(fields[19]), fields[0]
    except (IndexError, ValueError):
        return None


def _processes() -> dict[int, tuple[int, int]]:
    """Every live process (a zombie is not): its parent and start time."""
    table = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return {}
    for name in names:
        if name.isdigit() and (found := _stat(name)) is not None and found[2] not in "ZX":
            table[int(name)] = found[0], found[1]
    return table


def _children_of(tid: int) -> set[int]:
    """The children thread ``tid`` of this process started that still run."""
    try:
        with open(f"/proc/self/task/{tid}/children") as file:
            return {int(pid) for pid in file.read().split()}
    except (OSError, ValueError):
        return set()


def _kill_overdue(now: float, *, all_now: bool = False) -> bool:
    """SIGKILL the processes sent SIGTERM whose grace is over (``all_now``: every one);
    whether any is left that has not ended."""
    with _lock:
        dying = list(_dying.items())
    for pid, (began, deadline) in dying:
        found = _stat(pid)
        if found is None or found[1] != began or found[2] in "ZX":
            gone = True
        elif all_now or now >= deadline:
            with contextlib.suppress(OSError):
                os.kill(pid, _SIGKILL)
            gone = True
        else:
            gone = False
        if gone:
            with _lock:
                _dying.pop(pid, None)
    with _lock:
        return bool(_dying)


def _watch() -> None:
    """Look whether an attempt with children was cut short, and end what outlived its
    SIGTERM, while there are such; then end (a later child starts it again)."""
    global _watcher
    while True:
        time.sleep(EVERY)
        try:
            cut_short()
            _kill_overdue(time.monotonic())
        except Exception:  # noqa: BLE001 - a look that failed (/proc gone): the next one
            pass
        with _lock:
            if not _attempts and not _dying:
                _watcher = None
                return


def wait_for_dying(grace: float = GRACE) -> None:
    """The children of attempts cut short, ended: those still there after ``grace``
    seconds get SIGKILL. Before this process exits (else they ran on past it)."""
    cut_short()
    deadline = time.monotonic() + grace
    while _kill_overdue(time.monotonic()) and time.monotonic() < deadline:
        time.sleep(0.02)
    _kill_overdue(time.monotonic(), all_now=True)


def _at_exit() -> None:
    with contextlib.suppress(KeyboardInterrupt, Exception):
        wait_for_dying()


class _EndNoted(AttemptOutput):
    """An attempt's output whose attempt started a child: its end is noted (``_ended``)."""

    __slots__ = ()

    def getvalue(self) -> str:
        with contextlib.suppress(Exception):
            _ended(self)
        return super().getvalue()


_kinds: dict[type[AttemptOutput], type[AttemptOutput]] = {}


def _end_noted(buffer: AttemptOutput) -> None:
    """Swap ``buffer``'s class for one noting its end (as ``child_files`` does)."""
    kind = type(buffer)
    if issubclass(kind, _EndNoted):
        return
    swapped = _kinds.get(kind)
    if swapped is None:
        swapped = _kinds[kind] = type(
            kind.__name__, (_EndNoted, kind), {"__slots__": (), "__module__": kind.__module__}
        )
    buffer.__class__ = swapped


def _forked() -> None:
    """In a forked child: the parent's attempts and processes are the parent's."""
    global _lock, _watcher
    _lock = threading.Lock()
    _attempts.clear()
    _dying.clear()
    _watcher = None


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_forked)
