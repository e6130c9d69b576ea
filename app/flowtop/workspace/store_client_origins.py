"""Where a rerun's carried-over results were made, named in the events a store client
hands on: ``reused from run #1`` in place of the engine's ``reused from the source run``.

Apart from ``store_client``, which hands it each batch's reused steps (``Origins.named``).
The monitor named the run a rerun reruns (its source) where ``history --run`` and the
run page name the run whose attempt made the result (its origin, ``reuse_origin``): for
#3, a rerun of #2 which reused from #1, the monitor said #2 and the history #1. Each
rerun's origins are read once, as its first reused step is handed on: its source's
tasks, and up that run's chain of reruns while a task is not placed yet.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

from ..engine.events import REUSED_FROM_SOURCE, TaskStateChanged
from .history_records import HistoryError
from .log_decode import UNREADABLE
from .reuse_origin import from_source, origins
from .run_log import LogEvent, connect_reader
from .store_reader import StoreReader

#: The reruns whose origins are kept (the newest read): a rerun's reused steps come
#: together, at its start, or as a ``@flow`` body reaches each call.
KEPT = 8


class Origins:
    """The origins of the reruns' reused results handed on, read from the store ``db``."""

    def __init__(self, db: Path) -> None:
        self.db = db
        #: run id -> its reused tasks' words by key ({}: not a rerun, or not readable).
        self._read: dict[str, dict[str, str]] = {}

    def named(
        self, events: Sequence[LogEvent], hits: Sequence[tuple[int, TaskStateChanged]]
    ) -> Sequence[LogEvent]:
        """``events``, about to be handed on, ``hits`` the reused steps among them with
        their places: each carried over from its source naming where it was made (a copy
        of them, then; a cache hit names its entry already)."""
        named: list[LogEvent] | None = None
        for at, hit in hits:
            if hit.message != REUSED_FROM_SOURCE:
                continue
            said = self._of(hit.run_id).get(hit.task)
            if said is not None:
                named = list(events) if named is None else named
                named[at] = hit._replace(message=said)
        return events if named is None else named

    def _of(self, run_id: str) -> dict[str, str]:
        said = self._read.get(run_id)
        if said is None:
            said = self._read[run_id] = made_where(self.db, run_id)
            while len(self._read) > KEPT:
                del self._read[next(iter(self._read))]
        return said


def made_where(db: Path, run_id: str) -> dict[str, str]:
    """Where each task the run ``run_id`` may carry over from its source was made, as
    the run page says it (``reused from run #1``, ``reused from a pruned run``), by key;
    {} when it is no rerun, or its source cannot be read now."""
    reader = StoreReader(db)
    try:
        with closing(connect_reader(db)) as conn:
            row = conn.execute("SELECT rerun_of FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None or row[0] is None:
            return {}
        source = reader.run_detail(row[0])
        below = origins(source, reader.run_detail)
    except (KeyError, HistoryError, sqlite3.Error, OSError, *UNREADABLE):
        return {}
    made = f"reused from run #{source.run.number}"
    return {
        task.task: f"reused from {below[task.task].where}" if task.task in below else made
        for task in source.tasks
        if task.state == "COMPLETED" and (task.task in below or not from_source(task))
    }
