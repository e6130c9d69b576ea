"""The ``dask`` executor's places (``backends.Places``), and what stops an attempt there.

Dask cannot stop a running thread: an attempt given up on (past its timeout, or of a
cancelled run) that already runs on a worker thread holds that thread until its call
returns. Its place was given back all the same, so the next attempts were handed to Dask,
which queued them behind the stuck threads while their timeout counted: they failed with
``ran past its timeout`` never having run, shown ``▶ Running`` meanwhile. So an attempt
given up on that a worker says it runs keeps its place until its future really ends (a
done callback gives it back), and the next attempts wait PENDING in flowtop; one that no
worker runs yet is cancelled, and its place is free at once.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from .backends import Places

#: How long asking the workers which attempts they run may take: the collector thread,
#: which reports every attempt's end, waits for it. Without an answer, nothing is held.
ASK_TIMEOUT = 5.0

#: A worker's states of a task its thread is in: ``cancelled`` or ``resumed`` too when it
#: was in one of these before (Dask let go of it, its thread did not).
_IN_A_THREAD = frozenset({"executing", "long-running"})


def worker_address() -> str:
    """`` at tcp://…``: the Dask worker whose thread runs this, when it is one (and not of
    flowtop's own cluster, in its process: ``inproc://``); else ""."""
    distributed = sys.modules.get("distributed")  # (never imported here for a process worker)
    try:
        address = distributed.get_worker().address if distributed is not None else ""
    except Exception:  # noqa: BLE001 - Dask's ValueError: not on a worker's thread
        return ""
    return f" at {address}" if "://" in address and not address.startswith("inproc") else ""


def running_here(keys: list[str], dask_worker: Any = None) -> list[str]:
    """On a worker (``Client.run``): which of ``keys`` one of its threads is in."""
    tasks = dask_worker.state.tasks
    return [
        key
        for key in keys
        if (ts := tasks.get(key)) is not None
        and (ts.state in _IN_A_THREAD or ts.previous in _IN_A_THREAD)
    ]


def running_on_workers(client: Any, keys: list[str]) -> set[str]:
    """Which of ``keys`` a worker of ``client``'s cluster runs now; none when the workers
    cannot say within :data:`ASK_TIMEOUT` (a cluster unreachable, or refusing ``run``)."""
    if not keys:
        return set()
    try:
        answers = client.run(running_here, keys, on_error="return", callback_timeout=ASK_TIMEOUT)
    except Exception:  # noqa: BLE001 - no answer: every attempt is stopped as it was
        return set()
    return {key for answer in answers.values() if isinstance(answer, list) for key in answer}


class DaskPlaces(Places):
    """:class:`Places`, those of attempts given up on and still running (``held``) taken
    until their future ends."""

    __slots__ = ("_held",)

    def __init__(self, most: int) -> None:
        super().__init__(most)
        self._held: dict[str, Any] = {}  # future key -> its future, until it ends

    def stop(self, client: Any, futures: Iterable[Any]) -> None:
        """Stop the futures of attempts given up on, before their end is reported (which
        gives their place back): cancel each that no worker runs yet; for each one runs,
        take a place more, given back once the future ends."""
        futures = list(futures)
        running = running_on_workers(client, [f.key for f in futures if not f.done()])
        for future in futures:
            if future.key in running:
                self._hold(future)
            else:  # a quit closing the client meanwhile made it raise
                with contextlib.suppress(Exception):
                    future.cancel()

    def _hold(self, future: Any) -> None:
        with self._lock:
            self._taken += 1
            self._held[future.key] = future
        try:
            future.add_done_callback(self._ended)  # (at once when it ended meanwhile)
        except Exception:  # noqa: BLE001 - a quit closed the client meanwhile: nothing ends it
            self._ended(future)

    def _ended(self, future: Any) -> None:
        """A held attempt's future ended: its thread is free, and so is its place."""
        with self._lock:
            if self._held.pop(future.key, None) is None:
                return
        self.give_back()

    @property
    def held(self) -> int:
        """How many places attempts given up on and still running hold."""
        return len(self._held)


def workers_now(info: object) -> int | None:
    """How many workers a scheduler has, by its identity as a client keeps it (``info``,
    Dask's ``client._scheduler_identity``, asked again every
    ``distributed.client.scheduler-info-interval``, 2 s): reading it costs no round trip.
    None when it cannot say (no identity yet, or a Dask keeping no count)."""
    if not isinstance(info, Mapping) or not info:
        return None
    count = info.get("n_workers")  # (a Dask before 2025 listed every worker instead)
    if isinstance(count, int):
        return count
    workers = info.get("workers")
    return len(workers) if isinstance(workers, Mapping) else None


class WorkerWatch:
    """Whether attempts wait on a scheduler with no worker (none joined yet, or all left):
    Dask holds them, flowtop shows them running, and only their timeout ends the wait. Said
    once as such a wait begins, and once as a worker joins."""

    __slots__ = ("_ran_under", "scheduler", "short")

    def __init__(self, scheduler: str) -> None:
        self.scheduler = scheduler  # "the Dask scheduler at tcp://…"
        self.short = False  # said to have no worker, and none joined since
        #: The identity a result came under (:meth:`look`'s ``ran``): its count is stale.
        self._ran_under: object = None

    def look(self, client: Any, *, waiting: bool, ran: bool = False) -> str | None:
        """The note to say now, if any: ``waiting``, attempts were handed to the scheduler
        and have not ended; ``ran``, one just ended with a result: a worker ran it, which
        the client's identity, up to 2 s old, may not count yet (nor is its 0 believed
        until it is asked again)."""
        info = getattr(client, "_scheduler_identity", None)
        count: int | None
        if ran:
            self._ran_under, count = info, 1
        else:
            count = None if info is self._ran_under else workers_now(info)
        if count is None:
            return None
        if count == 0 and waiting and not self.short:
            self.short = True
            return (
                f"waiting for a Dask worker: {self.scheduler} has none; the run's attempts "
                "wait there until one joins (or their task's timeout ends the wait)"
            )
        if count > 0 and self.short:
            self.short = False
            return f"no longer waiting for a Dask worker: one joined {self.scheduler}"
        return None

    @property
    def stage(self) -> str:
        """What the run waits on, as its readers show it while it lasts; "" once a
        worker joined (``DaskBackend.on_stage``)."""
        return f"waiting for a Dask worker: {self.scheduler} has none" if self.short else ""
