"""The named limits behind ``flowtop.concurrency``: slots taken and given back (or decaying,
for a rate limit) under one condition per limit, read from ``flowtop.toml``."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..code_settings import settings_table, state_dir


class ConcurrencySlotAcquisitionError(Exception):
    """A limit that cannot be used as asked (Prefect's): one that does not exist under
    ``strict=True``, more slots asked than it has, a rate limit without a decay."""


@dataclass(frozen=True, slots=True)
class Config:
    limit: int
    decay: float  # slots freed per second; 0 for a plain limit


class Limit:
    """One limit's slots in this process."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.held = 0.0
        self.changed = time.monotonic()
        self.cond = threading.Condition()

    def _decay(self, now: float) -> None:
        if self.config.decay:
            self.held = max(0.0, self.held - self.config.decay * (now - self.changed))
        self.changed = now

    def take(self, slots: int, deadline: float | None) -> bool:
        """Wait until ``slots`` are free and take them; False when ``deadline`` passed."""
        with self.cond:
            while True:
                now = time.monotonic()
                self._decay(now)
                if self.held + slots <= self.config.limit:
                    self.held += slots
                    return True
                wait = None if deadline is None else deadline - now
                if self.config.decay:  # a slot frees itself by then, with no release to wake us
                    due = (self.held + slots - self.config.limit) / self.config.decay
                    wait = due if wait is None else min(wait, due)
                if wait is not None and wait <= 0:
                    return False
                self.cond.wait(wait)

    def give_back(self, slots: int) -> None:
        with self.cond:
            self._decay(time.monotonic())
            self.held = max(0.0, self.held - slots)
            self.cond.notify_all()


_limits: dict[tuple[str, str], Limit] = {}
_registry = threading.Lock()


def _limit(folder: Path, name: str, value: Any) -> Limit:
    """The limit ``name`` of the workspace at ``folder``, sized as ``flowtop.toml`` says
    now (under ``_registry``). The workspace checked the file when it loaded; a value
    broken since is one clear error."""
    problem = check_config(value)
    if problem is not None:
        raise ValueError(f"{folder.parent / 'flowtop.toml'}: [concurrency] {name}: {problem}")
    if isinstance(value, dict):
        config = Config(value["limit"], float(value.get("slot_decay_per_second", 0.0)))
    else:
        config = Config(value, 0.0)
    limit = _limits.get((str(folder), name))
    if limit is None:
        limit = _limits[(str(folder), name)] = Limit(config)
    elif limit.config != config:  # flowtop.toml changed: the new size from now on
        with limit.cond:
            limit.config = config
            limit.cond.notify_all()
    return limit


def limits_for(names: list[str], slots: int, *, strict: bool, rate: bool) -> list[Limit]:
    """The limits ``names`` has in this workspace (the missing ones left out, or refused
    under ``strict``), each checked for a request of ``slots``."""
    folder = state_dir()
    table = settings_table("concurrency", folder)
    missing = [name for name in names if name not in table]
    if missing and strict:
        raise ConcurrencySlotAcquisitionError(
            f"Concurrency limits {missing!r} must be created before acquiring slots"
        )
    with _registry:
        found = {name: _limit(folder, name, table[name]) for name in names if name in table}
    if missing:
        _say_skipped(missing)
    for name, limit in found.items():
        if slots > limit.config.limit:
            raise ConcurrencySlotAcquisitionError(
                f"Unable to acquire concurrency slots on {[name]!r}: "
                "Slots requested is greater than the limit"
            )
        if rate and not limit.config.decay:
            raise ConcurrencySlotAcquisitionError(
                "Only concurrency limits with slot decay can be used for rate limiting. "
                f"The following limits do not have a decay configured: {name!r}"
            )
    return list(found.values())


def _say_skipped(missing: list[str]) -> None:
    from ..engine.prefect_api import get_run_logger

    try:
        logger = get_run_logger()
    except Exception:  # noqa: BLE001 - outside any run Prefect says nothing either
        return
    logger.warning(f"Concurrency limits {missing!r} do not exist - skipping acquisition.")


def acquire(
    names: str | list[str], occupy: int, timeout_seconds: float | None, *, strict: bool, rate: bool
) -> list[Limit]:
    """Take ``occupy`` slots of each limit (all or none); raise ``TimeoutError`` as
    Prefect does when ``timeout_seconds`` passes first."""
    if isinstance(occupy, bool) or not isinstance(occupy, int) or occupy < 1:
        raise ValueError(f"occupy must be a whole number of slots >= 1, got {occupy!r}")
    wanted = [names] if isinstance(names, str) else list(names)
    if not wanted:
        return []
    limits = limits_for(wanted, occupy, strict=strict, rate=rate)
    deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
    taken: list[Limit] = []
    for limit in sorted(limits, key=id):  # one order: two blocks never wait on each other
        if not limit.take(occupy, deadline):
            for held in taken:
                held.give_back(occupy)
            raise TimeoutError(
                f"Attempt to acquire concurrency slots timed out after {timeout_seconds} second(s)"
            )
        taken.append(limit)
    return limits


def release(limits: list[Limit], occupy: int) -> None:
    for limit in limits:
        limit.give_back(occupy)


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
    return None
