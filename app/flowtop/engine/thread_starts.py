"""Thread starts that an interrupt's send waits for (``user_call.raise_in``).

CPython 3.11 makes a new thread's state on the thread that starts it, with that thread's
ident, and gives it its own ident only once it runs. ``PyThreadState_SetAsyncExc`` finds a
thread by ident, newest first: an interrupt sent to a thread starting another meanwhile
reached the new one, which died in its bootstrap before it said it had started, and its
starter waited for it for good. An attempt's code starts threads (its own, and flowtop's:
the watchdog, the pool's workers, lazily), so every ``Thread.start`` of the process holds
``_STARTS`` from its call until the new thread runs, and a send (``raise_in``) holds it too.
"""

from __future__ import annotations

import functools
import os
import threading

_STARTS = threading.RLock()  # (reentrant: a signal handler may start one inside a start)
_start = threading.Thread.start


@functools.wraps(_start)
def _guarded_start(self: threading.Thread) -> None:
    """``Thread.start``, never at once with an interrupt's send."""
    with _STARTS:
        _start(self)


def raise_in(thread: threading.Thread, kind: type[BaseException] | None) -> None:
    """Have ``thread`` raise ``kind`` at its next Python line (None: no longer).

    Only a thread still alive, and never while a thread is being started: a thread's
    ident is given again to one started after it ends, and CPython 3.11 gives a thread
    being started its starter's ident until it runs. Either way the exception reached the
    new thread, in its bootstrap, before it said it had started: its starter waited for
    it for good. The run's watchdog timer is started that way by an attempt's first
    ``print`` (``live_output``), holding the timer's lock: a ``flowtop run`` stopped by
    SIGTERM then printed its end and never exited. (``_STARTS`` is held by a plain
    ``with``: a thread clearing its own pending exception may meet it in this block, and
    a generator's block, left between its acquire and its ``yield``, kept it for good.)"""
    import ctypes  # 2 ms at import: only once something is interrupted

    with _STARTS:
        if thread.ident is not None and thread.is_alive():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(thread.ident), None if kind is None else ctypes.py_object(kind)
            )


def _fresh_after_fork() -> None:
    """A fork child's copy of the lock may be held by a thread that is not in the child."""
    global _STARTS
    _STARTS = threading.RLock()


def install() -> None:
    """Guard every ``Thread.start`` from now on (once; importing this module does it)."""
    if threading.Thread.start is not _guarded_start:
        threading.Thread.start = _guarded_start  # type: ignore[method-assign]


install()
if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_fresh_after_fork)
