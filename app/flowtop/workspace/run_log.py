"""The store's event log: how events are written as rows, and how readers tail them.

Every flowtop process that shows runs (the TUI, ``flowtop watch``, a browser tab) is a
client of the store: it reads the log from an id onwards and folds the events into its
own view, exactly as it would fold the events of a run in its own process. So the log
keeps each event whole, as a compact JSON array of its fields, in the order the owner
emitted it (the steps of a run that one write took share a row); the id (``INTEGER
PRIMARY KEY AUTOINCREMENT``) only ever grows.

How a row becomes an event again, for each shape older versions wrote, is
``log_decode``'s; its names are also importable from here, where readers found them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import weakref
from collections.abc import Collection
from contextlib import closing
from pathlib import Path
from typing import Any

from ..engine.events import ErrorInfo, RunFinished, RunStarted, TaskOutput
from .access import blocked
from .boot_clock import ReaderClock, decode_on_this_clock
from .json_text import has_surrogate
from .load_error import display_path

# Re-exported: readers import these from here (``log_decode`` has them since it was split off).
from .log_decode import UNREADABLE as UNREADABLE
from .log_decode import Check as Check
from .log_decode import LogDamage as LogDamage
from .log_decode import LogEvent as LogEvent
from .log_decode import LogRow as LogRow
from .log_decode import RunInterrupted as RunInterrupted
from .log_decode import decode as decode
from .log_decode import decode_rows as decode_rows
from .log_decode import error_info as error_info
from .log_decode import run_started_name as run_started_name
from .store_links import LinkedStore, open_unswapped, read_only_uri, refuse_linked_reader


def encode(event: RunStarted | RunFinished | TaskOutput) -> str:
    """A run start or end, or a running attempt's output, as its log body."""
    if type(event) is TaskOutput:
        fields = ["task_output", event.run_id, event.flow, event.task, event.attempt, event.text]
        return json.dumps([*fields, event.ts], separators=(",", ":"))
    if type(event) is RunStarted:
        return json.dumps(
            [
                "run_started",
                event.run_id,
                event.flow,
                event.run,
                event.tasks,
                event.max_attempts,
                event.policies,
                event.rerun_of,
                event.ts,
                event.parent_run,
                event.parameters,
                event.name,
                event.starts_in,
                event.workers,
            ],
            separators=(",", ":"),
        )
    assert type(event) is RunFinished
    return json.dumps(
        [
            "run_finished",
            event.run_id,
            event.flow,
            event.run,
            event.state.value,
            event.counts,
            event.duration,
            event.ts,
            None if event.error is None else stored_error(event.error),
            event.output,
            event.retry_in,
            event.note,
            *(() if event.result is None else (event.result,)),  # none: a row as before it
        ],
        separators=(",", ":"),
    )


def stored_message(error: ErrorInfo) -> str | int:
    """An error's message as a log body keeps it: its length when the traceback ends with
    it (a Python traceback's last line is ``Type: message``), else the message itself.

    A failed attempt's message was stored twice, on its own and as the end of its
    traceback: a 2 KB message made each failed step 2 KB bigger (schema version 11).
    ``error_info`` takes the message back from the traceback's end, exactly.
    """
    message, traceback = error[1], error[2]
    end = len(traceback) - 1
    if message and end >= 0 and traceback[end] == "\n" and traceback.endswith(message, 0, end):
        # a length counted in code points a surrogate pair, escaped, does not keep
        return message if has_surrogate(message) else len(message)
    return message


def stored_error(error: ErrorInfo) -> list[Any]:
    """``[type, message, traceback]`` as a log body keeps it (``stored_message``)."""
    return [error[0], stored_message(error), error[2]]


def encode_interrupted(
    run_id: str, reason: str, ts: float, flow: str, number: int, ended: str = ""
) -> str:
    """A run's end that a reaper writes (``RunInterrupted``): ``ended`` only for a run whose
    end the store missed (``end_marks``), so that the rows of every other stay as an
    older flowtop reads them."""
    fields = ["run_interrupted", run_id, reason, ts, flow, number] + ([ended] if ended else [])
    return json.dumps(fields, separators=(",", ":"))


