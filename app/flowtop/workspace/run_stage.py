"""What a live run's process waits on now, recorded in the run store (``runs.stage``).

A run process can wait on something that is neither its flow file nor its tasks: it
connects to a Dask scheduler given by address (up to ``dask_connect.CONNECT_TIMEOUT``)
after the import, and its attempts can wait on a scheduler with no worker for as long as
none joins. Every client read such a run as importing its flow file, or as running with
no word. The process writes the words here as such a wait begins ("" as it ends), and
readers show them while the run is RUNNING (``run_stages``): the monitor's
header, ``flowtop watch`` and ``flowtop history``.

The writes are made on a thread of their own, in order, the last words winning: the
Dask collector thread that notices a worker missing reports every attempt's end, and a
store held by another process makes a write wait up to its busy timeout.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from pathlib import Path

from .history_records import HistoryError
from .reaper import connect

log = logging.getLogger("flowtop.history")

_WRITE = "UPDATE runs SET stage = ?, stage_at = ? WHERE run_id = ? AND state = 'RUNNING'"
#: ``_WRITE`` in a store older than ``stage_at`` (opened by a flowtop of 38c90d98).
_WRITE_UNDATED = "UPDATE runs SET stage = ? WHERE run_id = ? AND state = 'RUNNING'"
#: The live runs whose process said what it waits on, by ``runs_state``.
_STAGES = "SELECT run_id, stage FROM runs WHERE state = 'RUNNING' AND stage != ''"


def run_stages(conn: sqlite3.Connection) -> dict[str, str]:
    """What each live run's process waits on now, by run id, for the runs that said
    (connecting to a Dask scheduler, a Dask worker to join); none in a store older than
    the column (read-only: nobody could add it)."""
    try:
        rows = conn.execute(_STAGES).fetchall()
    except sqlite3.OperationalError:  # no such column
        return {}
    return {
        run_id: stage
        for run_id, stage in rows
        if isinstance(run_id, str) and isinstance(stage, str)
    }


def start_logged(conn: sqlite3.Connection, run_id: str) -> bool:
    """Whether run ``run_id`` has logged anything, its start first: one with only its
    reservation (``run_start.Reservation``) has a process still importing its flow file,
    or past it, connecting (its stage)."""
    found = conn.execute("SELECT 1 FROM events WHERE run_id = ? LIMIT 1", (run_id,))
    return found.fetchone() is not None


def stages_in(db: Path) -> dict[str, str]:
    """``run_stages`` of the store at ``db``; none when it cannot be read now."""
    from .run_log import connect_reader

    try:
        with closing(connect_reader(db)) as conn:
            return run_stages(conn)
    except (sqlite3.Error, HistoryError, OSError):
        return {}


def stage_and_time(db: Path, run_id: str) -> tuple[str, float | None]:
    """What live run ``run_id``'s process said it waits on ("" for nothing, or unknown)
    and when it said it (None: not known, a store older than ``stage_at``): ``flowtop
    watch`` dated the words by when it read them, after later lines."""
    from .run_log import connect_reader

    query = "SELECT stage, stage_at FROM runs WHERE run_id = ? AND state = 'RUNNING'"
    try:
        with closing(connect_reader(db)) as conn:
            row = conn.execute(query, (run_id,)).fetchone()
    except sqlite3.OperationalError:  # no stage_at: the stage alone
        return stages_in(db).get(run_id, ""), None
    except (sqlite3.Error, HistoryError, OSError):
        return "", None
    stage, at = row if row is not None else ("", None)
    return (stage if isinstance(stage, str) else ""), (at if isinstance(at, float) else None)


def record_stage(db: Path, run_ids: Iterable[str], words: str, at: float | None = None) -> None:
    """Record ``words`` as what the live runs ``run_ids`` wait on ("" for nothing), said
    at ``at`` (now by default); a store that cannot take it now (locked, read-only, older
    than the column) is left as it is: the words are a hint, never worth failing a run for."""
    at = time.time() if at is None else at
    ids = list(run_ids)
    if not ids:
        return
    try:
        with closing(connect(db, create=False)) as conn:
            try:
                conn.executemany(_WRITE, [(words, at, run_id) for run_id in ids])
            except sqlite3.OperationalError:  # no stage_at: undated, as before it
                conn.executemany(_WRITE_UNDATED, [(words, run_id) for run_id in ids])
    except (sqlite3.Error, HistoryError, OSError) as exc:
        log.debug("%s: the runs' stage could not be recorded: %s", db, exc)


class StageWriter:
    """``record_stage`` off the caller's thread, the runs named at each write by
    ``run_ids`` (the reserved run before its start, the process's live runs after)."""

    def __init__(self, db: Path, run_ids: Callable[[], Iterable[str]]) -> None:
        self.db = db
        self.run_ids = run_ids
        self._lock = threading.Condition()
        self._due: list[tuple[tuple[str, ...], str, float]] = []  # (when said: ``stage_at``)
        self._unwritten = 0  # asked for and not written yet
        self._thread: threading.Thread | None = None

    def __call__(self, words: str) -> None:
        """Record ``words`` for the runs live now, on the writer's thread."""
        try:
            ids = tuple(self.run_ids())
        except Exception:  # noqa: BLE001 - a hint: a run list that cannot be read is no failure
            return
        with self._lock:
            self._due.append((ids, words, time.time()))
            self._unwritten += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._write_loop, name="flowtop-run-stage", daemon=True
                )
                self._thread.start()
            self._lock.notify()

    def _write_loop(self) -> None:
        """Writes while any is due, then ends (the next write starts another): a thread
        left waiting for good outlived its command's runs (a monitor quit left it)."""
        while True:
            with self._lock:
                if not self._due:
                    self._thread = None
                    return
                due, self._due = self._due, []
            for ids, words, at in due:
                record_stage(self.db, ids, words, at)
                with self._lock:
                    self._unwritten -= 1
                    self._lock.notify_all()

    def wait(self, timeout: float) -> bool:
        """Whether every write asked for so far was made within ``timeout`` seconds."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._unwritten, timeout)
