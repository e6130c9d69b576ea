"""Run history in SQLite: what ran, how each attempt ended, and what a crash left behind.

The store is an event sink, so the engine never waits for the disk: the sink only hands
events to the store's writer thread, which commits at most every ``WRITE_INTERVAL``
(and as soon as a run finishes). Each commit stages the events and lets SQLite fold
them into rows, in one transaction (``history_fold``: SQLite runs that SQL without the
GIL the engine's workers need, where a Python fold slowed them). WAL with
``synchronous=NORMAL`` keeps every committed write through a SIGKILL, and a run whose
process died is marked INTERRUPTED by the next process that opens the file. Readers (the
TUI, ``flowtop history``) use their own short-lived connections, which WAL lets read
while the writer writes.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import socket
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from ..engine.events import BatchItem, RunFinished, count_events
from ..engine.states import StateType
from . import history_fold
from .history_records import (  # noqa: F401 - re-exported: the store's public records
    AttemptRecord,
    HistoryError,
    RunDetail,
    RunRecord,
    TaskRecord,
    _run_record,
)

log = logging.getLogger("flowtop.history")

SCHEMA_VERSION = 2
#: What brings a database of version N - 1 to version N (run inside the opening transaction).
_MIGRATIONS = {
    # Version 2: what a @flow function raised, as JSON [type, message, traceback].
    2: ("ALTER TABLE runs ADD COLUMN error TEXT",),
}

#: Not an engine state: the run (or task, or attempt) was live when its process died.
INTERRUPTED = "INTERRUPTED"

#: Events kept while the database cannot be written (locked, disk full) before they
#: are dropped with an error: memory stays bounded however long the outage.
MAX_WAITING_EVENTS = 1_000_000

#: The writer commits what the sink handed over at most this long after it arrived
#: (at once when a run finishes). A SIGKILL loses at most this much of the record, plus
#: ``SINK_WINDOW``; in exchange a short burst of events is written after the run rather
#: than during it, where its GIL time would slow the engine.
WRITE_INTERVAL = 0.5
#: The bus hands the sink its events this often during a burst: the writer batches for
#: longer anyway, and each wake-up of a thread costs the engine's workers GIL time.
SINK_WINDOW = 0.25
#: This many events waiting wake the writer at once, bounding memory in a storm.
WRITE_AT = 20_000
#: How long a write waits for another process's lock before it counts as failed.
BUSY_TIMEOUT_MS = 5000
#: Longest a run-finishing batch waits for its commit (a locked file may hold it up).
FINISH_WAIT = 30.0
#: While runs are live, checkpoint the WAL after this many written events (else when idle).
CHECKPOINT_EVENTS = 50_000
#: After a failed write (locked, disk full), the kept events are retried this often.
RETRY_INTERVAL = 1.0

_RUNNING = StateType.RUNNING
_FINAL = tuple(s.value for s in StateType if s.is_final)

# task_runs and attempts are WITHOUT ROWID: one b-tree per row write instead of two.
_SCHEMA = """
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    flow TEXT NOT NULL,
    number INTEGER NOT NULL,
    state TEXT NOT NULL,
    started REAL NOT NULL,
    finished REAL,
    duration REAL,
    rerun_of TEXT,
    counts TEXT,
    tasks INTEGER NOT NULL DEFAULT 0,
    plan TEXT NOT NULL DEFAULT '[]',
    owner TEXT NOT NULL DEFAULT '',
    error TEXT
);
CREATE INDEX runs_flow_number ON runs(flow, number);
CREATE INDEX runs_started ON runs(started);
CREATE INDEX runs_state ON runs(state);
CREATE TABLE task_runs (
    run_id TEXT NOT NULL,
    task TEXT NOT NULL,
    position INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 1,
    policy TEXT NOT NULL DEFAULT '',
    result TEXT,
    reused INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    error_type TEXT,
    error_message TEXT,
    started REAL,
    duration REAL,
    updated REAL,
    PRIMARY KEY (run_id, task)
) WITHOUT ROWID;
CREATE TABLE attempts (
    run_id TEXT NOT NULL,
    task TEXT NOT NULL,
    number INTEGER NOT NULL,
    state TEXT NOT NULL,
    started REAL,
    duration REAL,
    result TEXT,
    error_type TEXT,
    error_message TEXT,
    traceback TEXT,
    output TEXT NOT NULL DEFAULT '',
    retry_in REAL,
    delay_explained TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, task, number)
) WITHOUT ROWID;
"""


_HOST = socket.gethostname()
_LIVE_OWNERS: set[str] = set()
_LIVE_LOCK = threading.Lock()


def _owner_alive(owner: str) -> bool:
    host, _, rest = owner.partition(":")
    pid_text, _, token = rest.partition(":")
    if host != _HOST or not pid_text.isdigit():
        return host != _HOST  # another machine's process cannot be checked: leave it alone
    pid = int(pid_text)
    if pid == os.getpid():
        with _LIVE_LOCK:
            return owner in _LIVE_OWNERS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    except OSError:
        return False
    return True


def _connect(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path,
        isolation_level=None,
        check_same_thread=check_same_thread,
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
    return conn


class History:
    """The run history of one workspace: an event sink on the way in, records on the way out."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.owner = f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._write_lock = threading.Lock()
        self._number_lock = threading.Lock()
        self._handed: dict[str, int] = {}
        self._live: set[str] = set()  # runs started and not finished, as of the last commit
        # Events taken from the sink and not yet committed; kept through a failed write.
        self._pending: list[BatchItem] = []
        self._failures = 0
        self._unchecked = 0  # events committed since the last checkpoint
        self._closed = False
        # Hand-over from the sink to the writer thread.
        self._cond = threading.Condition()
        self._buffer: list[BatchItem] = []
        self._buffered = 0  # events in _buffer (a PackedSteps holds many)
        self._first_at = 0.0
        self._received = 0
        self._written = 0
        self._passes = 0
        self._wake = False
        self._stop = False
        self._retry = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(
                f"{self.path.parent}: cannot create the history folder: {exc}"
            ) from exc
        try:
            self._conn = _connect(self.path, check_same_thread=False)
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: cannot open the history database: {exc}") from exc
        try:
            self._setup()
            history_fold.prepare(self._conn)
            self._numbers = _connect(self.path, check_same_thread=False)
        except HistoryError:
            self._conn.close()
            raise
        except sqlite3.Error as exc:
            self._conn.close()
            raise HistoryError(f"{self.path}: cannot use the history database: {exc}") from exc
        with _LIVE_LOCK:
            _LIVE_OWNERS.add(self.owner)
        self._writer = threading.Thread(
            target=self._write_loop, name="flowtop-history", daemon=True
        )
        self._writer.start()
        self._atexit = lambda ref=weakref.ref(self): _close_at_exit(ref)
        atexit.register(self._atexit)

    # -- opening --------------------------------------------------------------------
    def _setup(self) -> None:
        conn = self._conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # fails on a non-SQLite file
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path}: history schema version {version} was written by a newer flowtop; "
                f"this one reads up to version {SCHEMA_VERSION}. Upgrade flowtop, or move the file away."
            )
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning(
                "%s: WAL mode unavailable (journal_mode=%s); history still works, slower",
                self.path,
                mode,
            )
        conn.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints (which fsync) run when the writer is idle, not inside a commit.
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                tables = conn.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type='table'"
                ).fetchone()[0]
                if tables:
                    raise HistoryError(
                        f"{self.path}: not a flowtop history database (tables but no schema version)"
                    )
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif version < SCHEMA_VERSION:
                for step in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in _MIGRATIONS[step]:
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            rows = conn.execute(
                "SELECT run_id, owner FROM runs WHERE state = ?", (_RUNNING.value,)
            ).fetchall()
            self._interrupt(conn, [run_id for run_id, owner in rows if not _owner_alive(owner)])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _interrupt(self, conn: sqlite3.Connection, run_ids: list[str]) -> None:
        """Mark runs, their unfinished tasks and running attempts INTERRUPTED (in the caller's transaction)."""
        marks = ",".join("?" * len(_FINAL))
        why = "its process stopped before the run ended"
        for run_id in run_ids:
            started, plan = conn.execute(
                "SELECT started, plan FROM runs WHERE run_id = ?", (run_id,)
            ).fetchone()
            conn.executemany(
                "INSERT OR IGNORE INTO task_runs(run_id, task, position, state, max_attempts, policy, message) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (run_id, key, i, INTERRUPTED, limit, policy, why)
                    for i, (key, limit, policy) in enumerate(json.loads(plan))
                ],
            )
            conn.execute(
                f"UPDATE task_runs SET state = ?, message = ? WHERE run_id = ? AND state NOT IN ({marks})",
                (INTERRUPTED, why, run_id, *_FINAL),
            )
            conn.execute(
                "UPDATE attempts SET state = ? WHERE run_id = ? AND state = ?",
                (INTERRUPTED, run_id, _RUNNING.value),
            )
            counts = dict(
                conn.execute(
                    "SELECT state, count(*) FROM task_runs WHERE run_id = ? GROUP BY state",
                    (run_id,),
                )
            )
            last = conn.execute(
                "SELECT max(updated) FROM task_runs WHERE run_id = ?", (run_id,)
            ).fetchone()[0]
            finished = max(last or started, started)
            conn.execute(
                "UPDATE runs SET state = ?, counts = ?, finished = ?, duration = ? WHERE run_id = ?",
                (
                    INTERRUPTED,
                    json.dumps(counts, sort_keys=True),
                    finished,
                    finished - started,
                    run_id,
                ),
            )
        if run_ids:
            log.info(
                "%s: marked %d run(s) left running by a stopped process as interrupted",
                self.path,
                len(run_ids),
            )

    # -- numbering ------------------------------------------------------------------
    def next_number(self, flow: str) -> int:
        """The next run number of ``flow``, continuing the numbering kept in the file.

        Numbers handed out here count too, since their runs may not be written yet.
        """
        with self._number_lock:
            try:
                row = self._numbers.execute(
                    "SELECT max(number) FROM runs WHERE flow = ?", (flow,)
                ).fetchone()
                stored = row[0] or 0
            except sqlite3.Error as exc:
                log.warning(
                    "%s: cannot read run numbers (%s); numbering from this session only",
                    self.path,
                    exc,
                )
                stored = 0
            number = max(stored, self._handed.get(flow, 0)) + 1
            self._handed[flow] = number
            return number

    # -- writing (the event sink) ---------------------------------------------------
    def sink(self, events: list[BatchItem]) -> None:
        """Hand a batch of engine events to the writer thread. Never raises.

        A batch that finishes a run waits until the writer has committed it (the bus
        runs this sink on its own thread, so the engine does not wait), which makes
        ``runner.bus.flush()`` after ``run.result()`` mean "the history has the run".
        """
        if not events:
            return
        finished = any(type(e) is RunFinished for e in events)
        with self._cond:
            if self._stop:
                return
            if not self._buffer:
                self._first_at = time.monotonic()
                self._cond.notify()
            count = count_events(events)
            self._buffer.extend(events)
            self._buffered += count
            self._received += count
            if finished or self._buffered >= WRITE_AT:
                self._wake = True
                self._cond.notify()
            if finished:
                target = self._received
                self._cond.wait_for(
                    lambda: self._written >= target or self._stop or not self._writer.is_alive(),
                    FINISH_WAIT,
                )

    # Read by EventBus: a long window, and steps handed over as fields, not event objects.
    sink.batch_window = SINK_WINDOW  # type: ignore[attr-defined]
    sink.packed_steps = True  # type: ignore[attr-defined]
    __call__ = sink

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Write everything handed over so far (retrying events a failed write kept).

        False when that did not happen within ``timeout`` or the write failed again.
        """
        with self._cond:
            target, passes = self._received, self._passes
            self._wake = True
            self._cond.notify()
            done = self._cond.wait_for(
                lambda: (
                    (self._written >= target and self._passes > passes)
                    or not self._writer.is_alive()
                ),
                timeout,
            )
            return done and not self._retry

    @property
    def failures(self) -> int:
        """How many writes failed (a status line can show it)."""
        return self._failures

    def _write_loop(self) -> None:
        cond = self._cond
        while True:
            with cond:
                while not (self._wake or self._stop):
                    if self._buffer or self._retry:
                        due = self._first_at + (WRITE_INTERVAL if self._buffer else RETRY_INTERVAL)
                        left = due - time.monotonic()
                        if left <= 0:
                            break
                        cond.wait(left)
                    else:
                        cond.wait()
                events, self._buffer, self._buffered = self._buffer, [], 0
                self._wake = False
                self._first_at = time.monotonic()
                taken = self._received
                stop = self._stop
            with self._write_lock:
                self._pending.extend(events)
                self._retry = not self._commit()
            with cond:
                self._written = taken
                self._passes += 1
                cond.notify_all()
                if stop and not self._buffer:
                    return
            if self._unchecked and (not self._live or self._unchecked >= CHECKPOINT_EVENTS):
                self._checkpoint()

    def _commit(self) -> bool:
        """Apply every pending event in one transaction; on failure keep them for the next try."""
        if not self._pending:
            return True
        conn = self._conn
        try:
            conn.execute("BEGIN")
            live = history_fold.apply(conn, self._pending, self.owner)
            conn.execute("COMMIT")
        except Exception as exc:  # noqa: BLE001 - locked, disk full, I/O error, or a bug: never raise
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            self._failures += 1
            waiting = count_events(self._pending)
            if isinstance(exc, sqlite3.OperationalError) and waiting <= MAX_WAITING_EVENTS:
                log.warning(
                    "%s: history write failed (%s); %d events kept for the next try",
                    self.path,
                    exc,
                    waiting,
                )
                return False
            log.error(
                "%s: history write failed (%s: %s); %d events dropped",
                self.path,
                type(exc).__name__,
                exc,
                waiting,
            )
            live = self._live
        self._unchecked += count_events(self._pending)
        self._pending = []
        self._live = live
        return True

    def _checkpoint(self) -> None:
        """Copy the WAL into the database file, so the WAL stays small."""
        with self._write_lock:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                self._unchecked = 0
            except sqlite3.Error as exc:
                log.warning("%s: WAL checkpoint failed: %s", self.path, exc)

    # -- reading --------------------------------------------------------------------
    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        """A connection for the calling thread only, so reads never wait on the sink's lock."""
        with closing(_connect(self.path)) as conn:
            conn.execute("PRAGMA query_only = 1")
            yield conn

    _RUNS = (
        "SELECT r.run_id, r.flow, r.number, r.state, r.started, r.finished, r.duration, r.rerun_of, "
        "src.number, r.counts, r.tasks, r.error FROM runs r LEFT JOIN runs src ON src.run_id = r.rerun_of"
    )

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        """Runs, newest first."""
        query, params = self._RUNS, []
        if flow is not None:
            query += " WHERE r.flow = ?"
            params.append(flow)
        query += " ORDER BY r.started DESC, r.number DESC"
        if limit is not None:
            query += " LIMIT ?"
            params.append(int(limit))
        with self._reader() as conn:
            return [_run_record(row) for row in conn.execute(query, params)]

    def find_run(self, flow: str, number: int) -> RunRecord | None:
        """Run #``number`` of ``flow`` (the newest, should two processes ever give out one number twice)."""
        with self._reader() as conn:
            row = conn.execute(
                f"{self._RUNS} WHERE r.flow = ? AND r.number = ? ORDER BY r.started DESC LIMIT 1",
                (flow, number),
            ).fetchone()
        return None if row is None else _run_record(row)

    def runs_numbered(self, number: int) -> list[RunRecord]:
        """Every flow's run #``number`` (``flowtop history --run N`` without ``--flow``)."""
        with self._reader() as conn:
            rows = conn.execute(
                f"{self._RUNS} WHERE r.number = ? ORDER BY r.flow, r.started DESC", (number,)
            ).fetchall()
        return [_run_record(row) for row in rows]

    def run_detail(self, run_id: str) -> RunDetail:
        """One run with its tasks in flow order (PENDING for those not started) and every attempt."""
        with self._reader() as conn:
            row = conn.execute(f"{self._RUNS} WHERE r.run_id = ?", (run_id,)).fetchone()
            if row is None:
                raise KeyError(f"no run with id {run_id!r} in {self.path}")
            plan = json.loads(
                conn.execute("SELECT plan FROM runs WHERE run_id = ?", (run_id,)).fetchone()[0]
            )
            attempts: dict[str, list[AttemptRecord]] = {}
            for a in conn.execute(
                "SELECT task, number, state, started, duration, result, error_type, error_message, traceback, "
                "output, retry_in, delay_explained FROM attempts WHERE run_id = ? ORDER BY task, number",
                (run_id,),
            ):
                attempts.setdefault(a[0], []).append(AttemptRecord(*a[1:]))
            stored = {
                t[0]: TaskRecord(*t[:6], bool(t[6]), *t[7:], tuple(attempts.get(t[0], ())))
                for t in conn.execute(
                    "SELECT task, state, attempts, max_attempts, policy, result, reused, message, error_type, "
                    "error_message, started, duration, updated FROM task_runs WHERE run_id = ? ORDER BY position",
                    (run_id,),
                )
            }
        tasks = [
            stored.pop(key, None)
            or TaskRecord(
                key,
                StateType.PENDING.value,
                0,
                limit,
                policy,
                None,
                False,
                "",
                None,
                None,
                None,
                None,
                None,
            )
            for key, limit, policy in plan
        ]
        return RunDetail(_run_record(row), (*tasks, *stored.values()))

    # -- closing --------------------------------------------------------------------
    def close(self) -> None:
        """Write what is still pending, mark this process's unfinished runs, release the file."""
        with self._cond:
            if self._stop:
                return
            self._stop = True
            self._cond.notify_all()
        self._writer.join(30.0)
        atexit.unregister(self._atexit)
        with self._write_lock:
            if self._buffer:  # the writer could not finish (stuck on a locked file)
                events, self._buffer, self._buffered = self._buffer, [], 0
                self._pending.extend(events)
            self._commit()
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                rows = self._conn.execute(
                    "SELECT run_id FROM runs WHERE state = ? AND owner = ?",
                    (_RUNNING.value, self.owner),
                ).fetchall()
                self._interrupt(self._conn, [run_id for (run_id,) in rows])
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                log.warning("%s: could not mark unfinished runs at close: %s", self.path, exc)
            self._closed = True
            self._conn.close()
        with self._number_lock:
            self._numbers.close()
        with _LIVE_LOCK:
            _LIVE_OWNERS.discard(self.owner)

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<History {self.path}>"


def _close_at_exit(ref: weakref.ReferenceType[History]) -> None:
    history = ref()
    if history is not None:
        try:
            history.close()
        except Exception:  # noqa: BLE001 - nothing may fail at interpreter exit
            log.exception("closing the history at exit failed")