#: What readers select of a log row (``log_decode.LogRow``): a step keeps its ``ts`` and
#: ``duration`` in columns of their own rather than in its body.
LOG_COLUMNS = "run_id, body, ts, duration"


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """The columns ``table`` has in this file (none for a table it lacks): a store an
    older flowtop wrote and nobody could migrate (read-only) is read as it is."""
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def log_columns(conn: sqlite3.Connection) -> str:
    """``LOG_COLUMNS``, or what stands for them in a store older than schema version 5
    that nobody could migrate (a read-only one): its steps have their floats inside.
    "" for a store older than the log (version 1): there is nothing to read."""
    names = columns(conn, "events")
    if not names:
        return ""
    return LOG_COLUMNS if "duration" in names else "run_id, body, NULL, NULL"


def connect_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection: works on a read-only folder and never waits on writers.

    WAL readers share a memory file (``-shm``) that they create when it is missing; in a
    folder this process cannot write (a store shared read-only, a backup), that fails,
    so the file is then read as immutable: nobody can be writing what nobody may write.
    Never through a symbolic link (``store_links.LinkedStore``, an ``OperationalError``):
    one made the ``-wal`` and ``-shm`` beside the file it points at, as you. Neither one
    found before the open nor one put there as SQLite opened it (``open_unswapped``)."""
    refuse_linked_reader(path)  # here, not in each caller: one forgot is one read through
    whole = not _wal_holds_events(path)  # (an empty one: left by a reader, or a writer's)
    conn = open_unswapped(path, lambda: _reader(path, "mode=ro"), LinkedStore)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        conn.close()  # (no -shm could be made: nothing to tidy)
        conn = open_unswapped(path, lambda: _reader(path, "immutable=1"), LinkedStore)
        _WITHOUT_WAL.setdefault(path, _why_immutable(path, exc))
        return conn
    if isinstance(conn, _Reader):
        conn.hold(path, tidy=whole)
    return conn


#: The stores this process read as immutable (``connect_reader``), and why: what their
#: live runs wrote since the last checkpoint is not seen, and ``flowtop history`` and
#: ``watch`` say so, rather than show it stale without a word.
_WITHOUT_WAL: dict[Path, str] = {}


def read_without_wal(path: Path) -> str | None:
    """One line, when this process read the store ``path`` without its write-ahead log
    and that log holds something (a store whose writers all closed is read whole)."""
    why = _WITHOUT_WAL.get(path)
    if why is None or not _wal_holds_events(path):
        return None
    return (
        f"warning: {display_path(path)} is read without its write-ahead log, so live runs "
        f"and the newest events may not show: {why}"
    )


def _wal_holds_events(path: Path) -> bool:
    try:
        return path.with_name(f"{path.name}-wal").stat().st_size > 0
    except FileNotFoundError:
        return False
    except OSError:  # cannot tell: say it
        return True


def _why_immutable(path: Path, exc: sqlite3.Error) -> str:
    shm = path.with_name(f"{path.name}-shm")
    return blocked(shm) or blocked(shm, write=True) or str(exc)


class _Reader(sqlite3.Connection):
    """A read-only connection that, closed, leaves the store as it found it.

    A reader of a store no writer has open makes its ``-wal`` and ``-shm``, and SQLite
    deletes them at the last close only when that connection may write (it folds the
    write-ahead log in first): ``flowtop history`` left an empty ``history.db-wal`` and
    a 32 KB ``history.db-shm`` beside every closed store, for good. Opened with an
    empty write-ahead log, or none (``tidy``), the last of this process's readers of
    the file to close, with it still empty (nothing to fold in: no page is written),
    opens and closes a writable connection after it: SQLite deletes them if that one is
    the last, and leaves them to anyone who still has the store open (a live run's
    process, another reader). One closed while another of this process is open leaves
    that to it (``_Held``): the monitor's and ``flowtop watch``'s polls, once a second
    beside the tail they keep open, each opened a writable connection for nothing."""

    _held: weakref.finalize[[tuple[int, int]], _Reader] | None = None

    def hold(self, path: Path, *, tidy: bool) -> None:
        """Count this connection among the process's readers of ``path``, until it is
        closed or collected; ``tidy``: it may have made the ``-wal`` and ``-shm`` (they
        were empty or missing)."""
        try:
            stat = path.stat()
        except OSError:
            return  # gone since: nothing to tidy
        file = (stat.st_dev, stat.st_ino)
        _HELD.hold(file, path if tidy else None)
        self._held = weakref.finalize(self, _HELD.let_go, file)

    def close(self) -> None:
        super().close()
        held, self._held = self._held, None
        path: Path | None = None if held is None else held()  # (None: let go already)
        if path is None:
            return
        try:
            if path.with_name(f"{path.name}-wal").stat().st_size:
                return
            refuse_linked_reader(path)
            last = open_unswapped(path, lambda: _reader(path, "mode=rw"), LinkedStore)
            with closing(last):
                last.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except (sqlite3.Error, OSError):
            return  # left as SQLite left them: harmless


class _Held:
    """This process's open readers of each store file (device, inode), and the path to
    tidy once the last of them closes, if one of them may have made the files."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # (readers close on the threads that used them)
        self._open: dict[tuple[int, int], tuple[int, Path | None]] = {}

    def hold(self, file: tuple[int, int], tidy: Path | None) -> None:
        with self._lock:
            count, path = self._open.get(file, (0, None))
            self._open[file] = (count + 1, path or tidy)

    def let_go(self, file: tuple[int, int]) -> Path | None:
        """One reader of ``file`` closed: the path to tidy when it was the last."""
        with self._lock:
            count, path = self._open.pop(file, (1, None))
            if count > 1:
                self._open[file] = (count - 1, path)
                return None
            return path

    def forget(self) -> None:
        """A forked child's own count starts at none: its parent's readers are not its."""
        self._lock = threading.Lock()
        self._open = {}


