"""A run's attempts due to start, and the pool jobs ("drivers") that run them.

A run does not hand the pool one job per attempt. It queues the attempts due to start
and hands the pool up to ``workers`` drivers; each starts an attempt, runs it, then
applies its outcome and starts the next in the same hold of the run's lock. Eight
workers taking the lock twice per attempt handed it to each other at every release, a
thread switch each time, and that was half the engine's cost in a run of trivial tasks.

Every method is called under the run's lock.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from .pool import WorkerPool
from .records import TaskRun

#: An attempt begun (or due) under the lock: the task and the attempt's token.
Begun = tuple[TaskRun, int]


def _never() -> bool:
    return False


class Drivers:
    """The queue of one run's due attempts and the count of drivers working through it."""

    __slots__ = ("_due", "_running", "_most", "_submit", "_drive", "backlog", "_given_up")

    def __init__(
        self, executor: Executor | WorkerPool, most: int, drive: Callable[[], None]
    ) -> None:
        self._due: deque[Begun] = deque()
        self._running = 0
        self._most = most
        self._submit: Callable[..., Any] = executor.submit
        self._drive = drive
        #: Whether jobs wait in the pool that no worker has taken: a driver then lets
        #: them go first (``yield_turn``), so runs sharing a pool take turns.
        self.backlog = executor.has_backlog if isinstance(executor, WorkerPool) else _never
        #: Threads given up on in an attempt past its timeout: their drivers end there.
        self._given_up: set[threading.Thread] = set()

    def due(self, tr: TaskRun, token: int) -> None:
        """Attempt ``token`` of ``tr`` may start now: queue it, and start one more driver
        unless ``most`` are at work."""
        self._due.append((tr, token))
        self._add()

    def _add(self) -> None:
        if self._running < self._most:
            self._running += 1
            self._submit(self._drive)

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

    def yield_turn(self) -> None:
        """This driver goes to the back of the pool's queue, behind the work waiting there."""
        self._submit(self._drive)

    def given_up(self, thread: threading.Thread) -> None:
        """``thread`` was given up on in an attempt and replaced: its driver ends after that
        attempt, so another takes its place if attempts are due."""
        self._given_up.add(thread)
        self._running -= 1
        if self._due:
            self._add()

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
