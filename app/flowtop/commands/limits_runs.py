"""The runs whose processes hold a limit's slots, as ``flowtop limits`` names them.

A ``holders`` row of ``limits.db`` names a process (host, pid, boot, start), and ``flowtop
limits`` said ``2 by pid 23421 on vm``: which run that was took ``ps`` and a guess. The
run store's rows name each run's process the same way, so the holder is named by its
runs, as ``flowtop history`` names them: ``2 by lim #1 (pid 23421 on vm)``. The runs a
process has running, or (its process gone) left interrupted: a ``@flow`` parent and the
subflows it called share one. A task in a worker process (``process`` backend: a child
of the fork server, a child of the run's process) holds them as that worker, which is
named by its run's process, an ancestor, while it lives.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..engine.states import StateType
from ..looks import INTERRUPTED
from ..workspace.history_records import HistoryError
from ..workspace.ownership import Owner, boot_id, host_name, process_start
from ..workspace.places import STORE_FILE
from ..workspace.proc_stat import proc_stat
from ..workspace.run_log import columns
from ..workspace.subflow_runs import reading

if TYPE_CHECKING:
    from ..concurrency.slots import Holder

#: How many ancestors of a live holder are looked at for its run (a ``process`` backend
#: worker's: the fork server, then the run's process).
ANCESTORS = 3
#: The runs a holder's line names; the others are counted.
NAMED = 3

_RUNNING = StateType.RUNNING.value


class HeldBy(NamedTuple):
    """A run holding slots."""

    run_id: str
    flow: str
    number: int

    @property
    def name(self) -> str:
        """``lim #1``, as ``flowtop history`` names a run."""
        return f"{self.flow} #{self.number}"


def _key(owner: Owner) -> tuple[str, int, str, str]:
    return (owner.host, owner.pid, owner.boot or "", owner.start or "")


def _ancestors(owner: Owner) -> list[Owner]:
    """The processes above ``owner`` on this machine (nearest first), while it runs: a
    gone one's parent is no longer its."""
    if owner.host != host_name() or (owner.boot or "") != (boot_id() or ""):
        return []
    found: list[Owner] = []
    pid, start = owner.pid, owner.start
    for _ in range(ANCESTORS):
        fields = proc_stat(pid)
        if len(fields) < 20 or fields[19] != start or not fields[1].isdigit():
            break  # (gone, or its pid names another process now)
        pid = int(fields[1])
        start = process_start(pid)
        if pid <= 1 or not start:
            break
        found.append(Owner(owner.host, pid, owner.boot, start))
    return found


def holding_runs(state_dir: Path, owners: Iterable[Owner]) -> dict[Owner, list[HeldBy]]:
    """The runs of each of ``owners`` (a holder's process) as the store beside the
    limits (``state_dir``) has them: those running, else those its end interrupted, in
    the order they started; none for a process that runs none (or an unreadable store)."""
    wanted = {owner: [owner, *_ancestors(owner)] for owner in set(owners)}
    pids = sorted({o.pid for chain in wanted.values() for o in chain})
    db = state_dir / STORE_FILE
    if not pids or not db.is_file():
        return {}
    rows: dict[tuple[str, int, str, str], list[tuple[str, str, int, str]]] = {}
    try:
        with reading(db) as conn:
            if not {"host", "pid", "boot_id", "proc_start"} <= columns(conn, "runs"):
                return {}
            for start in range(0, len(pids), 500):  # (an older SQLite allows 999 variables)
                batch = pids[start : start + 500]
                for run_id, flow, number, state, *who in conn.execute(
                    "SELECT run_id, flow, number, state, host, pid, boot_id, proc_start "
                    f"FROM runs WHERE pid IN ({','.join('?' * len(batch))}) "
                    "ORDER BY started, number",
                    batch,
                ):
                    key = (who[0] or "", who[1], who[2] or "", who[3] or "")
                    rows.setdefault(key, []).append((run_id, flow, number, state))
    except (HistoryError, sqlite3.Error, OSError, ValueError):
        return {}
    found: dict[Owner, list[HeldBy]] = {}
    for owner, chain in wanted.items():
        for process in chain:
            runs = rows.get(_key(process), [])
            live = [r for r in runs if r[3] == _RUNNING] or [r for r in runs if r[3] == INTERRUPTED]
            if live:
                found[owner] = [HeldBy(run_id, flow, number) for run_id, flow, number, _ in live]
                break
    return found


def holder_words(owner: Owner, runs: list[HeldBy], gone: bool) -> str:
    """Who holds slots, as a line of ``flowtop limits`` says it: ``lim #1 (pid 7 on vm)``,
    or the process alone where no run is known (``pid 7 on vm``), and whether it is gone."""
    if not runs:
        gone_words = " (its process is gone: given back at the next request)" if gone else ""
        return f"{owner.describe()}{gone_words}"
    names = [run.name for run in runs]
    said = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    if len(names) > NAMED:
        said = f"{', '.join(names[:NAMED])} and {len(names) - NAMED} more runs"
    gone_words = "; its process is gone: given back at the next request" if gone else ""
    return f"{said} ({owner.describe()}{gone_words})"


def over_limit(held: float, slots: int) -> str:
    """Why a limit has more slots held than it has (``2 of 1``): its ``flowtop.toml``
    value was lowered after they were taken (a block takes slots only while they fit),
    and what a new block waits for; "" when they fit."""
    if held <= slots:
        return ""
    until = "none are" if slots <= 1 else f"fewer than {slots} are"
    return (
        f" (the limit was lowered to {slots} after they were taken: a new block waits "
        f"until {until} held)"
    )


def removed_limits(holders: Iterable[Holder], names: Iterable[str]) -> dict[str, list[Holder]]:
    """The holders of each limit not among ``names`` (``flowtop.toml``'s now), in the
    order each was first seen: a limit taken out of the file while runs held its slots,
    which they hold until their blocks end. They went from the listing without a word."""
    known = set(names)
    removed: dict[str, list[Holder]] = {}
    for h in holders:
        if h.name not in known:
            removed.setdefault(h.name, []).append(h)
    return removed


def removed_words(name: str, holders: list[Holder], toml: str) -> str:
    """The line of a limit ``toml`` no longer has whose slots ``holders`` hold:
    ``database: no longer in flowtop.toml; 2 slots still held``, its holders below."""
    slots = sum(h.slots for h in holders)
    return f"{name}: no longer in {toml}; {slots} slot{'' if slots == 1 else 's'} still held"


def removed_json(name: str, holders: list[Holder]) -> dict[str, object]:
    """A limit ``flowtop.toml`` no longer has, as ``limits --json`` lists it among the
    others (``removed_words``' line): ``removed``, no size (``slots`` and its decay null),
    ``held`` the slots its ``holders`` still hold, a float as every limit's ``held`` is
    (``1``, where others read ``0.0``). Only its holders named it, so a script reading
    ``limits`` found no such limit."""
    held = round(float(sum(h.slots for h in holders)), 3)
    return {
        "name": name,
        "slots": None,
        "slot_decay_per_second": None,
        "held": held,
        "removed": True,
    }
