"""The commands queued for a reserved run that ends before it starts.

A run launched by the TUI, a browser tab or ``--detach`` is RUNNING in the store while
its process imports the flow file, and ``flowtop cancel`` of it is queued meanwhile, to
be taken as the run starts (``OwnerAgent.before_begin``): the user is told the run will
end running no task. A run that then does not start at all (its import timed out or
raised, its flow is not in the file) ended FAILED with the cancel still queued, as if
nobody had asked: the cancel came first and was acknowledged, so it wins. The process
ending such a run claims the cancels waiting for it (``claim_cancels``), ends it
CANCELLED when there were any, and answers every command left for it (``answer``), so
that a ``flowtop cancel`` waiting on one hears what became of it.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

from . import store_schema
from .history_records import HistoryError
from .reaper import connect

log = logging.getLogger("flowtop.store")

#: What a claimed cancel's ``flowtop cancel`` hears once the run has ended cancelled.
APPLIED = "applied"


def claim_cancels(db: Path, run_id: str) -> list[int]:
    """The ids of the cancels queued for ``run_id`` and not taken, claimed: marked taken,
    their outcome left to ``answer``, so the owner agent of this process (one may poll by
    now) does not answer them "nothing to do" first. [] when there are none, or the store
    cannot be read or written: the run then ends as it would have."""
    try:
        with closing(connect(db, create=False)) as conn, store_schema.write_transaction(conn):
            claimed = [
                command_id
                for (command_id,) in conn.execute(
                    "SELECT id FROM commands WHERE run_id = ? AND kind = 'cancel' "
                    "AND taken IS NULL ORDER BY id",
                    (run_id,),
                )
            ]
            conn.executemany(
                "UPDATE commands SET taken = ? WHERE id = ?",
                [(time.time(), command_id) for command_id in claimed],
            )
            return claimed
    except (sqlite3.Error, HistoryError, OSError) as exc:
        log.warning("%s: the commands queued for run %s could not be read: %s", db, run_id, exc)
        return []


def answer(db: Path, run_id: str, claimed: Sequence[int], ended: str) -> None:
    """Once run ``run_id`` has ended before it started: its ``claimed`` cancels applied,
    and any command queued for it since (a cancel after the claim, a retry now) ignored,
    saying ``ended`` (why there was nothing to do). Best effort: a command left queued
    only makes its ``flowtop cancel`` say it was not taken."""
    now = time.time()
    try:
        with closing(connect(db, create=False)) as conn, store_schema.write_transaction(conn):
            conn.executemany(
                "UPDATE commands SET outcome = ? WHERE id = ?",
                [(APPLIED, command_id) for command_id in claimed],
            )
            conn.execute(
                "UPDATE commands SET taken = ?, outcome = ? WHERE run_id = ? AND taken IS NULL",
                (now, f"ignored: {ended}", run_id),
            )
    except (sqlite3.Error, HistoryError, OSError) as exc:
        log.warning("%s: the commands queued for run %s were not answered: %s", db, run_id, exc)
