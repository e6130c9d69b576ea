"""The run store's tables, and the migrations that bring an older file up to date.

One versioned schema (``PRAGMA user_version``), migrated forward inside the opening
transaction. A file written by a newer flowtop is refused with a message saying so and
is never touched: an older flowtop must not rewrite what it does not understand.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from .history_records import HistoryError
from .run_log import columns

#: The version every store this flowtop opens is migrated to. The next migration is 14:
#: 13 is taken, a mark and no migration (``ENDED_ROWS_VERSION``).
SCHEMA_VERSION = 12
#: The newest version this flowtop reads: one whose files are marked so only once they
#: hold what an older flowtop cannot read (``ENDED_ROWS_VERSION``).
READS_UP_TO = 13

# task_runs and attempts are WITHOUT ROWID: one b-tree per row write instead of two.
_VERSION_1 = """
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
    owner TEXT NOT NULL DEFAULT ''
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

# Version 2: the history becomes the run store every flowtop process shares.
# - runs: who owns a live run (host, pid, boot id, process start) and its heartbeat,
#   the flow file it was started from, why it was interrupted;
# - run_numbers: numbers handed out in a write transaction, so never twice;
# - events: the append-only log any reader can tail from any id;
# - results: completed tasks' return values, pickled, for reruns in another process;
# - commands: cancel / retry now / give up, addressed to a run, applied by its owner.
_VERSION_2 = """
ALTER TABLE runs ADD COLUMN host TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN boot_id TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN proc_start TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN heartbeat REAL;
ALTER TABLE runs ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT '';
CREATE TABLE run_numbers (
    flow TEXT NOT NULL,
    number INTEGER NOT NULL,
    PRIMARY KEY (flow, number)
) WITHOUT ROWID;
INSERT OR IGNORE INTO run_numbers SELECT flow, number FROM runs;
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX events_run ON events(run_id, id);
CREATE TABLE results (
    run_id TEXT NOT NULL,
    task TEXT NOT NULL,
    data BLOB,
    reusable INTEGER NOT NULL,
    why TEXT NOT NULL DEFAULT '',
    fingerprint TEXT,
    PRIMARY KEY (run_id, task)
) WITHOUT ROWID;
CREATE TABLE commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    task TEXT,
    created REAL NOT NULL,
    taken REAL,
    outcome TEXT
);
CREATE INDEX commands_open ON commands(run_id, taken);
"""

# Version 3: what a @flow function raised, as JSON [type, message, traceback].
_VERSION_3 = """
ALTER TABLE runs ADD COLUMN error TEXT;
"""

# Version 4: a subflow's run names the run whose flow function called it.
_VERSION_4 = """
ALTER TABLE runs ADD COLUMN parent TEXT;
"""

# Version 5: each event is written once, to the log. A run's tasks and attempts are no
# longer written as rows while it runs: readers fold them from its log (``log_fold``);
# ``task_runs`` and ``attempts`` keep the runs recorded before, which read as they were.
# A step's time and duration move out of its body into REAL columns (bodies tagged
# ``p``; older ``s`` bodies still read, with these columns NULL). A new run's plan is
# in its ``run_started`` event only (``runs.plan`` stays ``[]``). (flowtop 1818dd5
# released this version without the columns: version 10 adds them to such a file.)
_VERSION_5 = """
ALTER TABLE events ADD COLUMN ts REAL;
ALTER TABLE events ADD COLUMN duration REAL;
"""

# Version 6: a @flow run's arguments by parameter name, as a JSON object (also in its
# ``run_started`` event), so a rerun in another process calls the function the same way.
_VERSION_6 = """
ALTER TABLE runs ADD COLUMN parameters TEXT;
"""

# Version 7: completed tasks' results a batch at a time, one row for all the results one
# delivery of events completed (one pickle, or a pickle per result: ``results.ResultKeeper``):
# a row and a pickle per task made the store cost a 50,000-task run about a third more. ``tasks`` names what
# is inside (a JSON list), so a batch that cannot be read back says which tasks it held.
# ``results`` keeps what went one by one: a batch over the cap or that pickle refused.
_VERSION_7 = """
CREATE TABLE result_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    tasks TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX result_batches_run ON result_batches(run_id, id);
"""

