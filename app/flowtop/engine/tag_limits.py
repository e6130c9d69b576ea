"""Prefect's tag-based concurrency limits: each attempt of a task tagged ``database``
holds one slot of the limit ``tag:database`` while it runs.

Prefect keeps these limits on its server (``prefect concurrency-limit create database
2``; since 3.4.19 a global limit named ``tag:database``) and checks them as a task run
enters Running. flowtop keeps every limit in ``flowtop.toml``'s ``[concurrency]`` table,
so ``"tag:database" = 2`` there is the same limit, shared by every process that runs the
workspace's code. A task waiting for a retry holds none: the limit counts running
attempts, as Prefect's docs count task runs in Running (Prefect 3.4.19 and later keep
the slot through a retry's wait; a wait can be minutes in which nothing runs).

The slots are counted by ``flowtop.concurrency``, which sits above the engine (its store
is the workspace's): the package hands the engine a ``Slots`` when flowtop is imported,
rather than the engine importing a layer above it. A task with no tags never asks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from typing import Any, Protocol

PREFIX = "tag:"


class Slots(Protocol):
    """Takes one slot of each named limit that exists (waiting for room), and gives
    them back; a name with no limit is not limited, and not mentioned."""

    def take(self, names: list[str]) -> object: ...

    def give_back(self, taken: object) -> None: ...


#: Set by ``flowtop/__init__.py``; None leaves tags unlimited (the engine on its own).
slots: Slots | None = None


def limited(
    fn: Callable[..., Any],
    tags: Collection[str],
    *,
    is_async: bool,
    abandoned: Callable[[], bool] | None = None,
) -> Callable[..., Any]:
    """``fn`` holding a slot of each of its tags' limits while it runs (``fn`` itself
    when the task has no tags). ``abandoned``: whether the attempt was given up (its
    timeout) while it waited for slots; then it never starts."""
    holder = slots
    if not tags or holder is None:
        return fn
    names = sorted(PREFIX + tag for tag in tags)
    if is_async:

        @functools.wraps(fn)  # its name is the task's in messages
        async def attempt_async(*args: Any, **kwargs: Any) -> Any:
            import asyncio  # here, not at the top: `import flowtop` never loads asyncio

            taken = await asyncio.to_thread(holder.take, names)  # the loop runs on meanwhile
            try:
                return await fn(*args, **kwargs)
            finally:
                holder.give_back(taken)

        return attempt_async

    @functools.wraps(fn)
    def attempt(*args: Any, **kwargs: Any) -> Any:
        taken = holder.take(names)
        try:
            if abandoned is not None and abandoned():
                return None  # timed out while it waited: its outcome is dropped anyway
            return fn(*args, **kwargs)
        finally:
            holder.give_back(taken)

    return attempt
