"""Run numbers, and the run row recorded with each: one place for every process.

A run is recorded (RUNNING, with its owner's identity) in the transaction that hands out
its number. A run process does so itself before it imports anything; the process that
launched it does so first, as soon as it has the new process's pid, so that a run
killed in its first milliseconds (before its interpreter even started) still leaves a
record, which readers then mark INTERRUPTED.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from . import store_schema
from .ownership import LAUNCHED, Owner, boot_id, host_name, process_start
from .reaper import connect

log = logging.getLogger("flowtop.history")


def record_run(
    conn: sqlite3.Connection,
    flow: str,
    run_id: str | None,
    owner: str,
    identity: Owner,
    *,
    floor: int = 0,
) -> int:
    """A new number for ``flow``, above ``floor`` (in the caller's write transaction);
    with ``run_id`` its run recorded RUNNING, owned by ``identity``, heartbeat now."""
    (stored,) = conn.execute(
        "SELECT max(number) FROM run_numbers WHERE flow = ?", (flow,)
    ).fetchone()
    number: int = max(stored or 0, floor) + 1
    conn.execute("INSERT INTO run_numbers VALUES (?, ?)", (flow, number))
    if run_id is not None:
        now = time.time()
        conn.execute(
            "INSERT INTO runs(run_id, flow, number, state, started, owner, host, "
            "pid, boot_id, proc_start, heartbeat) "
            "VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?)",
            (run_id, flow, number, now, owner, *_columns(identity), now),
        )
    return number


def claim_run(conn: sqlite3.Connection, run_id: str, owner: str, identity: Owner) -> None:
    """The run process takes the run its launcher reserved for it (its heartbeat and
    commands go by owner token)."""
    conn.execute(
        "UPDATE runs SET owner = ?, host = ?, pid = ?, boot_id = ?, proc_start = ?, "
        "heartbeat = ? WHERE run_id = ? AND state = 'RUNNING'",
        (owner, *_columns(identity), time.time(), run_id),
    )


def reserve_launched(db: Path, flow: str, run_id: str, pid: int) -> int | None:
    """Record the run of a process just launched (``pid``), unless it did so already;
    its number. Best effort (None when it could not): the run process reserves its run
    itself too."""
    if not db.is_file():
        return None
    identity = Owner(host_name(), pid, boot_id(), process_start(pid))
    try:
        conn = connect(db)
        try:
            with store_schema.write_transaction(conn):
                known = conn.execute(
                    "SELECT number FROM runs WHERE run_id = ?", (run_id,)
                ).fetchone()
                if known is not None:
                    return int(known[0])
                owner = f"{identity.host}:{pid}:{LAUNCHED}"
                return record_run(conn, flow, run_id, owner, identity)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.warning("%s: could not record launched run %s: %s", db, run_id, exc)
        return None


def _columns(identity: Owner) -> tuple[str, int, str, str]:
    """The runs table's host, pid, boot_id and proc_start."""
    return (identity.host, identity.pid, identity.boot, identity.start)
