"""What a recorded run's process hands on before ``os._exit`` ends it.

``os._exit`` in a task (or in a library a task calls) ends the process at once: no
``atexit`` hook, no ``finally``. A run's events reach the run store from threads of their
own (the bus's sink threads, then the store's writer: ``history``), a batch every few
milliseconds, so a task that completed just before another called ``os._exit(0)`` was
lost with everything else: the store held the run's reservation alone and read ``ended
before any task was recorded as started``, ``0 tasks``; ``f`` ran the completed task
again; ``flowtop run`` printed not even the run's start.

So while a runner records runs (``recorded_runner``), ``os._exit`` is this module's: in
the process that made the runner, what the engine has emitted is delivered to every
sink (the store's first: ``flush`` of its bus) and committed (``History.flush``), each
for ``LAST_WORDS`` seconds at most, then the process exits as asked. What the task printed
in its unfinished attempt is not among it (its output goes out with the attempt's end,
which never comes). A process forked from it (a task's ``os.fork``, a ``multiprocessing``
child) exits at once, as it did: its copies of those threads do not run. SIGKILL leaves
no such chance. Once no runner records (the workspace closed), ``os._exit`` is Python's
again.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Callable
from typing import NoReturn

#: The longest ``os._exit`` waits for the run's events to reach the sinks (the store's,
#: the terminal's), then for the store to commit them.
LAST_WORDS = 2.0

#: Python's own ``os._exit``.
_REAL_EXIT = os._exit

Flush = Callable[[float], bool]

#: The threads that deliver the events (``bus``) and write them (``history``): a flush
#: asked on one of them would wait for itself.
_DELIVERING = ("flowtop-sink-", "flowtop-history")

_lock = threading.Lock()
#: What to flush, in order, by the token ``keep`` gave (weakly: a runner and a store no
#: longer used are not kept alive by this), and the process that kept them.
_kept: dict[object, list[weakref.WeakMethod[Flush]]] = {}
_pid: int | None = None


def keep(*flushes: Flush) -> object:
    """Flush each of ``flushes`` (bound methods taking a timeout), in order, before
    ``os._exit`` ends this process; the token to ``forget`` them by."""
    global _pid
    token = object()
    with _lock:
        _kept[token] = [weakref.WeakMethod(flush) for flush in flushes]
        if _pid != os.getpid():
            _pid = os.getpid()
            os._exit = _exit
    return token


def forget(token: object) -> None:
    """Flush no more what ``keep`` gave ``token`` for; ``os._exit`` is Python's again once
    nothing is kept."""
    global _pid
    with _lock:
        _kept.pop(token, None)
        if not _kept and _pid is not None:
            _pid = None
            os._exit = _REAL_EXIT


def _exit(status: int) -> NoReturn:
    """``os._exit(status)``, after the run's events went out, as far as they can in
    ``LAST_WORDS`` each: not in a forked child, nor on a thread of those that deliver
    them (it would wait for itself)."""
    if os.getpid() == _pid and not threading.current_thread().name.startswith(_DELIVERING):
        with contextlib.suppress(BaseException):  # the exit was asked for: it happens
            _hand_on()
    _REAL_EXIT(status)


def _hand_on() -> None:
    """Each flush waits ``LAST_WORDS`` at most, whatever the one before took: the bus's
    waits for the terminal too, and a reader that stopped reading held it to its end.
    (No stream is flushed here: one held by a write that never returns would hold the
    exit for good; the printers flush each of their writes.)"""
    with _lock:
        kept = [ref for refs in _kept.values() for ref in refs]
    for ref in kept:
        flush = ref()
        if flush is not None:
            flush(LAST_WORDS)
