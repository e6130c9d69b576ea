"""The log of one run and of the runs it started, read by their run ids (``flowtop watch``).

A watch follows a ``@flow`` run, the runs its body's subflow calls started (and theirs),
and the retry it announces: it read every run's events and kept those, so a store busy
with other runs had each of their rows read and decoded, twenty times a second. Each run
met in the log is now looked up once, by its id, in the runs table (``parent``,
``rerun_of``), and only the family's rows are read and decoded. A run's row is written in
the transaction that logs its start, so a run whose start is in the log up to an id read
is in the table then.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..engine.events import RunFinished
from .log_decode import Check, LogEvent, RunInterrupted
from .run_log import LogTail, columns


class FamilyTail:
    """``LogTail`` of run ``run_id``'s family: itself, the runs it (or one of them) started
    as subflows, and the runs rerunning one of it or its retries (the retry it announces;
    the watch tells which start is that). A store older than ``runs.parent`` (schema 4)
    has no subflows to find: every run's events are read there, as before."""

    def __init__(self, path: Path, run_id: str, start_at: int, check: Check | None) -> None:
        self._tail = LogTail(path, start_at, check)
        #: Each run found, and those whose end is not read yet (a run ended logs no more).
        self._found = {run_id}
        self._open = {run_id}
        #: The runs a rerun of is one of the family's (the watched run and its retries).
        self._reran = {run_id}
        #: The runs met that are none of the family's (looked up once).
        self._strangers: set[str] = set()
        self._whole: bool | None = None

    def read(self, limit: int = 64) -> list[LogEvent]:
        """The family's events logged since the last read, at most ``limit`` rows."""
        conn = self._tail.connection()
        if self._whole is None:
            self._whole = not columns(conn, "events") or "parent" not in columns(conn, "runs")
        if self._whole:
            return self._tail.read(limit)
        (newest,) = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()
        if newest <= self._tail.last:
            return []
        self._find(conn, newest)  # (read first: each run started up to it is in the table)
        events = self._tail.read_runs(self._open, newest, limit)
        for event in events:
            if isinstance(event, RunFinished | RunInterrupted):
                self._open.discard(event.run_id)
        return events

    def _find(self, conn: sqlite3.Connection, newest: int) -> None:
        """Add the runs whose rows up to the id ``newest`` are new to this tail and that
        one of the family started, or that rerun one of ``_reran``: a run is looked up
        (by its id) at its first row read, in the order they came, as its start's row
        is (a child's comes after its parent's)."""
        come = conn.execute(
            "SELECT run_id FROM events WHERE id > ? AND id <= ? GROUP BY run_id ORDER BY min(id)",
            (self._tail.last, newest),
        ).fetchall()
        for (run_id,) in come:
            if run_id in self._found or run_id in self._strangers:
                continue
            row = conn.execute(
                "SELECT parent, rerun_of FROM runs WHERE run_id = ?", (run_id,)
            ).fetchone()
            parent, rerun_of = (None, None) if row is None else row
            if rerun_of is not None and rerun_of in self._reran:
                self._reran.add(run_id)
            elif parent is None or parent not in self._found:
                self._strangers.add(run_id)
                continue
            self._found.add(run_id)
            self._open.add(run_id)

    def close(self) -> None:
        self._tail.close()
