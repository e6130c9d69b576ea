"""Prefect 3's ``prefect.futures``: ``wait`` and ``as_completed`` over task futures, and
``resolve_futures_to_states`` / ``resolve_futures_to_results`` over collections of them.

Their timeouts say what Prefect 3.9.1's say, with its exception classes (checked side by
side): ``as_completed`` raises ``_WaitTimeoutError`` (a ``TimeoutError``), ``1 (of 2)
futures unfinished``; a negative ``timeout`` is Prefect's ``ValueError``."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from .engine.calls import Future, PrefectFutureList, checked_timeout
from .engine.dynamic import InlineFuture, TaskFuture
from .engine.graph import changed_fields, fields_of, with_fields
from .engine.prefect_api import _Annotation, quote

PrefectFuture = TaskFuture


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


class _WaitTimeoutError(TimeoutError):
    """What ``as_completed`` raises when its ``timeout`` passes: Prefect 3.9.1's class of
    that name (``prefect.futures._WaitTimeoutError``), a ``TimeoutError``, so that
    ``type(e).__name__`` and the message read as Prefect's."""


def wait(futures: Iterable[Any], timeout: float | None = None) -> DoneAndNotDoneFutures:
    """Wait until every future is final, or ``timeout`` seconds pass; say which are done."""
    checked_timeout(timeout)
    items = _check(futures, "wait()")
    deadline = None if timeout is None else time.monotonic() + timeout
    for future in items:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        future.wait(left)
    done = {f for f in items if _is_done(f)}
    return DoneAndNotDoneFutures(done, {f for f in items if f not in done})


def as_completed(futures: Iterable[Any], timeout: float | None = None) -> Iterator[Any]:
    """Yield the futures as they become final, each once (as Prefect's, a future given
    twice too); ``_WaitTimeoutError`` if ``timeout`` passes first."""
    checked_timeout(timeout)
    items = list(dict.fromkeys(_check(futures, "as_completed()")))
    finished: queue.Queue[Any] = queue.Queue()

    def watch(future: Any) -> None:
        with contextlib.suppress(Exception):  # a task run that could not be named: yielded
            future.wait()
        finished.put(future)

    for future in items:
        if _is_done(future):
            finished.put(future)
        else:
            threading.Thread(target=watch, args=(future,), daemon=True).start()
    deadline = None if timeout is None else time.monotonic() + timeout
    for yielded in range(len(items)):
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            future = finished.get(timeout=left)
        except queue.Empty:
            unfinished = f"{len(items) - yielded} (of {len(items)}) futures unfinished"
            raise _WaitTimeoutError(unfinished) from None
        yield future


def _resolved(value: Any, resolve: Callable[[Any], Any]) -> Any:
    """``value`` with each future in it replaced by ``resolve(future)``: inside lists,
    tuples (a namedtuple stays one), sets, dict keys and values, annotations (rewrapped),
    dataclasses and pydantic models (shallow copies), at any depth, as Prefect's
    ``visit_collection`` walks; a ``quote``d value is left as it is. A container with no
    future in it is the same object."""
    if isinstance(value, Future):
        return resolve(value)
    if isinstance(value, quote):
        return value
    if isinstance(value, _Annotation):
        inner = value.unwrap()
        new = _resolved(inner, resolve)
        return value if new is inner else type(value)(new)
    if isinstance(value, dict):
        items = [(_resolved(k, resolve), _resolved(v, resolve)) for k, v in value.items()]
        same = all(
            nk is k and nv is v for (nk, nv), (k, v) in zip(items, value.items(), strict=True)
        )
        return value if same else dict(items)
    if isinstance(value, list | tuple | set | frozenset):
        new_items = [_resolved(item, resolve) for item in value]
        if all(n is o for n, o in zip(new_items, value, strict=True)):
            return value
        if isinstance(value, list):  # a PrefectFutureList of values too: a plain list, as Prefect
            return new_items
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            return type(value)(*new_items)
        return type(value)(new_items)
    fields = fields_of(value)
    if fields is None:
        return value
    return with_fields(value, changed_fields(fields, lambda v: _resolved(v, resolve)))


def resolve_futures_to_states(expr: Any) -> Any:
    """``expr`` with each task future in it (see ``_resolved``) replaced by its final
    state, waiting for it; anything else as it is (Prefect 3's)."""
    return _resolved(expr, lambda future: future.final_state())


def _final_result(future: Any) -> Any:
    state = future.final_state()
    if not state.is_completed():  # Prefect's own words
        raise Exception("At least one result did not complete successfully")
    return future.result()


def resolve_futures_to_results(expr: Any) -> Any:
    """``expr`` with each task future in it replaced by its result, waiting for it; a
    future that did not complete raises Prefect's ``Exception("At least one result did
    not complete successfully")`` (Prefect 3's)."""
    return _resolved(expr, _final_result)


__all__ = [
    "DoneAndNotDoneFutures",
    "PrefectFuture",
    "PrefectFutureList",
    "as_completed",
    "resolve_futures_to_results",
    "resolve_futures_to_states",
    "wait",
]
