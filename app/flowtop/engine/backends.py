"""What runs an attempt somewhere other than the runner's own threads (a process, Dask).

Only the protocols: the backends themselves are in ``process_backend`` and
``dask_backend``; ``executors.make_backend`` picks one from a spec.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

#: How an attempt ended: ``on_done(value, error, captured output)``.
Done = Callable[[Any, BaseException | None, str], None]


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
) -> None:
    """Run one attempt on ``backend``; ``on_done(value, error, output)`` when it ends.
    A ``retry`` goes ahead of first attempts queued on a cluster (the process pool's
    are queued by the run itself, in ``drivers``).

    A backend with ``submit`` (a cluster) does not hold the calling thread while the
    attempt runs; one with only ``call`` (the process pool) blocks it. Never raises:
    whatever goes wrong is the attempt's error.
    """
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
            )
        except BaseException as exc:  # noqa: BLE001 - e.g. a user's __reduce__ calling sys.exit
            on_done(None, exc, "")
        return
    try:
        value, error, output = backend.call(
            fn, args, kwargs, timeout=timeout, abandoned=abandoned, workspace=workspace
        )
    except BaseException as exc:  # noqa: BLE001 - an attempt's end is always reported
        value, error, output = None, exc, ""
    on_done(value, error, output)
