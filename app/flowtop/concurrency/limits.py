"""The named limits behind ``flowtop.concurrency``: their sizes, read from ``flowtop.toml``
each time a block asks, and their slots, kept for every process of the workspace by
``slots.SlotStore``."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, NamedTuple

from ..code_settings import settings_table, state_dir
from ..engine.delays import MAX_SECONDS, MAX_SECONDS_TEXT
from ..engine.tag_limits import PREFIX
from ..workspace.places import SETTINGS_FILE
from .slots import Limit, SlotStore, Taken, slot_store


class ConcurrencySlotAcquisitionError(Exception):
    """A limit that cannot be used as asked (Prefect's): one that does not exist under
    ``strict=True``, more slots asked than it has, a rate limit without a decay."""


#: How often a waiter looks again for slots given back by another process: at first
#: soon (a block that ends quickly), then every ``MAX_PAUSE`` at most. A give-back in
#: this process wakes its waiters at once.
FIRST_PAUSE = 0.005
MAX_PAUSE = 0.05
#: The smallest ``slot_decay_per_second`` but 0: a slot a year, the longest wait flowtop
#: takes (``MAX_SECONDS``). ``1e-300`` was taken, and a second ``rate_limit`` waited 1e300
#: seconds, the monitor saying only "running". Written rounded up, so that it passes.
LEAST_DECAY = 1 / MAX_SECONDS
LEAST_DECAY_TEXT = f"{math.ceil(LEAST_DECAY * 1e11) / 1e11:g}"
#: A block that has waited this long says so in its task's output (seconds): a task
#: waiting for slots another run holds would otherwise look hung.
TELL_AFTER = 1.0


class Held(NamedTuple):
    """What ``acquire`` took, for ``release`` to give back."""

    store: SlotStore | None  # None: no limit named exists, nothing was taken
    limits: dict[str, Limit]
    taken: Taken | None


def limit_of(folder: Path, name: str, value: Any) -> Limit:
    """The limit ``name`` as ``flowtop.toml`` sizes it now. The workspace checked the
    file when it loaded; a value broken since is one clear error."""
    problem = check_config(value)
    if problem is not None:
        raise ValueError(f"{folder.parent / SETTINGS_FILE}: [concurrency] {name}: {problem}")
    if isinstance(value, dict):
        return Limit(value["limit"], float(value.get("slot_decay_per_second", 0.0)))
    return Limit(value, 0.0)


def limits_for(
    folder: Path, names: list[str], slots: int, *, strict: bool, rate: bool
) -> dict[str, Limit]:
    """The limits ``names`` has in the workspace at ``folder`` (the missing ones left
    out, or refused under ``strict``), each checked for a request of ``slots``."""
    table = settings_table("concurrency", folder)
    missing = [name for name in names if name not in table]
    if missing and strict:
        raise ConcurrencySlotAcquisitionError(
            f"Concurrency limits {missing!r} must be created before acquiring slots"
        )
    found = {name: limit_of(folder, name, table[name]) for name in names if name in table}
    if missing:
        _say(f"Concurrency limits {missing!r} do not exist - skipping acquisition.")
    for name, limit in found.items():
        if slots > limit.slots:
            raise ConcurrencySlotAcquisitionError(
                f"Unable to acquire concurrency slots on {[name]!r}: "
                "Slots requested is greater than the limit"
            )
        if rate and not limit.decay:
            raise ConcurrencySlotAcquisitionError(
                "Only concurrency limits with slot decay can be used for rate limiting. "
                f"The following limits do not have a decay configured: {name!r}"
            )
    return found


def _say(message: str) -> None:
    """A warning on the run's logger: the attempt's output in the monitor."""
    from ..engine.prefect_api import get_run_logger

    try:
        logger = get_run_logger()
    except Exception:  # noqa: BLE001 - outside any run Prefect says nothing either
        return
    logger.warning(message)


def acquire(
    names: str | list[str], occupy: int, timeout_seconds: float | None, *, strict: bool, rate: bool
) -> Held:
    """Take ``occupy`` slots of each limit (all or none), held until ``release`` unless
    ``rate`` (a rate limit's slots free themselves); raise ``TimeoutError`` as Prefect
    does when ``timeout_seconds`` passes first."""
    if isinstance(occupy, bool) or not isinstance(occupy, int) or occupy < 1:
        raise ValueError(f"occupy must be a whole number of slots >= 1, got {occupy!r}")
    wanted = [names] if isinstance(names, str) else list(names)
    folder = state_dir()
    limits = limits_for(folder, wanted, occupy, strict=strict, rate=rate) if wanted else {}
    if not limits:
        return Held(None, limits, None)
    store = slot_store(folder)
    started = time.monotonic()
    deadline = None if timeout_seconds is None else started + timeout_seconds
    pause, told = FIRST_PAUSE, rate  # a rate limit's waits are its purpose: not told
    while True:
        generation = store.generation()
        taken = store.take(limits, occupy, hold=not rate)
        if isinstance(taken, Taken):
            return Held(store, limits, taken)
        if not told and time.monotonic() - started >= TELL_AFTER:
            told = True
            full = ", ".join(f"{name!r} ({_slots(limits[name].slots)})" for name in taken.names)
            _say(f"Waiting for concurrency slots of {full}: all taken, here or by another run.")
        wait = min(taken.wait, pause)
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"Attempt to acquire concurrency slots timed out after {timeout_seconds} second(s)"
                )
            wait = min(wait, left)
        store.wait(generation, wait)
        pause = min(2 * pause, MAX_PAUSE)
        limits = _sized_now(folder, limits)


def tag_limits(folder: Path | None) -> dict[str, Limit]:
    """The ``tag:NAME`` limits ``flowtop.toml`` has, by name: the engine's tag limits."""
    folder = folder or state_dir()
    table = settings_table("concurrency", folder)
    return {
        name: limit_of(folder, name, value)
        for name, value in table.items()
        if name.startswith(PREFIX)
    }


def try_acquire(folder: Path | None, limits: dict[str, Limit]) -> Held | None:
    """One slot of each of ``limits``, taken now (all or none), to ``release`` later;
    None when one has no slot free. An engine's attempt that finds none waits without
    holding a thread, and asks again later."""
    store = slot_store(folder or state_dir())
    taken = store.take(limits, 1, hold=True)
    return Held(store, limits, taken) if isinstance(taken, Taken) else None


class TagSlots:
    """The engine's tag limits (``engine.tag_limits.Slots``: ``"tag:db" = 2`` holds the
    attempts of tasks tagged ``db``), counted in the same store as every other limit.
    The engine names this module rather than importing it (``engine.tag_limits.COUNTER``):
    it sits below the workspace this store belongs to."""

    def tag_limits(self, folder: Path | None) -> dict[str, object]:
        found: dict[str, object] = dict(tag_limits(folder))  # opaque to the engine
        return found

    def try_take(self, folder: Path | None, limits: dict[str, object]) -> object | None:
        wanted = {name: limit for name, limit in limits.items() if isinstance(limit, Limit)}
        return try_acquire(folder, wanted)  # ``limits`` are ``tag_limits``' own

    def give_back(self, taken: object) -> None:
        if not isinstance(taken, Held):
            raise TypeError(f"tag slots to give back must be what try_take took, got {taken!r}")
        release(taken)


#: What ``flowtop.engine`` hands every runner (see ``TagSlots``).
TAG_SLOTS = TagSlots()


def _slots(count: int) -> str:
    return f"{count} slot" if count == 1 else f"{count} slots"


def _sized_now(folder: Path, limits: dict[str, Limit]) -> dict[str, Limit]:
    """``limits`` as ``flowtop.toml`` sizes them now: a limit raised while a block
    waits lets it in."""
    table = settings_table("concurrency", folder)
    return {
        name: limit_of(folder, name, table[name]) if name in table else limit
        for name, limit in limits.items()
    }


def release(held: Held) -> None:
    if held.store is not None and held.taken is not None:
        held.store.give_back(held.taken, held.limits)


def check_config(value: Any) -> str | None:
    """Why ``value`` cannot configure a limit, or None (``flowtop.toml``'s check)."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"limit", "slot_decay_per_second"})
        if unknown or "limit" not in value:
            return "must be a number of slots, or { limit = N, slot_decay_per_second = X }"
        limit, decay = value["limit"], value.get("slot_decay_per_second", 0.0)
    else:
        limit, decay = value, 0.0
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        return "its limit must be a whole number of slots >= 1"
    if (
        isinstance(decay, bool)
        or not isinstance(decay, int | float)
        or not (math.isfinite(decay) and decay >= 0)
    ):
        return "its slot_decay_per_second must be a number >= 0"
    if 0 < decay < LEAST_DECAY:
        seconds = 1 / decay
        return (
            f"its slot_decay_per_second {decay!r} frees a slot every {seconds:.3g} seconds "
            f"({seconds / MAX_SECONDS:.3g} years), and a rate_limit would wait that long: "
            f"a wait past {MAX_SECONDS_TEXT} is refused; give at least {LEAST_DECAY_TEXT} "
            "(a slot a year), or 0 for no decay"
        )
    return None
