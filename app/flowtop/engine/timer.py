"""One thread and one heap for every wait: retry delays and attempt timeouts.

A thousand tasks waiting for a retry cost a thousand heap entries, not a thousand
sleeping worker threads. Callbacks run on the timer thread and must be quick: they hand
work to the executor, or to a thread of its own (``on_a_thread``) when it may run the
user's code or wait (on I/O, or on a lock held across it). Every other retry and timeout
of the runner waits for the timer's thread.
"""

from __future__ import annotations

import heapq
import inspect
import itertools
import logging
import math
import threading
import time
import weakref
from collections.abc import Callable

from .call_guard import engine_code
from .user_threads import UserCodeThread

log = logging.getLogger("flowtop.timer")


class TimerHandle:
    __slots__ = ("when", "callback", "cancelled")

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True
        # It stays in the heap until its deadline (an hour, for a long retry delay): let
        # go of the callback now, and with it the run it would have woken.
        self.callback = _nothing


def _nothing() -> None:
    """A cancelled handle's callback."""


class ManualClock:
    """A monotonic clock that moves only when told: the runner's, in tests of delays.

    A test seam: ``Runner(clock=ManualClock())``: a retry delay or a timeout then comes
    due when the test calls ``advance``, not after real seconds, so such tests neither
    sleep nor depend on the machine's speed. The timers reading the clock are woken on
    each ``advance`` (``watch``); it stays here, beside the ``Timer`` that wires it.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self._watchers: list[Callable[[], Callable[[], None] | None]] = []

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` and wake what waits on it."""
        if not seconds >= 0:
            raise ValueError(f"a clock only moves forward: advance({seconds!r})")
        with self._lock:
            self._now += seconds
            watchers = list(self._watchers)
        for ref in watchers:
            wake = ref()
            if wake is not None:
                wake()

    def watch(self, wake: Callable[[], None]) -> None:
        """Call ``wake`` after every ``advance`` (a timer re-reads its deadlines).

        A bound method is held weakly: a clock shared by many runners keeps none alive.
        """
        ref: Callable[[], Callable[[], None] | None] = (
            weakref.WeakMethod(wake) if inspect.ismethod(wake) else (lambda: wake)
        )
        with self._lock:
            self._watchers.append(ref)


class Timer:
    """Runs callbacks at monotonic deadlines on a single daemon thread.

    ``clock`` is ``time.monotonic`` unless a test gives a ``ManualClock``, whose
    ``advance`` wakes this timer.
    """

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, *, name: str = "flowtop-timer"
    ) -> None:
        self._clock = clock
        self._name = name
        self._heap: list[tuple[float, int, TimerHandle]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None
        if isinstance(clock, ManualClock):
            clock.watch(self._wake)

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify()

    def call_at(self, when: float, callback: Callable[[], None]) -> TimerHandle:
        if math.isnan(when):  # it would sort anywhere in the heap and never come due
            raise ValueError("timer deadline must be a time, got NaN")
        handle = TimerHandle(when, callback)
        # from a task's first print too (``live_output``): a ``Condition``'s block is
        # Python code, where an interrupt would keep the timer's lock (``call_guard``)
        with engine_code(), self._cond:
            if self._stopped:
                raise RuntimeError("timer is stopped")
            heapq.heappush(self._heap, (when, next(self._seq), handle))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            if self._heap[0][2] is handle:
                self._cond.notify()
        return handle

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        return self.call_at(self._clock() + delay, callback)

    def _loop(self) -> None:
        heap = self._heap
        while True:
            with self._cond:
                while not self._stopped:
                    if heap:
                        wait = heap[0][0] - self._clock()
                        if wait <= 0:
                            break
                        self._cond.wait(
                            min(wait, 3600.0)
                        )  # an infinite delay must not overflow the wait
                    else:
                        self._cond.wait()
                if self._stopped:
                    return
                now = self._clock()
                due = []
                while heap and heap[0][0] <= now:
                    due.append(heapq.heappop(heap)[2])
            self._fire(due)
            del due  # the wait for the next deadline must not keep these runs alive

    @staticmethod
    def _fire(due: list[TimerHandle]) -> None:
        """Call the due callbacks. A frame of its own: the loop's last ``handle`` would
        otherwise stay bound while the timer waits for the next deadline."""
        for handle in due:
            if handle.cancelled:
                continue
            try:
                handle.callback()
            except BaseException:
                log.exception("timer callback failed")

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._heap.clear()
            self._cond.notify()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)

    def __len__(self) -> int:
        return sum(1 for _, _, h in self._heap if not h.cancelled)


def on_a_thread(work: Callable[[], None], name: str, timer: Timer) -> None:
    """Start ``work`` on a thread of its own: work that may run the user's code or wait
    (a run store's write, the tag limits' database), which on ``timer``'s thread would hold
    up every other deadline of its runner. It may be handed over under a lock it takes.
    For rare work (a thread each); when no thread can be started, on ``timer``'s thread
    rather than never (``RuntimeError`` once that is stopped too). A failure is logged,
    as a timer callback's."""
    try:
        UserCodeThread(_logged, name, (work, name)).start()
    except RuntimeError:  # no thread left to start
        timer.call_later(0.0, work)


def _logged(work: Callable[[], None], name: str) -> None:
    try:
        work()
    except BaseException:
        log.exception("%s failed", name)
