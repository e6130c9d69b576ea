"""Thread starts that an interrupt's send waits for (``user_call.raise_in``).

CPython 3.11 makes a new thread's state on the thread that starts it, with that thread's
ident, and gives it its own ident only once it runs. ``PyThreadState_SetAsyncExc`` finds a
thread by ident, newest first: an interrupt sent to a thread starting another meanwhile
reached the new one, which died in its bootstrap before it said it had started, and its
starter waited for it for good. An attempt's code starts threads (its own, and flowtop's:
the watchdog, the pool's workers, lazily), so every ``Thread.start`` of the process holds
``_STARTS`` from its call until the new thread runs, and a send holds it too.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Iterator

_STARTS = threading.RLock()  # (reentrant: a signal handler may start one inside a start)
_start = threading.Thread.start


@functools.wraps(_start)
def _guarded_start(self: threading.Thread) -> None:
    """``Thread.start``, never at once with an interrupt's send."""
    with _STARTS:
        _start(self)


@contextlib.contextmanager
def none_under_way() -> Iterator[None]:
    """Held while an exception is sent to a thread by its ident: no thread is starting."""
    with _STARTS:
        yield


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
