"""A run's attempts due to start, and the pool jobs ("drivers") that run them.

A run does not hand the pool one job per attempt. It queues the attempts due to start
and hands the pool up to ``workers`` drivers; each starts an attempt, runs it, then
applies its outcome and starts the next in the same hold of the run's lock. Eight
workers taking the lock twice per attempt handed it to each other at every release, a
thread switch each time: more than half of what the engine added to a raw pool's time
on trivial tasks.

Every method is called under the run's lock.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from .records import TaskRun

#: An attempt begun (or due) under the lock: the task and the attempt's token.
Begun = tuple[TaskRun, int]


class Drivers:
    """The queue of one run's due attempts and the count of drivers working through it.

    Bookkeeping only: it tells the run when to hand the pool one more driver, and holds
    no reference back to the run (a cycle would leave every finished run, records and
    all, to the garbage collector).
    """

    __slots__ = ("_due", "_running", "_most", "_given_up")

    def __init__(self, most: int) -> None:
        self._due: deque[Begun] = deque()
        self._running = 0
        self._most = most
        #: Threads given up on in an attempt past its timeout: their drivers end there.
        self._given_up: set[threading.Thread] = set()

    def due(self, tr: TaskRun, token: int) -> bool:
        """Attempt ``token`` of ``tr`` may start now: queue it. True when one more driver
        is wanted (fewer than ``most`` are at work); the caller hands it to the pool."""
        self._due.append((tr, token))
        return self._add()

    def _add(self) -> bool:
        if self._running < self._most:
            self._running += 1
            return True
        return False

    def next(self, start: Callable[[TaskRun, int], bool]) -> Begun | None:
        """The first queued attempt that ``start`` begins (it refuses stale ones); None,
        and one driver fewer, when none is left."""
        due = self._due
        while due:
            tr, token = due.popleft()
            if start(tr, token):
                return tr, token
        self._running -= 1
        return None

    def given_up(self, thread: threading.Thread) -> bool:
        """``thread`` was given up on in an attempt and replaced: its driver ends after
        that attempt. True when another driver is wanted in its place."""
        self._given_up.add(thread)
        self._running -= 1
        return bool(self._due) and self._add()

    def ends_here(self) -> bool:
        """Whether this thread's driver ends now (its thread was given up on)."""
        if not self._given_up:
            return False
        me = threading.current_thread()
        if me not in self._given_up:
            return False
        self._given_up.discard(me)
        return True

    def clear(self) -> None:
        """The run ended: nothing queued will start."""
        self._due.clear()
