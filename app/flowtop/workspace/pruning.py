"""Deleting old runs from the run store (``flowtop history --prune N``).

Kept apart from the history's writer: pruning is a rare, user-asked clean-up, and it
only needs the connection the history writes with (one writer per store file at a time).
"""

from __future__ import annotations

import sqlite3

from . import store_schema

#: Every table with rows of a run, deleted with it; ``runs`` last.
RUN_TABLES = ("attempts", "task_runs", "events", "results", "result_batches", "commands", "runs")


def prune_runs(conn: sqlite3.Connection, keep: int, flow: str | None = None) -> list[str]:
    """Delete all but the newest ``keep`` finished runs of each flow (or of ``flow``), in
    one transaction; the ids of those that went.

    Newest by run number, not by ``started``: a clock set back stamps the newest run
    earlier than older ones. A live run is never deleted, nor counted against ``keep``.
    The run numbers stay allocated, so numbering goes on where it was.
    """
    with store_schema.write_transaction(conn):
        doomed = [
            run_id
            for (run_id,) in conn.execute(
                "SELECT run_id FROM (SELECT run_id, state, row_number() OVER "
                "(PARTITION BY flow ORDER BY number DESC, started DESC) AS place "
                "FROM runs WHERE state <> 'RUNNING' AND (? IS NULL OR flow = ?)) "
                "WHERE place > ?",
                (flow, flow, keep),
            )
        ]
        for table in RUN_TABLES:
            conn.executemany(f"DELETE FROM {table} WHERE run_id = ?", [(r,) for r in doomed])
    return doomed
