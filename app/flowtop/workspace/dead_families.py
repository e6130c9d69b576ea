"""A run whose process is gone, with the subflow runs its ``@flow`` body called.

One process records a parent and its subflows' runs: killed, all of them are marked
INTERRUPTED at once (``reaper``). A parent with no task of its own read "ended before any
task was recorded as started", while its subflow's run was running a task (and one whose
own tasks had ended, run or reused, said nothing of it): a parent whose own tasks show
none running names its subflow runs and what they were doing (``subflows_said``). And a
subflow's run is marked before the run that called it (``subflows_first``), so a reader
of the log (``flowtop watch``) ends it first, as a cancelled parent's subflows end first.
A parent ends no sooner than its subflows (``last_subflow_end``): dated by its own last
sign alone, it read ended before the subflow it called, whose task ran on after it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable

from ..engine.states import StateType
from .dead_runs_tasks import doing, named
from .run_log import columns

_RUNNING = StateType.RUNNING.value


def subflows_first(conn: sqlite3.Connection, run_ids: Iterable[str]) -> list[str]:
    """``run_ids`` with each run after those of them its subflow calls started (theirs
    first too), otherwise in their order."""
    ids = list(run_ids)
    if len(ids) < 2 or "parent" not in columns(conn, "runs"):
        return ids
    marks = ",".join("?" * len(ids))
    parents = dict(conn.execute(f"SELECT run_id, parent FROM runs WHERE run_id IN ({marks})", ids))

    def depth(run_id: str) -> int:
        seen: set[str] = set()
        while (run_id := parents.get(run_id) or "") in parents and run_id not in seen:
            seen.add(run_id)
        return len(seen)

    return sorted(ids, key=depth, reverse=True)  # (a stable sort: deepest first)


def subflows_said(conn: sqlite3.Connection, run_id: str) -> str | None:
    """What the subflow runs of ``run_id`` (a run whose own tasks show none running) were
    doing as its process went: ``its subflow child #9 was running work``, or that they
    had ended; None when it called none."""
    if "parent" not in columns(conn, "runs"):
        return None
    rows = conn.execute(
        "SELECT run_id, flow, number, state FROM runs WHERE parent = ? ORDER BY started, number",
        (run_id,),
    ).fetchall()
    if not rows:
        return None
    live = [
        (f"{flow} #{number}", doing(conn, child))
        for child, flow, number, state in rows
        if state == _RUNNING
    ]
    if not live:
        names = named([f"{flow} #{number}" for _, flow, number, _ in rows])
        return f"its subflow run{'s' if len(rows) > 1 else ''} {names} had ended"
    if len(live) == 1:
        name, what = live[0]
        return f"its subflow {name} was {what or 'running'}"
    each = [f"{name} ({what})" if what else name for name, what in live]
    return f"its subflows were running: {named(each)}"


def last_subflow_end(
    conn: sqlite3.Connection,
    run_id: str,
    own_end: Callable[[str], float] | None = None,
    seen: frozenset[str] = frozenset(),
) -> float | None:
    """When the last subflow run ``run_id`` called (theirs too) ended, as its row says;
    for one still RUNNING (its process gone too, but a reader cannot mark it), its own
    end (``own_end`` of its id, when given) or its subflows', whichever is later. None
    when none ended. A parent's process writes its subflow's task steps in the subflow's
    log, none in its own: its own last sign of life was older than its subflow's.
    ``seen``: the runs above it (a ``parent`` written by hand may loop)."""
    if "parent" not in columns(conn, "runs"):
        return None
    seen = seen | {run_id}
    ends: list[object] = []
    for child, state, finished in conn.execute(
        "SELECT run_id, state, finished FROM runs WHERE parent = ?", (run_id,)
    ).fetchall():
        if state != _RUNNING:
            ends.append(finished)
        elif own_end is not None and child not in seen:
            ends += [own_end(child), last_subflow_end(conn, child, own_end, seen)]
    return max((float(end) for end in ends if isinstance(end, int | float)), default=None)