# Version 8: the consecutive steps of a run that one write takes are one log row, tagged
# ``q``: ``["q", step, step, …]`` (each step a ``p`` body), their times and durations
# packed as 8-byte floats in the row's ``ts`` and ``duration`` (``history_fold.batch_row``).
# A row per step, and its entry in the ``events_run`` index, cost a 50,000-task run
# process about a tenth of its time. No table changes (older rows still read); the version
# keeps an older flowtop, which cannot read such rows, from opening the file.
_VERSION_8 = ""

# Version 9: the log also holds ``task_output`` rows, what a running attempt printed
# while it ran (``engine.live_output``), for other processes' monitors to show. No table
# changes; the version keeps an older flowtop, which cannot read such rows, out.
_VERSION_9 = ""

# Version 10: no table changes; the columns any table lacks are added (``_add_missing``).
# flowtop 1818dd5 released version 5 as "no table changes", and the next commit added
# ``events.ts`` and ``duration`` to that version's script: a file it had taken to version 5
# went to 9 without them, and no run could be recorded in it again (``table events has no
# column named ts``). Such a file, marked 9, is mended here; the ones marked 5 to 8 too.
_VERSION_10 = ""

# Version 11: a failed step's message is kept once: where its traceback ends with it (as
# a Python traceback's last line does), the body holds the message's length in its place,
# ``[type, length, traceback]`` (``run_log.stored_message``); a 2 KB message made each failed
# step 2 KB bigger. No table changes (older rows still read); the version keeps an older
# flowtop, which would read the length as the message, out.
_VERSION_11 = ""

# Version 12: how far the wall clock of a run's writer stood ahead of its machine's boot
# clock, as JSON ``[[since, offset], …]`` (``boot_clock``): a reader on the same machine
# and boot puts event times logged before a step of the wall clock on the clock it reads
# now. NULL for a run recorded before (its times read as they were written).
_VERSION_12 = """
ALTER TABLE runs ADD COLUMN clock TEXT;
"""

# Version 13: a ``run_interrupted`` row may hold a seventh field, the state the run ended
# in, for a run whose process ended it while the store missed that end (a full disk,
# ``end_marks``). A flowtop that reads up to version 12 took such a row for damage
# (``run_interrupted with 7 fields, at most 6``), then said the run's end could not be read.
# No table changes, and no migration to it: a file is marked 13 by the write that puts
# such a row in it (``mark_ended_rows``), so an older flowtop still reads every store but
# one holding that rare row, which it refuses as a newer flowtop's, saying so and changing
# nothing. Decoders that accept extra trailing fields would help no older flowtop: its
# decoder is the one that refuses them.
ENDED_ROWS_VERSION = 13

# No version: the indexes every store opened for writing is given, whatever its version
# (``migrate``). An index changes nothing an older flowtop reads or writes (SQLite keeps
# it up to date for any writer), so it takes no version, which would lock that flowtop
# out of the file for nothing. ``runs_parent``: a run's subflow runs, read by their
# ``parent`` (``subflow_runs``, ``watch``, rerun plans, pruning), scanned every run for
# each; only the subflow runs are in it (a top-level run's ``parent`` is NULL).
INDEXES = """
CREATE INDEX IF NOT EXISTS runs_parent ON runs(parent) WHERE parent IS NOT NULL;
"""
#: No version either: columns an older flowtop neither reads nor writes (it names the
#: columns it uses), added by ``migrate`` to a store opened for writing that lacks them.
#: ``runs.stage``: what a live run's process waits on now, in words (connecting to a Dask
#: scheduler, a Dask worker to join: ``workspace/run_stage``); NULL or '' for nothing;
#: ``runs.stage_at``: when its process said it (epoch seconds), so a watch dates it so.
LATE_COLUMNS = (("runs", "stage", "TEXT"), ("runs", "stage_at", "REAL"))

#: Script that takes a file from version ``n - 1`` to ``n``, by ``n``.
MIGRATIONS = {
    1: _VERSION_1,
    2: _VERSION_2,
    3: _VERSION_3,
    4: _VERSION_4,
    5: _VERSION_5,
    6: _VERSION_6,
    7: _VERSION_7,
    8: _VERSION_8,
    9: _VERSION_9,
    10: _VERSION_10,
    11: _VERSION_11,
    12: _VERSION_12,
}


