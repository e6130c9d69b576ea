"""Prefect 3's ``prefect.concurrency.sync``: ``concurrency`` and ``rate_limit`` for
synchronous code (see ``flowtop.concurrency``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .limits import acquire, release

__all__ = ["concurrency", "rate_limit"]


@contextmanager
def concurrency(
    names: str | list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    strict: bool = False,
    **_: Any,
) -> Iterator[None]:
    """Hold ``occupy`` slots of each named limit while the block runs."""
    held = acquire(names, occupy, timeout_seconds, strict=strict, rate=False)
    try:
        yield
    finally:
        release(held)


def rate_limit(
    names: str | list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    strict: bool = False,
) -> None:
    """Wait for ``occupy`` slots of each named limit; they free themselves at its decay."""
    acquire(names, occupy, timeout_seconds, strict=strict, rate=True)
