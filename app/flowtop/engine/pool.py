"""The runner's worker threads: a fixed set of daemon threads fed by one queue.

Why not ``concurrent.futures.ThreadPoolExecutor``: its worker threads are joined when the
interpreter exits, so quitting flowtop while a task hangs in a call that can't be
interrupted would hang too; and the runner never reads the ``Future`` each submit builds.
Daemon threads let a quit be a quit (late results are discarded anyway), and a bare queue
costs less per task than the executor's futures, semaphore and bookkeeping.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("flowtop.pool")

_STOP = None


class WorkerPool:
    """``submit(fn, *args)`` runs ``fn(*args)`` on one of ``workers`` daemon threads."""

    def __init__(self, workers: int, name: str = "flowtop-worker") -> None:
        self.workers = workers
        self.name = name
        self._queue: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = (
            queue.SimpleQueue()
        )
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._closed:
            raise RuntimeError("worker pool is shut down")
        if not self._threads:
            self._start()
        self._queue.put((fn, args))

    def _start(self) -> None:
        with self._lock:
            if self._threads or self._closed:
                return
            threads = [
                threading.Thread(target=self._work, name=f"{self.name}-{i}", daemon=True)
                for i in range(self.workers)
            ]
            for thread in threads:
                thread.start()
            self._threads = threads

    def _work(self) -> None:
        get = self._queue.get
        while True:
            item = get()
            if item is _STOP:
                return
            fn, args = item
            try:
                fn(*args)
            except BaseException:  # the runner reports task errors; this is a bug guard
                log.exception("flowtop worker: unexpected error in %r", fn)

    def shutdown(self, wait: bool = True, cancel_futures: bool = True) -> None:
        """Stop the threads; queued work is dropped when ``cancel_futures``, else done first.

        With ``wait=False`` a thread stuck in a task is left to finish on its own (it is a
        daemon, so it never holds up the interpreter's exit).
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
        for _ in threads:
            self._queue.put(_STOP)
        if wait:
            for thread in threads:
                if thread is not threading.current_thread():
                    thread.join()
