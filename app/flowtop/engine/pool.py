"""The runner's worker threads: a fixed set of daemon threads fed by one queue.

Why not ``concurrent.futures.ThreadPoolExecutor``: its worker threads are joined when the
interpreter exits, so quitting flowtop while a task hangs in a call that can't be
interrupted would hang too; and the runner never reads the ``Future`` each submit builds.
Daemon threads let a quit be a quit (late results are discarded anyway), and a bare queue
costs less per task than the executor's futures, semaphore and bookkeeping.

Threads start on demand, as the executor's do: a ``submit`` that finds no worker waiting
starts one, up to ``workers``. Starting a thread waits for it to run, about 0.1–1 ms
each here; starting all eight on the first submit cost a one-task run ten times what
the executor's one thread costs.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from . import given_up
from .user_threads import UserCodeThread

log = logging.getLogger("flowtop.pool")

_STOP = None


def _no_job() -> None:
    """Never called: ``_LEAVE`` is told apart by identity."""


#: Queued when a lent place is given back: the first idle thread over the pool's room
#: leaves (``lent``). Shaped as a job so the queue holds one kind of item.
_LEAVE: tuple[Callable[..., Any], tuple[Any, ...]] = (_no_job, ())

#: Most worker threads a pool (``--workers``, ``[defaults] workers``) may have: each is an
#: OS thread, and a process that asks for 100,000 fails to start them, mid-run.
MAX_WORKERS = 1024


def checked_workers(workers: object) -> int:
    """``workers`` when it is a whole number from 1 to ``MAX_WORKERS``; else a
    ``ValueError`` that says so (a runner and a pool refuse the same values)."""
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be an integer from 1 to {MAX_WORKERS}, got {workers!r}")
    return workers


#: Most threads given up on (an attempt past its timeout, or one whose run was cancelled
#: or timed out, still running) that a pool replaces at once. A thread that cannot be
#: killed keeps its stack until its call returns.
MAX_ABANDONED = 256


class WorkerPool:
    """``submit(fn, *args)`` runs ``fn(*args)`` on one of ``workers`` daemon threads.

    A thread whose call was given up on (``abandon``) is replaced, so a task that hangs
    past its timeout does not take a worker with it: after ``workers`` of them, a pool
    that kept them would run nothing more, and its run would never end.
    """

    def __init__(self, workers: int, name: str = "flowtop-worker") -> None:
        self.workers = checked_workers(workers)
        self.name = name
        self._queue: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = (
            queue.SimpleQueue()
        )
        self._threads: list[threading.Thread] = []
        #: Threads given up on and still in their call; each leaves the set when it returns.
        self._abandoned: set[threading.Thread] = set()
        #: Whether the warning that no more are replaced was logged since ``_abandoned``
        #: was last below ``MAX_ABANDONED``: once, not once per timed-out attempt.
        self._full_said = False
        self._serial = itertools.count()
        #: One permit per worker that found the queue empty and waits on it: a submit that
        #: takes one needs no new thread.
        self._waiting = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._closed = False
        #: Places lent by workers waiting on work of this pool (``lent``).
        self._lent = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._closed:
            raise RuntimeError("worker pool is shut down")
        self._queue.put((fn, args))
        # (while a place is lent a waiting worker's permit may be stale: a worker that
        # found the queue empty took a job submitted before it said so; its permit stayed,
        # and with a worker blocked on this job nothing would run it)
        taken = not self._lent and self._waiting.acquire(blocking=False)
        if not taken and len(self._threads) < self.room:
            self._start_one()

    @property
    def room(self) -> int:
        """How many threads may run now: ``workers``, and one per place ``lent``."""
        return self.workers + self._lent

    @contextlib.contextmanager
    def lent(self) -> Iterator[None]:
        """The calling worker waits, for the block, on work this pool must do (a subflow
        its task attempt called, whose tasks need workers too): one more thread may run
        meanwhile, so the work is done though every worker waits so. Once the block ends,
        the pool shrinks back to ``workers`` as threads finish their jobs: a pool of one
        worker (a rate-limited API) never runs two tasks at once for good."""
        with self._lock:
            self._lent += 1
        if self.has_backlog():  # queued already: no submit would start the thread
            self._start_one()
        try:
            yield
        finally:
            with self._lock:
                self._lent -= 1
                over = len(self._threads) > self.room
            if over:  # a thread idle in ``get`` leaves now, not after its next job
                self._queue.put(_LEAVE)

    def start_threads(self, count: int) -> None:
        """Start threads until ``count`` exist (at most ``workers``), before the jobs that
        need them are queued.

        ``submit`` starts a thread when no worker waits, and starting one waits for it to
        run. Once a quick job runs, it holds the GIL the new thread needs for up to the
        interpreter's switch interval (5 ms): a run handing out its drivers one by one
        waited that long for each new thread, longer than 100 quick tasks take.
        """
        while len(self._threads) < min(count, self.room) and not self._closed:
            self._start_one()

    def _start_one(self) -> None:
        with self._lock:
            if len(self._threads) >= self.room or self._closed:
                return
            thread = UserCodeThread(self._work, f"{self.name}-{next(self._serial)}")
            thread.start()
            self._threads.append(thread)

    def abandon(self, thread: threading.Thread) -> bool:
        """Give up on the call ``thread`` is in: start a worker in its place and let it end
        on its own once that call returns (it takes no more work).

        The caller must make sure ``thread`` is still in the call it gives up on (the runner
        holds the run's lock, which the call needs before it can return). False when no
        replacement was started: the pool is shut down, ``thread`` is not one of its
        workers, or ``MAX_ABANDONED`` abandoned threads are still running.
        """
        with self._lock:
            if self._closed or thread not in self._threads:
                return False
            if len(self._abandoned) >= MAX_ABANDONED:
                if not self._full_said:
                    self._full_said = True
                    log.warning(
                        "flowtop worker pool: %d threads given up on still running; "
                        "not replacing more",
                        len(self._abandoned),
                    )
                return False
            replacement = UserCodeThread(self._work, f"{self.name}-{next(self._serial)}")
            try:
                replacement.start()
            except RuntimeError as exc:  # the OS has no thread left to give
                log.warning("flowtop worker pool: cannot replace a stuck worker: %s", exc)
                return False
            self._threads[self._threads.index(thread)] = replacement
            self._abandoned.add(thread)
            given_up.gave_up(thread)  # what it prints as it ends shows, a script's exit waits
            return True

    def has_backlog(self) -> bool:
        """Whether work is queued that no worker has taken yet (never once shut down)."""
        return not self._closed and not self._queue.empty()

    @property
    def abandoned(self) -> int:
        """How many threads given up on are still in their call."""
        return len(self._abandoned)

    def _work(self) -> None:
        get, get_nowait = self._queue.get, self._queue.get_nowait
        me = threading.current_thread()
        abandoned = self._abandoned
        while True:
            try:
                item = get_nowait()
            except queue.Empty:  # nothing queued: say so, then wait for the next submit
                self._waiting.release()
                item = get()
            if item is _STOP:
                return
            if item is _LEAVE:
                if self._leave(me):
                    return
                continue
            fn, args = item
            try:
                fn(*args)
            except BaseException:  # the runner reports task errors; this is a bug guard
                log.exception("flowtop worker: unexpected error in %r", fn)
            # An idle worker waits in ``get()`` above: holding its last job there kept
            # that job's whole run (every task's record, result and error) alive.
            del item, fn, args
            if abandoned and me in abandoned:  # replaced while in that call: end here
                with self._lock:
                    abandoned.discard(me)
                    self._full_said = False  # (said again if it fills up again)
                return
            if len(self._threads) > self.room and self._leave(me):  # a place given back
                return

    def _leave(self, me: threading.Thread) -> bool:
        """End ``me``, one thread more than the pool has room for now (``lent``)."""
        with self._lock:
            if len(self._threads) <= self.room or me not in self._threads:
                return False
            self._threads.remove(me)
            return True

    def shutdown(self, wait: bool = True, cancel_futures: bool = True) -> None:
        """Stop the threads; queued work is dropped when ``cancel_futures``, else done first.

        With ``wait=False`` a thread stuck in a task is left to finish on its own (it is a
        daemon, so it never holds up the interpreter's exit). Threads already abandoned
        are never waited for.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            threads = list(self._threads)
        if cancel_futures:
            try:
                while True:
                    self._queue.get_nowait()
            except queue.Empty:
                pass
        for _ in range(len(threads) + len(self._abandoned)):  # one each, with some to spare
            self._queue.put(_STOP)
        if wait:
            for thread in threads:
                if thread is not threading.current_thread():
                    thread.join()
