"""Prefect 3's ``async_dispatch``: a function with a sync name (``Variable.get``,
``create_markdown_artifact``, ``state.result``) called from async code returns an
awaitable of the same, so ``await Variable.get(...)`` works in an ``async def`` flow or
task, as in Prefect, while the plain call works everywhere else. ``_sync=True`` (or
``False``) chooses either way, as Prefect's keyword does.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from .aloop import running_loop
from .run_loggers import inline_depth

R = TypeVar("R")


def in_async_context() -> bool:
    """Prefect's ``is_in_async_context``: a running event loop, unless this is the attempt
    of a sync task called inline (on the caller's thread, which may run a loop)."""
    return inline_depth() == 0 and running_loop() is not None


def dispatch(sync: bool | None, work: Callable[[], R]) -> R | Coroutine[Any, Any, R]:
    """``work()`` now; or, called from async code (unless ``sync``), an awaitable that
    does it when awaited, as Prefect's sync-named functions return there."""
    if sync if sync is not None else not in_async_context():
        return work()
    return _when_awaited(work)


async def _when_awaited(work: Callable[[], R]) -> R:
    return work()


__all__ = ["dispatch", "in_async_context"]
