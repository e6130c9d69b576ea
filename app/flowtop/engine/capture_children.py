"""What a task's (or a ``@flow`` body's) child process writes to the command's own
terminal or file comes after flowtop's lines, and off its live status line.

A process a task starts (``subprocess.run(["make"])``, ``os.system``) writes to the
descriptors it inherits, past the stand-in streams (``capture``): its lines reached a
``flowtop run`` redirected to a file before the run's ``started``/``running`` lines,
which the printer writes on the bus's thread a few milliseconds later (``bus``'s batch
window), and on a terminal they were glued to the live status line
(``etl #8: 0/1 done · 1 running · 0.0sSUBPROC-STDOUT-LINE``).

Now, under a flowtop command, a child started from a run's thread waits for what the
printer holds to be written and for the status line to be taken away first: a Python
audit hook (``sys.addaudithook``) sees every process start (``subprocess.Popen``,
``os.system``, ``os.posix_spawn``, ``os.fork``) on the thread that starts it, before the
child exists, and calls the run's ``EventBus.catch_up`` there, as a ``@flow`` body's
prints do before each line. While such a child may still write (a ``Popen`` not yet
waited for), the printer does not draw its status line again (``writing``): a long
``make``'s later lines would be glued to it. In a run process a client launched, a
``Popen``'s output left to inherit (or given ``sys.stdout``) goes into its attempt's own
file instead (``child_files``). What an attempt starts is stopped with it when its run
cancels it or its timeout does (``attempt_children``).
"""

from __future__ import annotations

import contextlib
import contextvars
import subprocess
import sys
import weakref
from collections.abc import Callable
from typing import Any

from . import attempt_children, capture_threads, capture_windows, child_files
from .call_guard import engine_code

#: The audit events of a process being started (``os.spawn*`` forks: ``os.fork``).
STARTS = frozenset({"subprocess.Popen", "os.system", "os.posix_spawn", "os.fork"})

#: The children started from a run's thread that may still write: a ``Popen`` whose exit
#: has not been waited for (``returncode`` None) and that is still referenced.
_children: weakref.WeakSet[subprocess.Popen[Any]] = weakref.WeakSet()
_installed = False
#: ``capture``'s per-thread state (what a thread writes into, for which attempt) and its
#: ``copied``, given by ``install`` (this module is ``capture``'s, imported by it).
_local: Any = None
_copied: Callable[[], Any] = type(None)  # (no attempt until ``install``)


def install(local: Any, copied: Callable[[], Any], *, launched: bool) -> None:
    """From now on a child started from a run's thread comes after the printer's lines
    (a flowtop command owns its process; an audit hook cannot be taken off). ``local``
    and ``copied``: ``capture``'s, where a thread's attempt is found (also a plain
    thread's or a pool's work item an attempt started: ``capture_threads``). In a
    run process a client ``launched``, what a child writes is its attempt's output
    (``child_files``; else read from the log, ``capture_windows``)."""
    global _installed, _local, _copied
    _local, _copied = local, lambda: copied() or capture_threads.started_by()
    if not _installed:
        _installed = True
        sys.addaudithook(_heard)
    capture_windows.watch_log(launched)
    if capture_windows.log_fd is not None:
        child_files.install(_run_output)


def _run_output() -> Any:
    """The output this thread writes into when it runs a task attempt or a ``@flow`` body
    (``_catch_up_here``) and its run has not taken it for good (``Captured.taken``)."""
    try:
        if _catch_up_here() is None:
            return None
        buffer = _local.buffer or _copied()
        taken = getattr(buffer, "taken", None)
        return None if taken is not None and taken() else buffer
    except Exception:  # noqa: BLE001 - a child's start must not fail for it: as before
        return None


def writing() -> bool:
    """Whether a child a run started may still be writing to the command's terminal."""
    try:
        return any(child.returncode is None for child in list(_children))
    except RuntimeError:  # the set changed while copied (a child collected meanwhile)
        return True


def _heard(event: str, args: tuple[Any, ...]) -> None:
    if event not in STARTS:
        return
    with engine_code():  # the task's own call, in flowtop's code (``call_guard``)
        try:
            catch_up = _catch_up_here()
            if catch_up is None:
                return
            frame = sys._getframe(1)
            popen = _popen_of(frame) if event == "subprocess.Popen" else None
            attempt_children.started(_local.buffer or _copied(), popen)  # ends if cut short
            if event == "subprocess.Popen" and not _follow(frame):
                return  # its output is read or dropped (``capture_output=True``, ``DEVNULL``)
            _before_child(catch_up)
            buffer = _local.buffer or _copied()
            if buffer is not None:  # a launched run's log: what it writes is the attempt's
                capture_windows.open_for(buffer, body=_local.tee is not None)
        except Exception:  # noqa: BLE001 - an audit hook's error would stop the child's start
            return


def _catch_up_here() -> Callable[[], object] | None:
    """The run's ``catch_up`` when this thread is a ``@flow`` body's, or runs a task
    attempt (or a thread it started with its context copied); else None."""
    local = _local
    if local.tee is not None:
        tee: Callable[[], object] = local.tee
        return tee
    attempt = local.attempt
    if attempt is None:
        found = _copied()
        attempt = None if found is None else found.attempt
    if not isinstance(attempt, tuple) or not attempt:
        return None
    runner = getattr(attempt[0], "runner", None)
    bus = getattr(runner, "bus", None)
    catch_up: Callable[[], object] | None = getattr(bus, "catch_up", None)
    return catch_up


def _popen_of(frame: Any) -> subprocess.Popen[Any] | None:
    """The ``Popen`` being started (``self`` in the audit event's caller, or near it)."""
    for _ in range(3):
        if frame is None:
            return None
        child = frame.f_locals.get("self")
        if isinstance(child, subprocess.Popen):
            return child
        frame = frame.f_back
    return None


def _follow(frame: Any) -> bool:
    """Keep the ``Popen`` being started (the audit event's caller, ``_execute_child``);
    whether it writes to this process's stdout or stderr (its ``c2pwrite``, ``errwrite``:
    -1 when inherited). True when that cannot be told."""
    for _ in range(3):
        if frame is None:
            return True
        found = frame.f_locals
        child = found.get("self")
        if isinstance(child, subprocess.Popen):
            if -1 not in (found.get("c2pwrite", -1), found.get("errwrite", -1)):
                return False
            _children.add(child)
            return True
        frame = frame.f_back
    return True


def _before_child(catch_up: Callable[[], object]) -> None:
    """What the printer holds, written, and its status line taken away, on this thread,
    outside its capture (the printer's lines are none of the attempt's output); what the
    real streams hold goes out too."""
    local = _local
    saved = local.buffer, local.tee
    local.buffer = local.tee = None
    try:
        contextvars.Context().run(catch_up)  # no attempt copied into it either
    finally:
        local.buffer, local.tee = saved
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            getattr(stream, "original", stream).flush()
