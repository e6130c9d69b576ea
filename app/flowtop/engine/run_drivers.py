"""How a run's queued attempts get pool threads: the pool jobs ("drivers") it hands out,
what each does, and the watchdog that adds one when every driver is stuck in an attempt.

``drivers.Drivers`` keeps the queue and the count and says when to add or end a driver;
this is the run's side of it, mixed into the state machine (``run.FlowRun``), whose steps
a driver calls: ``_start`` begins an attempt under the run's lock, and ``_run`` runs it
and returns the next one begun, or None when the driver ends there.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TYPE_CHECKING

from .backends import Done, Places, SubmittingBackend, giving_back, places_of
from .drivers import STALL, Begun, Drivers
from .pool import WorkerPool
from .run_handle import RunHandle
from .states import RUNNING

if TYPE_CHECKING:
    from collections.abc import Callable

    from .records import TaskRun
    from .runner import Runner


class RunDrivers(RunHandle):
    """Mixed into ``FlowRun``: its attempts due to start reach the pool through drivers."""

    #: While the run is begun (``FlowRun._begin``), no driver is handed to the pool.
    _starting: bool
    #: The drivers wanted while it was begun, handed to the pool once it has released the lock.
    _unsent: int
    _drivers: Drivers
    #: Whether the runner's backend submits attempts (a cluster): like an ``async def``
    #: task's, they do not hold the driver's thread once begun.
    _submits: bool
    #: Whether jobs wait in the pool that no worker has taken: a driver then lets them
    #: go first, so runs sharing a pool take turns.
    _backlog: Callable[[], bool]
    #: The run's own places under a submitting backend when its flow caps its attempts
    #: below the runner's workers (``ThreadPoolTaskRunner(max_workers=2)``): a driver is
    #: not held by a submitted attempt, so the drivers' number capped nothing on Dask.
    _capped: Places | None
    #: The places an attempt takes before it begins (``backends.Places``): the run's own
    #: (``_capped``), then the backend's; none on threads.
    _all_places: tuple[Places, ...]

    if TYPE_CHECKING:  # FlowRun's own steps

        def _start(self, tr: TaskRun, token: int) -> bool: ...

        def _run(
            self, tr: TaskRun, token: int, *, driver: threading.Thread | None
        ) -> Begun | None: ...

        def _broke(self, error: Exception) -> None: ...

    def _set_up_drivers(self, runner: Runner, workers: int) -> None:
        """At most ``workers`` drivers, on ``runner``'s pool."""
        self._unsent = 0
        self._drivers = Drivers(workers)
        backend = runner.backend
        self._submits = backend is not None and isinstance(backend, SubmittingBackend)
        backends = None if backend is None else places_of(backend)
        self._capped = Places(workers) if self._submits and workers < runner.workers else None
        self._all_places = tuple(p for p in (self._capped, backends) if p is not None)
        pool = runner.executor
        self._backlog = pool.has_backlog if isinstance(pool, WorkerPool) else (lambda: False)

    def _hand_first_drivers(self, count: int) -> None:
        """The run is begun and its lock released: hand the pool its first ``count``
        drivers. Outside the lock, since starting a thread waits for it to run, and under
        the lock no attempt could begin meanwhile. The threads first
        (``WorkerPool.start_threads``)."""
        pool = self.runner.executor
        if isinstance(pool, WorkerPool):
            pool.start_threads(count)
        for _ in range(count):
            pool.submit(self._drive)

    def attempt_due(self, tr: TaskRun, token: int) -> None:
        """Attempt ``token`` of ``tr`` may start now (under the lock): queue it for a driver,
        ahead of first attempts when ``tr`` ran before (a retry whose delay is over, or
        hurried by `n`: see ``drivers``). Also called by the run's ``SlotWaits`` when a
        slot it waited for is free."""
        more = self._drivers.due(tr, token, retry=tr.attempt > 0)
        if self._starting:  # no driver is handed over yet (see ``_begin``), none is stuck
            self._unsent += more
        elif more:
            self._hand_drivers(more)
        else:  # a driver will take it, unless every driver is stuck in a slow attempt
            self._watch()

    def _hand_drivers(self, count: int) -> None:
        """Hand the pool ``count`` more drivers (see ``drivers``)."""
        for _ in range(count):
            self.runner.executor.submit(self._drive)

    def _drive(self) -> None:
        """A pool job (see ``drivers``): start the queued attempts one after another."""
        # Its thread, read once: ``current_thread()`` twice per attempt (as each begins and
        # as the driver is back) was 2% of what the engine spends on a trivial task's.
        me = threading.current_thread()
        try:
            with self._lock:
                begun = self._next_attempt(me)
            while begun is not None:
                tr, token = begun  # (not ``self._run(*begun, …)``: a star call, 0.12 µs)
                begun = self._run(tr, token, driver=me)
        except Exception as exc:  # noqa: BLE001 - a bug of flowtop's: end the run, not hang it
            self._broke(exc)

    def _next_attempt(self, driver: threading.Thread) -> Begun | None:
        """Under the lock: begin the next queued attempt for the driver ``driver`` runs.
        With the places all taken (the backend's, or the run's own), none: the driver ends,
        and one comes back when a place is free (``_place_free``); queued attempts stay
        PENDING meanwhile."""
        taken = self._all_places
        if taken:
            if not self._drivers.queued():
                return self._drivers.next(self._start, driver)  # (None: the driver ends)
            for index, places in enumerate(taken):
                if not places.take_or_wait(self._place_free):
                    for held in taken[:index]:
                        held.give_back()
                    self._drivers.no_place()
                    return None
        begun = self._drivers.next(self._start, driver)
        if begun is None or begun[0].node.task.is_async:
            for places in taken:
                places.give_back()  # unused: an async task runs on the event loop
        if begun is not None:
            if self._submits or begun[0].node.task.is_async:  # ``FlowRun._run`` hands it
                self._drivers.handed_over()  # over: its thread is not stuck in it
            self._watch()
        return begun

    def _giving_place_back(self, tr: TaskRun, done: Done) -> Done:
        """``done`` of an attempt of ``tr`` handed to the backend, then the run's own place
        (``_capped``) given back, as ``hand_over`` gives back the backend's."""
        if self._capped is None or tr.node.task.is_async:
            return done
        return giving_back(self._capped, done)

    def _place_free(self) -> None:
        """A place of the backend was given back while this run waited for one (on
        whatever thread gave it back, maybe under another run's lock): a driver, through
        the pool, takes it."""
        with contextlib.suppress(RuntimeError):  # the runner is shutting down
            self.runner.executor.submit(self._drive_again)

    def _drive_again(self) -> None:
        """A pool job: drive the run again, a place being free, unless enough drivers do."""
        with self._lock:
            more = self._drivers.one_more() if self.state is RUNNING else 0
        if more:
            self._drive()

    def _watch(self) -> None:
        """Under the lock: set the watchdog if attempts wait while every driver is inside one."""
        if self._drivers.watch():
            self.runner.watchdog.call_at(time.monotonic() + STALL, self._stalled)

    def _stalled(self) -> None:
        """The watchdog (on its timer thread): more drivers if none came back since it
        was set; else it watches again while every driver is inside an attempt."""
        with self._lock:
            if self.state is RUNNING:
                self._hand_drivers(self._drivers.stalled())
                self._watch()

    def _then(self, seconds: float, driver: threading.Thread) -> Begun | None:
        """Under the lock, a driver back from an attempt that took ``seconds`` (``driver``:
        its thread): the next attempt it begins, or None when it ends here."""
        if self._drivers.ends_here():
            return None  # given up on and replaced (see _timed_out): this thread ends
        ends, more = self._drivers.back(seconds, driver)
        if more:
            self._hand_drivers(more)
        if ends:
            return None
        if self._backlog():  # other work waits for a worker: go behind it
            self.runner.executor.submit(self._drive)
            return None
        return self._next_attempt(driver)
