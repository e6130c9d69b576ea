"""Prefect 3's ``prefect.concurrency.asyncio``: ``async with concurrency(...)`` and
``await rate_limit(...)``; the wait happens on a helper thread, so the loop stays free."""

from __future__ import annotations

import asyncio as _asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from .limits import acquire, release

__all__ = ["concurrency", "rate_limit"]


@asynccontextmanager
async def concurrency(
    names: str | list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    strict: bool = False,
    **_: Any,
) -> AsyncIterator[None]:
    """Hold ``occupy`` slots of each named limit while the block runs."""
    held = await _asyncio.to_thread(
        acquire, names, occupy, timeout_seconds, strict=strict, rate=False
    )
    try:
        yield
    finally:
        release(held)


async def rate_limit(
    names: str | list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    strict: bool = False,
) -> None:
    """Wait for ``occupy`` slots of each named limit; they free themselves at its decay."""
    await _asyncio.to_thread(acquire, names, occupy, timeout_seconds, strict=strict, rate=True)