_HELD = _Held()
os.register_at_fork(after_in_child=_HELD.forget)


def _reader(path: Path, options: str) -> sqlite3.Connection:
    conn = sqlite3.connect(
        read_only_uri(path, options),
        uri=True,
        isolation_level=None,
        check_same_thread=False,  # a tail may be set up on one thread and read on another
        factory=_Reader,
    )
    conn.execute("PRAGMA busy_timeout = 1000")
    conn.execute("PRAGMA query_only = 1")
    return conn


class LogTail:
    """Reads the log from where it last stopped: a client's view of every run's events.

    ``start_at`` is the id to read after (0: from the very first event). Rows come in id
    order, at most ``limit`` per call (a row holds one event, or up to
    ``history_fold.STEPS_PER_ROW`` steps of a run), so a reader that falls behind catches
    up in bounded steps instead of one huge read.
    """

    def __init__(self, path: Path, start_at: int = 0, check: Check | None = None) -> None:
        self.path = path
        self.last = start_at
        #: Looks at each event's fields (``decode_rows``): for a reader that prints them all.
        self.check = check
        self._conn: sqlite3.Connection | None = None
        self._columns = LOG_COLUMNS
        #: Moves the times of rows logged before a step of this machine's wall clock.
        self._clock = ReaderClock()
        #: The row at ``last`` as this tail knows it, (id, run id): ``rewritten`` asks.
        self._at_last: tuple[int, object] | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = connect_reader(self.path)
            self._columns = log_columns(self._conn)
        return self._conn

    def connection(self) -> sqlite3.Connection:
        """This tail's connection to the store (opened at the first call)."""
        return self._connection()

    def read(
        self, limit: int = 64, run_id: str | None = None, upto: int | None = None
    ) -> list[LogEvent]:
        """The events logged since the last read (of ``run_id`` only, and up to the id
        ``upto``, when given)."""
        conn = self._connection()
        if not self._readable(conn):
            return []
        bound = (1 << 62) if upto is None else upto
        if run_id is None:
            rows = conn.execute(
                f"SELECT id, {self._columns} FROM events WHERE id > ? AND id <= ? "
                "ORDER BY id LIMIT ?",
                (self.last, bound, limit),
            ).fetchall()
        else:
            rows = conn.execute(
                f"SELECT id, {self._columns} FROM events WHERE run_id = ? AND id > ? AND id <= ? "
                "ORDER BY id LIMIT ?",
                (run_id, self.last, bound, limit),
            ).fetchall()
        return self._decoded(conn, rows)

    def read_runs(self, runs: Collection[str], upto: int, limit: int = 64) -> list[LogEvent]:
        """The events of ``runs`` logged since the last read, up to the id ``upto``; with
        fewer than ``limit`` rows, none of theirs is left up to ``upto``: the next read
        starts after it."""
        conn = self._connection()
        if not self._readable(conn):
            return []
        rows = conn.execute(
            f"SELECT id, {self._columns} FROM events WHERE run_id IN "
            "(SELECT value FROM json_each(?)) AND id > ? AND id <= ? ORDER BY id LIMIT ?",
            (json.dumps(list(runs)), self.last, upto, limit),
        ).fetchall()
        events = self._decoded(conn, rows)
        if len(rows) < limit:
            self.last = max(self.last, upto)
        return events

    def _readable(self, conn: sqlite3.Connection) -> bool:
        """Whether the store has a log to read (an older one may be migrated since)."""
        if self._columns != LOG_COLUMNS:
            self._columns = log_columns(conn)
        return bool(self._columns)

    def _decoded(self, conn: sqlite3.Connection, rows: list[Any]) -> list[LogEvent]:
        if rows:
            self.last = rows[-1][0]
            self._at_last = (self.last, rows[-1][1])
        return decode_on_this_clock(conn, rows, self.check, self._clock)

    def outline(self, run_id: str, upto: int) -> list[LogEvent] | None:
        """A finished run's first and last events (its start and its end), up to the id
        ``upto``; None when it has not finished there (its every event matters then)."""
        conn = self._connection()
        if not self._columns:
            return None
        query = f"SELECT id, {self._columns} FROM events WHERE run_id = ? AND id <= ? ORDER BY id"
        ends = [
            conn.execute(f"{query}{order} LIMIT 1", (run_id, upto)).fetchone()
            for order in ("", " DESC")
        ]
        found = [row for row in ends if row is not None]
        events = decode_on_this_clock(conn, found, self.check, self._clock)
        finished = events and isinstance(events[-1], RunFinished | RunInterrupted)
        return events if finished else None

    def end(self) -> int:
        """The id of the newest event now (to start tailing from "now")."""
        conn = self._connection()
        if not self._columns:
            return 0
        (last,) = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()
        return int(last)

    def rewritten(self) -> bool:
        """Whether the row at ``last`` is no longer the one this tail read there (gone,
        or another run's): the log went back under it, ids given out again, so what
        comes after ``last`` would miss the rows now below it. A store moved in over one
        a run still writes shares that run's write-ahead log (``-wal``, found by name)
        until the run's process lets go of it: it read as the old log, then as the
        store moved in, whose next run's start took an id already read. A row read
        through ``last`` set by hand is noted here first."""
        if not self.last:
            return False
        conn = self._connection()
        row = conn.execute("SELECT run_id FROM events WHERE id = ?", (self.last,)).fetchone()
        if row is None:
            return True
        if self._at_last is None or self._at_last[0] != self.last:
            self._at_last = (self.last, row[0])
            return False
        return bool(row[0] != self._at_last[1])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def first_event_id(path: Path, run_id: str) -> int:
    """The id just before ``run_id``'s first event, to replay that run from its start."""
    with closing(connect_reader(path)) as conn:
        if not log_columns(conn):
            return 0
        (first,) = conn.execute(
            "SELECT coalesce(min(id), 0) FROM events WHERE run_id = ?", (run_id,)
        ).fetchone()
    return max(0, int(first) - 1)
