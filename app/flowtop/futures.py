"""Prefect 3's ``prefect.futures``: ``wait`` and ``as_completed`` over task futures."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from .engine.calls import FutureList
from .engine.dynamic import InlineFuture, TaskFuture

PrefectFuture = TaskFuture
PrefectFutureList = FutureList


class DoneAndNotDoneFutures(NamedTuple):
    done: set[Any]
    not_done: set[Any]


def _is_future(value: Any) -> bool:
    return isinstance(value, TaskFuture | InlineFuture)


def _check(futures: Iterable[Any], where: str) -> list[Any]:
    items = list(futures)
    for item in items:
        if not _is_future(item):
            raise TypeError(f"{where}: expected task futures, got {type(item).__name__} {item!r}")
    return items


def _is_done(future: Any) -> bool:
    return bool(future.state.is_final())


def wait(futures: Iterable[Any], timeout: float | None = None) -> DoneAndNotDoneFutures:
    """Wait until every future is final, or ``timeout`` seconds pass; say which are done."""
    items = _check(futures, "wait()")
    deadline = None if timeout is None else time.monotonic() + timeout
    for future in items:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        future.wait(left)
    done = {f for f in items if _is_done(f)}
    return DoneAndNotDoneFutures(done, {f for f in items if f not in done})


def as_completed(futures: Iterable[Any], timeout: float | None = None) -> Iterator[Any]:
    """Yield the futures as they become final; ``TimeoutError`` if ``timeout`` passes first."""
    items = _check(futures, "as_completed()")
    finished: queue.Queue[Any] = queue.Queue()

    def watch(future: Any) -> None:
        future.wait()
        finished.put(future)

    for future in items:
        if _is_done(future):
            finished.put(future)
        else:
            threading.Thread(target=watch, args=(future,), daemon=True).start()
    deadline = None if timeout is None else time.monotonic() + timeout
    for _ in items:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            yield finished.get(timeout=left)
        except queue.Empty:
            raise TimeoutError(f"as_completed(): futures still running after {timeout}s") from None


__all__ = ["DoneAndNotDoneFutures", "PrefectFuture", "PrefectFutureList", "as_completed", "wait"]