def check_version(conn: sqlite3.Connection, path: Path) -> int:
    """The file's schema version; refuses a newer one (fails on a non-SQLite file)."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version < 0:  # (set by hand: flowtop never writes one)
        raise HistoryError(
            f"{path}: not a flowtop run store (schema version {version}); move it away "
            "and flowtop starts a new one"
        )
    if version > READS_UP_TO:
        raise HistoryError(
            f"{path}: run store schema version {version} was written by a newer flowtop; "
            f"this one reads up to version {READS_UP_TO}. Upgrade flowtop, or move the "
            "file away (nothing was changed)."
        )
    return version


def mark_ended_rows(conn: sqlite3.Connection) -> None:
    """Mark the file ``ENDED_ROWS_VERSION`` (in the caller's write transaction, with the
    ``run_interrupted`` row that holds the state its run ended in): a flowtop reading up
    to version 12 then refuses it, saying a newer flowtop wrote it, rather than read that
    row as damage. A file marked so already is left as it is."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version < ENDED_ROWS_VERSION:
        conn.execute(f"PRAGMA user_version = {ENDED_ROWS_VERSION}")


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the file to ``SCHEMA_VERSION``, inside the caller's write transaction, and
    give it the ``INDEXES`` it lacks (a file marked ``ENDED_ROWS_VERSION`` too)."""
    version = check_version(conn, path)
    if version == 0:
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()
        if tables[0]:
            raise HistoryError(
                f"{path}: not a flowtop run store (tables but no schema version); "
                "move it away and flowtop starts a new one"
            )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[target].split(";"):
            if statement.strip() and not _added_already(conn, statement):
                conn.execute(statement)
        if target == MENDED_AT:
            _add_missing(conn, target - 1)
    if version < SCHEMA_VERSION:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    for statement in INDEXES.split(";"):
        if statement.strip():
            conn.execute(statement)
    for table, name, kind in LATE_COLUMNS:
        if name not in columns(conn, table):
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


_ADD_COLUMN = re.compile(r"\s*ALTER TABLE (\w+) ADD COLUMN (\w+)", re.IGNORECASE)
_CREATE = re.compile(r"\s*CREATE (TABLE|INDEX) (\w+)", re.IGNORECASE)


def _added_already(conn: sqlite3.Connection, statement: str) -> bool:
    """Whether ``statement`` adds a column, a table or an index the file has: one marked
    with an older version than it has been migrated to (by hand, a backup's marker) is
    migrated again, and SQLite refuses a column or a table added twice ("duplicate column
    name", "table result_batches already exists": said as the file system's fault)."""
    adding = _ADD_COLUMN.match(statement)
    if adding is not None:
        return adding[2] in columns(conn, adding[1])
    creating = _CREATE.match(statement)
    return creating is not None and bool(
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?",
            (creating[1].lower(), creating[2]),
        ).fetchone()
    )


#: The version whose migration adds what an older file lacks (``_add_missing``).
MENDED_AT = 10


def _add_missing(conn: sqlite3.Connection, version: int) -> None:
    """Add each column that the scripts up to ``version`` make and the file lacks (looked
    up with ``PRAGMA table_info``: a column already there is left alone), as its script
    declares it."""
    with closing(sqlite3.connect(":memory:")) as made:
        for step in range(1, version + 1):
            made.executescript(MIGRATIONS[step])
        tables = made.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        wanted = {name: made.execute(f"PRAGMA table_info({name})").fetchall() for (name,) in tables}
    for table, made_columns in wanted.items():
        present = columns(conn, table)
        for _, name, kind, not_null, default, _ in made_columns:
            if present and name not in present:  # a missing table is not this step's to make
                declared = f"{name} {kind}{' NOT NULL' if not_null else ''}"
                conn.execute(
                    f"ALTER TABLE {table} ADD COLUMN {declared}"
                    + ("" if default is None else f" DEFAULT {default}")
                )


#: Longest a process waits for others creating the same file at the same time (seconds).
WAL_WAIT = 10.0


def enable_wal(conn: sqlite3.Connection, wait: float = WAL_WAIT) -> str:
    """``PRAGMA journal_mode=WAL``; the mode it leaves (``wal``, or what the file system
    allows). Several processes opening a new file at once (two ``flowtop run`` from cron,
    a run's worker processes) each try to turn WAL on, and SQLite refuses all but one at
    once, without the busy wait (``database is locked``): tried again for ``wait`` s."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]).lower()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back if anything (a Ctrl+C too) stops it.

    The exception that stopped it is the one raised. One that lands after ``COMMIT``
    leaves nothing to roll back, and a ``ROLLBACK`` then raises "no transaction is active"
    in its place: a Ctrl+C at the start of ``flowtop run`` (while its run number was
    allocated) was lost that way, and the run went on.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
