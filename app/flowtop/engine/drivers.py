"""A run's attempts due to start, and the pool jobs ("drivers") that run them.

A run does not hand the pool one job per attempt. It queues the attempts due to start
and hands the pool drivers; each starts an attempt, runs it, then applies its outcome
and starts the next in the same hold of the run's lock. Eight workers taking the lock
twice per attempt handed it to each other at every release, a thread switch each time:
more than half of what the engine added to a raw pool's time on trivial tasks.

How many drivers a run needs depends on its attempts. Quick ones gain nothing from a
second driver (they hold the GIL; it only fights the first for the run's lock, which
made 5,000 trivial tasks take twice as long on eight drivers as on one). Attempts that
wait (I/O, sleeps) need one driver each, up to ``workers``. So a driver back from a
quick attempt ends when another driver is free to take the queue, and the run hands
the pool another driver when:

- nothing drives it (the first attempt, or every driver ended);
- its attempts are slow (``SLOW_IN_A_ROW`` took ``QUICK`` or more; one alone is a
  pause, not a slow task), as each comes due, and one more as each slow one ends while
  attempts wait;
- a retry comes due from outside its drivers (its delay ended on the timer's thread, or
  `n` hurried it) while every driver is inside an attempt: none would take it before
  that attempt ends, and its delay would be over for nothing (``_no_driver_free``). It
  waited for the watchdog, 50 ms late at every retry while a long task held the one
  driver;
- its drivers are all stuck in attempts while others wait (``stalled``, checked by a
  watchdog ``STALL`` seconds after an attempt began or came due in that state): the first
  slow attempt after quick ones, which its driver began with more attempts queued.

Due retries go first. A retry comes due when its delay is over; queued behind every
first attempt not yet started (a fan-out of 10,000 queues them all at once), a 0.2 s
delay became a wait of seconds, or of the whole fan-out, and the delay the user set meant
nothing. So the queue is two: retries by the order they came due, ahead of first
attempts in the order they became ready. A first attempt has waited for nothing but a
free worker, so letting a retry pass it costs it one attempt's time. Retries cannot starve
first attempts for good: each task retries at most ``max_retries`` times (and a
``retry_deadline`` bounds a long poll), so however many fail, first attempts get the
workers once those retries are spent; and a retry that fails again waits its delay on the
timer, where it takes no worker. The price is the run's length when the last tasks to start
fail: their retries, no longer overlapped with first attempts still queued, may end the run
with workers idle (a 2,001-task fan-out whose every tenth task failed twice with a 0.2 s delay
took 3.5 s instead of 3.1 s, its retries starting 5 ms after their due time, not up to 2.3 s).
The queues only order attempts that may start: a task enters them once its upstream tasks
(``wait_for`` too) completed, as before, and tag limits still park an attempt as it begins
(``tag_limits``), to come back into the queue it was in.

Every method is called under the run's lock.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from .records import TaskRun

#: An attempt begun (or due) under the lock: the task and the attempt's token.
Begun = tuple[TaskRun, int]

#: An attempt quicker than this (seconds, wall time) gains nothing from another driver.
QUICK = 0.0002
#: Slow attempts back in a row that make a run's attempts slow.
SLOW_IN_A_ROW = 3
#: How long attempts may wait while every driver is inside an attempt (seconds). Long
#: enough that a driver kept off the GIL by the run's other threads (the history's
#: writer) is not taken for one stuck in a slow attempt.
STALL = 0.05


class Drivers:
    """The queues of one run's due attempts (retries ahead of first attempts) and the
    count of drivers working through them.

    Bookkeeping only: it tells the run when to hand the pool more drivers and when a
    driver should end, and holds no reference back to the run (a cycle would leave every
    finished run, records and all, to the garbage collector).
    """

    __slots__ = (
        "_retries",
        "_firsts",
        "_running",
        "_busy",
        "_most",
        "_given_up",
        "_inside",
        "_slow",
        "_returns",
        "_watched_at",
    )

    def __init__(self, most: int) -> None:
        self._retries: deque[Begun] = deque()  # due retries, in the order they came due
        self._firsts: deque[Begun] = deque()  # first attempts, in the order they got ready
        self._running = 0  # drivers handed to the pool and not ended
        self._busy = 0  # of those, drivers inside an attempt (outside the lock)
        self._most = most
        #: Threads given up on in an attempt past its timeout: their drivers end there.
        self._given_up: set[threading.Thread] = set()
        #: The drivers' threads inside an attempt that holds them (from ``next`` to
        #: ``back``, unless ``handed_over``): those a run that ends gives up on.
        self._inside: set[threading.Thread] = set()
        self._slow = SLOW_IN_A_ROW  # slow attempts back in a row (unknown counts as slow)
        self._returns = 0  # attempts drivers came back from: progress, for ``stalled``
        self._watched_at: int | None = None  # ``_returns`` when the watchdog was set

    def due(self, tr: TaskRun, token: int, *, retry: bool = False) -> int:
        """Attempt ``token`` of ``tr`` may start now: queue it, ahead of every first
        attempt when it is a ``retry`` (see the module's docstring). Returns how many
        more drivers the caller hands the pool (0 or 1)."""
        (self._retries if retry else self._firsts).append((tr, token))
        # (asked first whether a driver may be added: a run begun with 5,000 attempts due
        # asks 5,000 times, and has its ``most`` after the first few)
        if self._running < self._most and (
            self._running == 0 or self._slow_now() or (retry and self._no_driver_free())
        ):
            return self._add(1)
        return 0

    def _no_driver_free(self) -> bool:
        """Whether no driver takes an attempt coming due on this thread until an attempt
        ends: every driver is inside one, and this thread is none of them. A driver that
        queues one itself (a tag's slot it gave back as its attempt ended) takes it next."""
        return self._busy == self._running and threading.current_thread() not in self._inside

    def _slow_now(self) -> bool:
        """Whether the run's attempts are slow: ``SLOW_IN_A_ROW`` came back so (one alone
        is a pause, the collector or another thread holding the GIL), or none yet."""
        return self._slow >= SLOW_IN_A_ROW

    def _add(self, wanted: int) -> int:
        more = max(0, min(wanted, self._most - self._running))
        self._running += more
        return more

    def next(
        self, start: Callable[[TaskRun, int], bool], driver: threading.Thread | None = None
    ) -> Begun | None:
        """The first queued attempt that ``start`` begins (it refuses stale ones), due
        retries first: the driver (its thread, by default this one) runs it next. None,
        and one driver fewer, when none is left."""
        begun = _first_begun(self._retries, start) if self._retries else None
        if begun is None:
            begun = _first_begun(self._firsts, start)
        if begun is None:
            self._running -= 1
            return None
        self._busy += 1
        self._inside.add(threading.current_thread() if driver is None else driver)
        return begun

    def queued(self) -> bool:
        """Whether attempts are queued."""
        return bool(self._retries or self._firsts)

    def no_place(self) -> None:
        """The backend has no place for an attempt (``backends.Places``): the driver
        ends; one is added when a place is free (``one_more``)."""
        self._running -= 1

    def one_more(self) -> int:
        """A place came free: 1 when attempts are queued and a driver may be added."""
        return self._add(1) if self.queued() else 0

    def _waiting(self) -> int:
        """How many attempts are queued."""
        return len(self._retries) + len(self._firsts)

    def handed_over(self) -> None:
        """The attempt this driver just began runs elsewhere (on the event loop, on a
        cluster) and does not hold its thread: were the run to end before the driver
        comes back for the lock, ``left_inside`` would have the pool replace that healthy
        thread for nothing."""
        self._inside.discard(threading.current_thread())

    def back(self, seconds: float, driver: threading.Thread | None = None) -> tuple[bool, int]:
        """A driver (its thread, by default this one) is back from an attempt that took
        ``seconds`` (wall time). Returns whether it ends here (attempts are quick and
        another driver is free to take the queue) and how many more drivers the caller
        hands the pool (one, while attempts are slow and more wait than free drivers can
        take)."""
        self._busy -= 1
        self._inside.discard(threading.current_thread() if driver is None else driver)
        self._returns += 1
        self._slow = self._slow + 1 if seconds >= QUICK else 0
        free = self._running - self._busy  # this driver included
        if self._slow_now():
            return False, self._add(min(1, self._waiting() - free))
        if free > 1:
            self._running -= 1
            return True, 0
        return False, 0

    def watch(self) -> bool:
        """After a driver began an attempt, or one came due without a new driver:
        whether to set the watchdog (attempts wait, every driver is inside one, and no
        watchdog is set)."""
        if (
            (self._retries or self._firsts)
            and self._busy == self._running
            and self._running < self._most
            and self._watched_at is None
        ):
            self._watched_at = self._returns
            return True
        return False

    def stalled(self) -> int:
        """The watchdog: how many drivers to hand the pool because no driver came back
        from an attempt since it was set while attempts still wait (they are slow)."""
        watched_at, self._watched_at = self._watched_at, None
        waiting = self._waiting()
        if not waiting or watched_at != self._returns:
            return 0
        self._slow = SLOW_IN_A_ROW
        return self._add(waiting)

    def given_up(self, thread: threading.Thread) -> int:
        """``thread`` was given up on in an attempt and replaced: its driver ends after
        that attempt. Returns how many drivers to hand the pool in its place."""
        self._given_up.add(thread)
        self._inside.discard(thread)
        self._running -= 1
        self._busy -= 1
        return self._add(1) if self._retries or self._firsts else 0

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
        self._retries.clear()
        self._firsts.clear()

    def left_inside(self) -> list[threading.Thread]:
        """Once the run ended, the threads still inside one of its attempts, the calling
        one aside (it is ending the run, not stuck in a task): the run was cancelled or
        timed out while they ran, and nothing waits for them any more."""
        me = threading.current_thread()
        return [thread for thread in self._inside if thread is not me]


def _first_begun(queue: deque[Begun], start: Callable[[TaskRun, int], bool]) -> Begun | None:
    """Take attempts off the front of ``queue`` until ``start`` begins one (it refuses
    stale ones); None once ``queue`` is empty."""
    while queue:
        tr, token = queue.popleft()
        if start(tr, token):
            return tr, token
    return None
