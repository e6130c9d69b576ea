"""A run whose process is gone, with the subflow runs its ``@flow`` body called.

One process records a parent and its subflows' runs: killed, all of them are marked
INTERRUPTED at once (``reaper``). A parent with no task of its own read "ended before any
task was recorded as started", while its subflow's run was running a task: its note
names its subflow runs and what they were doing instead (``subflows_said``). And a
subflow's run is marked before the run that called it (``subflows_first``), so a reader
of the log (``flowtop watch``) ends it first, as a cancelled parent's subflows end first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ..engine.states import StateType
from .dead_runs_tasks import NAMED, plan_of
from .log_fold import logged_tasks, stored_tasks
from .run_log import columns, log_columns

_RUNNING = StateType.RUNNING.value
_WAITING = StateType.AWAITING_RETRY.value


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
    """What the subflow runs of ``run_id`` (a run that started no task of its own) were
    doing as its process went: ``its subflow child #9 was running work``, or that they
    had ended; None when it called none (its note says it started nothing)."""
    if "parent" not in columns(conn, "runs"):
        return None
    rows = conn.execute(
        "SELECT run_id, flow, number, state, plan FROM runs WHERE parent = ? "
        "ORDER BY started, number",
        (run_id,),
    ).fetchall()
    if not rows:
        return None
    live = [
        (f"{flow} #{number}", _doing(conn, child, plan))
        for child, flow, number, state, plan in rows
        if state == _RUNNING
    ]
    if not live:
        names = _named([f"{flow} #{number}" for _, flow, number, _, _ in rows])
        return f"its subflow run{'s' if len(rows) > 1 else ''} {names} had ended"
    if len(live) == 1:
        name, doing = live[0]
        return f"its subflow {name} was {doing or 'running'}"
    each = [f"{name} ({doing})" if doing else name for name, doing in live]
    return f"its subflows were running: {_named(each)}"


def _doing(conn: sqlite3.Connection, run_id: str, plan_text: object) -> str:
    """``running work`` / ``waiting to retry load``: what the subflow run ``run_id``'s
    tasks were doing, as its store has them; "" for none."""
    plan = plan_of(plan_text)
    tasks = stored_tasks(conn, run_id, plan)
    if tasks is None:
        tasks = logged_tasks(conn, run_id, plan) if log_columns(conn) else []
    doing = [
        f"{what} {_named([t.task for t in tasks if t.state == state])}"
        for what, state in (("running", _RUNNING), ("waiting to retry", _WAITING))
        if any(t.state == state for t in tasks)
    ]
    return " and ".join(doing)


def _named(names: list[str]) -> str:
    """The first ``NAMED`` of ``names``, the others counted."""
    said = ", ".join(names[:NAMED])
    return said + (f" and {len(names) - NAMED:,} more" if len(names) > NAMED else "")
