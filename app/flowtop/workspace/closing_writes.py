"""What a History closing on a store it could not write still records.

A full disk stops recording mid-run; the events are kept in memory and tried again,
and at close there is no next try. What still fits is written then (every step and run
end, without their output: ``write_without_output``); failing that, the runs this
process leaves RUNNING are ended as interrupted, a run whose end was among the lost
events saying how it ended (``end_own_runs``), not "flowtop closed the store first".
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..engine.events import RunFinished, RunStarted, TaskOutput, TaskStateChanged
from ..engine.states import StateType
from . import history_fold
from .reaper import interrupt
from .store_errors import FULL, cause

log = logging.getLogger("flowtop.history")

_RUNNING = StateType.RUNNING


def stopped_because(error: str, path: Path) -> str:
    """Why the store ``path`` took no more of a run's events, from SQLite's ``error``."""
    if cause(error) == FULL:
        return f"the disk of {path.parent} was full"
    return f"{path} could not be written ({error or 'the write did not finish'})"


def write_without_output(
    conn: sqlite3.Connection,
    items: list[Any],
    owner: tuple[str, str, int, str, str],
    live: dict[str, int],
    path: Path,
    error: str,
) -> dict[str, int] | None:
    """At a store's close, when ``items`` failed with ``error`` on a full disk: what
    still fits of them, every run start, step and end, their output replaced by a word
    of why; the running attempts' output and the stored results (the bulk) left out. The
    runs left live (``history_fold.apply``) when written, each run's note saying what is
    missing; None when not even that fits, or the write failed for another reason. A run
    that completed read INTERRUPTED "flowtop closed the store first" when all of it failed."""
    if cause(error) != FULL or not items:
        return None
    why = stopped_because(error, path)
    kept: list[Any] = []
    cut: Counter[str] = Counter()  # per run: the events whose output is not recorded
    for item in items:
        kind = type(item)
        if kind is TaskStateChanged or kind is RunFinished:
            if item.output:
                item = item._replace(output=f"[not recorded: {why}]")
                cut[item.run_id] += 1
            kept.append(item)
        elif kind is RunStarted:
            kept.append(item)
        elif kind is TaskOutput:
            cut[item.run_id] += 1
    try:
        conn.execute("BEGIN IMMEDIATE")
        left = history_fold.apply(conn, kept, owner, live)
        conn.executemany(
            "UPDATE runs SET note = COALESCE(NULLIF(note, '') || '; ', '') || ? WHERE run_id = ?",
            [
                (
                    f"recording stopped: {why}: the output of its last {n:,} events is not recorded",
                    r,
                )
                for r, n in cut.items()
            ],
        )
        conn.execute("COMMIT")
    except sqlite3.Error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return None
    log.warning(
        "%s: recording stopped: %s: the output of the last %d events was not recorded "
        "(their steps and the runs' ends were)",
        path,
        why,
        sum(cut.values()),
    )
    return left


def unrecorded_ends(items: list[Any]) -> dict[str, tuple[RunFinished, int]]:
    """The run ends among ``items``, a write given up on, each with how many of its
    run's events went unrecorded with it."""
    stored = (history_fold.ResultRows, history_fold.ResultBatch)  # results, not events
    lost = Counter(item.run_id for item in items if not isinstance(item, stored))
    return {item.run_id: (item, lost[item.run_id]) for item in items if type(item) is RunFinished}


def end_own_runs(
    conn: sqlite3.Connection,
    owner: str,
    ends: Mapping[str, tuple[RunFinished, int]],
    why: str,
) -> None:
    """End the runs ``owner`` (a closing History) leaves RUNNING, in the caller's
    transaction: INTERRUPTED, "flowtop closed the store first"; but one whose end is in
    ``ends`` (its ``RunFinished``, and how many of its events were lost: ``why``,
    ``stopped_because``) says how it ended and why its record stops early. It stays
    INTERRUPTED, as its log says it to every reader (``watch``, the TUI, ``history``):
    its last steps are missing. A run that completed on a full disk read "flowtop closed
    the store first"; written as COMPLETED in its row alone, ``history`` and the readers
    of its log disagreed."""
    rows = conn.execute(
        "SELECT run_id FROM runs WHERE state = ? AND owner = ?", (_RUNNING.value, owner)
    ).fetchall()
    interrupt(
        conn,
        {
            run_id: f"recording stopped: {why} ({ends[run_id][1]:,} events not recorded; "
            f"the run ended {ends[run_id][0].state.value})"
            if run_id in ends
            else "flowtop closed the store first"
            for (run_id,) in rows
        },
    )
