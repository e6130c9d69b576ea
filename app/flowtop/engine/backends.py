"""What runs an attempt somewhere other than the runner's own threads (a process, Dask).

Only the protocols: the backends themselves are in ``process_backend`` and
``dask_backend``; ``executors.make_backend`` picks one from a spec.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

#: How an attempt ended: ``on_done(value, error, captured output)``.
Done = Callable[[Any, BaseException | None, str], None]


class Places:
    """How many attempts a backend is handed at once (its ``places``): as many as it
    runs at once, ``workers``, whichever runs hand them over.

    A run takes a place before it begins an attempt (``run_drivers``), so an attempt
    that finds none stays PENDING in the run's own queue, its timeout not yet counting;
    :func:`hand_over` gives the place back as the attempt ends. Handed over at once,
    attempts beyond what a Dask cluster's threads run waited in Dask's queue shown as
    running, and failed with a ``TaskTimeout`` without having started. A run that found
    no place is told (``waiter``, which must be quick and take no lock: it hands the
    run's pool a job) when one is given back.
    """

    __slots__ = ("most", "_taken", "_lock", "_waiters")

    def __init__(self, most: int) -> None:
        self.most = most
        self._taken = 0
        self._lock = threading.Lock()
        self._waiters: list[Callable[[], None]] = []

    def take_or_wait(self, waiter: Callable[[], None]) -> bool:
        """Take a place; else ``waiter`` is called once one is given back."""
        with self._lock:
            if self._taken < self.most:
                self._taken += 1
                return True
            if waiter not in self._waiters:
                self._waiters.append(waiter)
            return False

    def give_back(self) -> None:
        """A place is free: every run waiting for one is told (each takes one or waits
        again)."""
        with self._lock:
            self._taken = max(0, self._taken - 1)
            waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            waiter()

    @property
    def taken(self) -> int:
        return self._taken


def places_of(backend: object) -> Places | None:
    """The backend's :class:`Places`, when it has any."""
    places = getattr(backend, "places", None)
    return places if isinstance(places, Places) else None


class BlockingBackend(Protocol):
    """Runs one attempt somewhere else (a process) while the calling pool thread waits.

    Retries, timers, states and events stay in the runner, so every consumer sees the same
    stream whatever runs the attempts. ``call`` returns ``(value, error, captured
    output)``; it never raises. ``timeout`` lets the backend stop an attempt that the
    runner has already failed; ``abandoned()`` turns true once the runner has timed out,
    cancelled or given up the attempt, so the backend can stop it (kill its process).
    """

    def call(
        self,
        fn: Callable[..., Any],
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        timeout: float | None,
        abandoned: Callable[[], bool] | None = None,
        workspace: str | None = None,
        name: str | None = None,
    ) -> tuple[Any, BaseException | None, str]: ...

    def close(self) -> None: ...


@runtime_checkable
class SubmittingBackend(Protocol):
    """Starts one attempt somewhere else (a cluster) and returns at once: ``on_done``
    gets its outcome later, so no pool thread is held while it runs. The run hands
    every attempt over as it comes due, so the cluster's own queue orders them: a
    ``retry`` goes ahead of the first attempts queued there (``drivers`` says why)."""

    def submit(
        self,
        fn: Callable[..., Any],
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        timeout: float | None,
        abandoned: Callable[[], bool] | None = None,
        on_done: Done,
        workspace: str | None = None,
        retry: bool = False,
        name: str | None = None,
    ) -> None: ...

    def close(self) -> None: ...


AttemptBackend = BlockingBackend | SubmittingBackend


def hand_over(
    backend: AttemptBackend,
    fn: Callable[..., Any],
    args: list[Any],
    kwargs: dict[str, Any],
    *,
    timeout: float | None,
    abandoned: Callable[[], bool],
    on_done: Done,
    workspace: str | None = None,
    retry: bool = False,
    name: str | None = None,
) -> None:
    """Run one attempt on ``backend``; ``on_done(value, error, output)`` when it ends.
    A ``retry`` goes ahead of first attempts queued on a cluster (the process pool's
    are queued by the run itself, in ``drivers``). ``name``: the task run's key
    (``load-2``), which the backend's errors name. The place the run took for it
    (:class:`Places`) is given back once it ended.

    A backend with ``submit`` (a cluster) does not hold the calling thread while the
    attempt runs; one with only ``call`` (the process pool) blocks it. Never raises:
    whatever goes wrong is the attempt's error.
    """
    places = places_of(backend)
    if places is not None:
        on_done = giving_back(places, on_done)
    if isinstance(backend, SubmittingBackend):
        try:
            backend.submit(
                fn,
                args,
                kwargs,
                timeout=timeout,
                abandoned=abandoned,
                on_done=on_done,
                workspace=workspace,
                retry=retry,
                name=name,
            )
        except BaseException as exc:  # noqa: BLE001 - e.g. a user's __reduce__ calling sys.exit
            on_done(None, exc, "")
        return
    try:
        value, error, output = backend.call(
            fn,
            args,
            kwargs,
            timeout=timeout,
            abandoned=abandoned,
            workspace=workspace,
            name=name,
        )
    except BaseException as exc:  # noqa: BLE001 - an attempt's end is always reported
        value, error, output = None, exc, ""
    on_done(value, error, output)


def giving_back(places: Places, on_done: Done) -> Done:
    """``on_done``, then the attempt's place given back (once: a backend reports an
    attempt's end once, but a ``submit`` that raised after reporting is reported again)."""
    given = threading.Lock()

    def done(value: Any, error: BaseException | None, output: str) -> None:
        try:
            on_done(value, error, output)
        finally:
            if given.acquire(blocking=False):
                places.give_back()

    return done
