"""Deleting old runs from the run store (``flowtop history --prune N``), a bounded chunk at a time.

Kept apart from the history's writer: pruning is a rare, user-asked clean-up, and it
only needs the connection the history writes with (one writer per store file at a time).

A run goes in one small transaction: its ``runs`` row (and its queued commands), after
which no reader finds it (every reader starts from that row: the listings, the TUI's
replay, ``watch``, a rerun's results). Its other rows, the bulk of the store, go after
it, a bounded chunk per transaction (``CHUNK_BYTES``) with a checkpoint in between, so
the write-ahead log stays the size of a chunk: in one transaction, deleting 630 MB grew
it by as much first (an SQLite built with ``SECURE_DELETE``, as Debian's is, zeroes what
it frees, through the WAL), on a disk that may be full, and kept a live run's writes
waiting throughout. A prune cut short (``kill -9``, a full disk) leaves rows whose run
is gone: the next prune deletes them first (``sweep``).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import time
from pathlib import Path

from . import store_schema
from .load_error import display_path
from .run_log import columns
from .store_errors import FULL, ROOM, cause, store_file

log = logging.getLogger("flowtop.history")


def _bytes(column: str) -> str:
    """SQL for the bytes of a text column: counting its characters took five times longer."""
    return f"coalesce(length(CAST({column} AS BLOB)), 0)"


#: The tables with rows of a run besides ``runs`` and ``commands``, deleted after its
#: ``runs`` row: each with the columns that order its rows within a run, and about how
#: many bytes a row takes.
RUN_ROWS = (
    ("events", "id", f"{_bytes('body')}"),
    ("result_batches", "id", "length(data) + length(tasks)"),
    ("results", "task", "coalesce(length(data), 0)"),
    ("attempts", "task, number", f"{_bytes('traceback')} + {_bytes('output')}"),
    ("task_runs", "task", _bytes("message")),
)
#: What a row takes besides its columns above (its key, its place in the b-tree).
ROW_BYTES = 64
#: About how much one transaction deletes: what the write-ahead log grows by before the
#: checkpoint after it folds it in (and how long a live run's write may wait for it).
CHUNK_BYTES = 4 << 20
#: The smallest chunk a prune on a nearly full disk goes down to (``smaller_chunk``).
MIN_CHUNK_BYTES = 16 << 10
#: Most rows one query looks at while filling a chunk.
BATCH = 256
#: Longest a prune deletes chunk after chunk (s) before it rests ``REST``, longer than
#: SQLite's busy wait sleeps between two tries (100 ms at most): a process waiting to
#: write (a live run) found the store busy each time it looked, for 1.5 s at worst, with
#: a 10 ms rest after each chunk.
WORK_BEFORE_REST = 0.4
REST = 0.12
#: Longest a checkpoint after a chunk waits for other processes' reads and writes (ms):
#: a reader in the middle of a long read keeps the WAL from starting over, and the next
#: chunk then grows it.
CHECKPOINT_WAIT_MS = 100
#: Free space a compaction leaves on the disk, at least.
SPARE_BYTES = 64 << 20


def prune_runs(conn: sqlite3.Connection, keep: int, flow: str | None = None) -> list[str]:
    """Delete all but the newest ``keep`` finished runs of each flow (or of ``flow``);
    the ids of those that went.

    Newest by run number, not by ``started``: a clock set back stamps the newest run
    earlier than older ones. A live run is never deleted, nor counted against ``keep``;
    nor is the run a live run reruns (its ``rerun_of``), kept beyond ``keep``: a rerun
    reserved while its process imports the flow file reads its source only as it starts,
    and deleted under it, the rerun the user saw accepted ended "did not start: no run
    with id …". Chosen in the write transaction that deletes, as ``reserve_rerun`` checks
    the source in one: a rerun is either reserved before (its source kept) or refused.
    The run numbers stay allocated, so numbering goes on where it was. A subflow run
    stays as long as the run that called it does (``_without_kept_families``), and the
    source a kept rerun that did not start stands for (``_without_stood_for``).

    The runs go in one transaction (their ``runs`` rows), their other rows after it in
    chunks (``sweep``): a failure there (a full disk) leaves them for the next prune,
    and raises ``PruneUnfinished`` with the ids of the runs that went. On a disk with
    too little room for that (``refuse_on_full_disk``) nothing is deleted.
    """
    refuse_on_full_disk(conn)
    with store_schema.write_transaction(conn):
        doomed = [
            run_id
            for (run_id,) in conn.execute(
                "SELECT run_id FROM (SELECT run_id, state, row_number() OVER "
                "(PARTITION BY flow ORDER BY number DESC, started DESC) AS place "
                "FROM runs WHERE state <> 'RUNNING' AND (? IS NULL OR flow = ?)) "
                "WHERE place > ? AND run_id NOT IN (SELECT rerun_of FROM runs "
                "WHERE state = 'RUNNING' AND rerun_of IS NOT NULL)",
                (flow, flow, keep),
            )
        ]
        doomed = _without_stood_for(conn, doomed)
        doomed = _without_kept_families(conn, doomed)
        for table in ("commands", "runs"):
            conn.executemany(f"DELETE FROM {table} WHERE run_id = ?", [(r,) for r in doomed])
    try:
        sweep(conn)
    except sqlite3.Error as exc:
        raise PruneUnfinished(doomed, exc) from exc
    return doomed


def _without_stood_for(conn: sqlite3.Connection, doomed: list[str]) -> list[str]:
    """``doomed`` less the source of each kept rerun that did not start (its file broken,
    or cancelled while it imported), and that source's own, down the chain: a rerun of
    it reruns that source, reusing what it completed (``reruns.not_started``). Pruned,
    ``--rerun-of 2`` said "no run with id '<#1's id>'" and the monitor's ``f`` made a
    failed run each time."""
    going = set(doomed)
    reruns = conn.execute(
        "SELECT run_id, rerun_of FROM runs WHERE rerun_of IS NOT NULL AND state <> 'RUNNING'"
    ).fetchall()
    if not going.intersection(source for _, source in reruns):
        return doomed
    from .reruns import lent, not_started  # the engine's imports: only when needed

    stands: dict[str, bool] = {}
    with lent(conn) as reader:  # read in the prune's own write transaction
        kept = True
        while kept:  # a kept rerun keeps its source, which may be one that did not start
            kept = False
            for run_id, source in reruns:
                if source not in going or run_id in going:
                    continue
                if run_id not in stands:
                    stands[run_id] = not_started(reader.run_detail(run_id), reader)
                if stands[run_id]:
                    going.discard(source)
                    kept = True
    return [run_id for run_id in doomed if run_id in going]


def _without_kept_families(conn: sqlite3.Connection, doomed: list[str]) -> list[str]:
    """``doomed`` less every subflow run whose parent stays (and theirs, down the family),
    however old among its own flow's runs: a subflow run is part of its parent's record.
    Kept by its flow's newest N alone, ``daily #9``'s page listed two of the three
    subflow runs it called, and its rerun ran the third again from scratch (a load into
    a warehouse done twice), with no word of why: the rerun matches each subflow call to
    the source's subflow run, and found none."""
    if not doomed:
        return doomed
    parents = dict(conn.execute("SELECT run_id, parent FROM runs WHERE parent IS NOT NULL"))
    if not parents:
        return doomed
    going = set(doomed)
    stays = {run_id for (run_id,) in conn.execute("SELECT run_id FROM runs")} - going
    kept = True
    while kept:  # a kept grandparent keeps its child, which keeps its own child, …
        kept = False
        for run_id in [r for r in going if parents.get(r) in stays]:
            going.discard(run_id)
            stays.add(run_id)
            kept = True
    return [run_id for run_id in doomed if run_id in going]


#: Why a run older than its flow's newest N stays after a prune (``kept_beyond``), as
#: ``history --prune`` says it.
LIVE = "live"  # not yet finished: the newest N are counted among the finished
CALLED = "that a kept run called"
RERUNNING = "that a live rerun is rerunning"
STOOD_FOR = "that a kept rerun that did not start stands for"
#: Each why's key in ``history --prune N --json``'s ``kept_beyond``, in the order they are said.
WHY_KEYS = {LIVE: "live", CALLED: "called", STOOD_FOR: "stood_for", RERUNNING: "rerunning"}
WHYS = tuple(WHY_KEYS)


def kept_beyond(conn: sqlite3.Connection, keep: int, flow: str | None = None) -> dict[str, int]:
    """How many runs of each flow (or of ``flow``) past its newest ``keep`` finished ones
    a prune kept, by why (in ``WHYS``' order), its live runs too: "kept the newest 1 of
    leaf" left 3 of its runs, with no word of the others."""
    (live,) = conn.execute(
        "SELECT count(*) FROM runs WHERE state = 'RUNNING' AND (? IS NULL OR flow = ?)",
        (flow, flow),
    ).fetchone()
    older = conn.execute(
        "SELECT run_id, parent FROM (SELECT run_id, parent, row_number() OVER "
        "(PARTITION BY flow ORDER BY number DESC, started DESC) AS place "
        "FROM runs WHERE state <> 'RUNNING' AND (? IS NULL OR flow = ?)) WHERE place > ?",
        (flow, flow, keep),
    ).fetchall()
    if not older:
        return {LIVE: live} if live else {}
    stored = {run_id for (run_id,) in conn.execute("SELECT run_id FROM runs")}
    sources: dict[str, str] = {}  # a source -> why it stays: a live rerun's first
    for state, source in conn.execute(
        "SELECT state, rerun_of FROM runs WHERE rerun_of IS NOT NULL ORDER BY state = 'RUNNING'"
    ):
        sources[source] = RERUNNING if state == "RUNNING" else STOOD_FOR
    whys = [CALLED if parent in stored else sources.get(run_id, "") for run_id, parent in older]
    whys += [LIVE] * live
    return {why: whys.count(why) for why in WHYS if why in whys}


def refuse_on_full_disk(conn: sqlite3.Connection) -> None:
    """Raise ``sqlite3.OperationalError`` (a full disk, as SQLite says it) when the disk
    of ``conn``'s store has less than ``ROOM`` free: there the runs' rows went and every
    other row of them stayed, the space the prune was for (a half-done prune, said in
    three lines and exit 0)."""
    file = store_file(conn)
    if file is None:
        return  # an in-memory store: no disk to fill
    try:
        free = shutil.disk_usage(file.parent).free
    except OSError:
        return  # SQLite says what is wrong with the folder as it writes
    if free < ROOM:
        raise sqlite3.OperationalError(
            f"nothing was pruned: the disk is full, {free >> 10} KB free of the "
            f"{ROOM >> 10} KB a prune needs"
        )


class PruneUnfinished(sqlite3.Error):
    """The runs of a prune went (``removed``), and some of their rows are left, for the
    next prune to delete (``cause``: why they could not go now)."""

    def __init__(self, removed: list[str], cause: sqlite3.Error) -> None:
        super().__init__(str(cause))
        self.removed = removed
        self.cause = cause


def sweep(conn: sqlite3.Connection) -> int:
    """Delete the rows of runs that have no ``runs`` row (a prune took it), a chunk of
    about ``CHUNK_BYTES`` per transaction with a checkpoint after each; how many rows.
    A chunk the disk has no room for is tried again smaller (``smaller_chunk``)."""
    tables = [table for table in RUN_ROWS if columns(conn, table[0])]  # an older store's
    gone = _runs_gone(conn, [table for table, _, _ in tables])
    deleted, budget = 0, CHUNK_BYTES
    (zeroing,) = conn.execute("PRAGMA secure_delete").fetchone()
    rested = time.monotonic()
    try:
        while gone:
            left = list(gone)  # what the chunk takes from it stays taken only once written
            try:
                with store_schema.write_transaction(conn):
                    rows = _delete_chunk(conn, tables, left, budget)
            except sqlite3.OperationalError as exc:
                budget = smaller_chunk(conn, exc, budget)
                continue
            deleted, gone = deleted + rows, left
            checkpoint(conn)
            if gone and time.monotonic() - rested > WORK_BEFORE_REST:
                time.sleep(REST)  # the processes waiting to write get in
                rested = time.monotonic()
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(zeroing)}")
    return deleted


def smaller_chunk(conn: sqlite3.Connection, error: sqlite3.OperationalError, budget: int) -> int:
    """The chunk to try after ``error`` stopped one of ``budget`` bytes: on a full disk a
    quarter of it, down to ``MIN_CHUNK_BYTES``, with the WAL's pages given back first and
    what is freed no longer zeroed (``secure_delete = FAST``: the zeroes went through the
    WAL, as many bytes as the rows deleted). A prune on a disk with 60 KB free removed its
    runs and left every other row of them, the space it was run for, "for the next
    prune", which failed the same way. ``error`` is raised again for any other cause, or
    when even the smallest chunk did not fit."""
    if cause(error) != FULL or budget <= MIN_CHUNK_BYTES:
        raise error
    conn.execute("PRAGMA secure_delete = FAST")
    checkpoint(conn)
    return max(MIN_CHUNK_BYTES, budget // 4)


def _runs_gone(conn: sqlite3.Connection, tables: list[str]) -> list[str]:
    """The runs with rows left in ``tables`` and no ``runs`` row (read in one statement:
    a run being recorded has its row from the transaction of its first event on)."""
    if not tables:
        return []
    ids = " UNION ".join(
        f"SELECT run_id FROM {table} WHERE run_id NOT IN (SELECT run_id FROM runs)"
        for table in tables
    )
    return [run_id for (run_id,) in conn.execute(ids)]


def _delete_chunk(
    conn: sqlite3.Connection, tables: list[tuple[str, str, str]], gone: list[str], budget: int
) -> int:
    """Delete about ``budget`` bytes of rows of the runs ``gone`` (inside the caller's
    transaction), taking from ``gone`` each run whose rows are all deleted; how many rows."""
    spent = deleted = 0
    while gone and spent < budget:
        run_id = gone[0]
        if conn.execute("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)).fetchone():
            gone.pop(0)  # recorded again meanwhile: not a run that went
            continue
        for table, keys, size in tables:
            if spent >= budget:
                return deleted  # the chunk is full: this run goes on in the next
            rows, used, done = _delete_rows(conn, table, keys, size, run_id, budget - spent)
            spent, deleted = spent + used, deleted + rows
            if not done:
                return deleted
        gone.pop(0)
    return deleted


def _delete_rows(
    conn: sqlite3.Connection, table: str, keys: str, size: str, run_id: str, budget: int
) -> tuple[int, int, bool]:
    """Delete ``run_id``'s first rows in ``table`` (in ``keys`` order) up to about
    ``budget`` bytes, one row at least; (rows, bytes, whether none is left)."""
    width = keys.count(",") + 1
    marks = ", ".join("?" * width)
    spent = rows = 0
    last: tuple[object, ...] = ()
    while spent < budget:
        after = f"AND ({keys}) > ({marks}) " if last else ""
        found = conn.execute(
            f"SELECT {keys}, {size} FROM {table} WHERE run_id = ? {after}"
            f"ORDER BY {keys} LIMIT {BATCH}",
            (run_id, *last),
        )
        taken = 0
        for row in found:  # row by row: a row of the log may be megabytes
            last, taken = tuple(row[:width]), taken + 1
            spent += (row[width] or 0) + ROW_BYTES
            if spent >= budget:
                break
        else:  # every row found is taken
            if taken < BATCH:  # and there are no more
                if rows + taken:
                    conn.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,))
                return rows + taken, spent, True
        rows += taken
    conn.execute(f"DELETE FROM {table} WHERE run_id = ? AND ({keys}) <= ({marks})", (run_id, *last))
    return rows, spent, False


def checkpoint(conn: sqlite3.Connection) -> bool:
    """Fold the WAL into the database so that the next write starts it over; whether it
    could, waiting ``CHECKPOINT_WAIT_MS`` at most for other processes' reads and writes.

    ``PASSIVE`` waits for nobody, and folded every chunk in, but with another process
    writing meanwhile (a live run) the WAL was never started over: it grew by every
    chunk, to 200 MB for a 515 MB prune. ``RESTART`` holds other writers off while it
    copies (about as long as a chunk's transaction takes).
    """
    (waits,) = conn.execute("PRAGMA busy_timeout").fetchone()
    conn.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
    except sqlite3.OperationalError as exc:  # another checkpoint under way
        log.debug("checkpoint during a prune failed: %s", exc)
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(waits)}")
    return not busy


def compact(conn: sqlite3.Connection, path: Path) -> bool:
    """``VACUUM`` the store: give the pages of deleted runs back to the file system.

    False, and nothing done, while a run is live (its writes would wait for the whole
    ``VACUUM``, seconds for a large store) or when the disk has too little space for one
    (a copy of what remains in a temporary file, and another in the WAL); and when
    another process held the store past the busy timeout. The freed pages are then
    reused by later runs instead.
    """
    try:
        if conn.execute("SELECT 1 FROM runs WHERE state = 'RUNNING' LIMIT 1").fetchone():
            return False
        (pages,) = conn.execute("PRAGMA page_count").fetchone()
        (free,) = conn.execute("PRAGMA freelist_count").fetchone()
        (size,) = conn.execute("PRAGMA page_size").fetchone()
        short = _short_of_space(path, (pages - free) * size)
        if short:
            log.warning("%s: not compacted: %s", path, short)
            return False
        checkpoint(conn)
        conn.execute("VACUUM")
    except sqlite3.OperationalError as exc:
        log.debug("%s: VACUUM failed: %s", path, exc)
        return False
    finally:
        checkpoint(conn)
    return True


def _short_of_space(path: Path, size: int) -> str:
    """Why a ``VACUUM`` of ``size`` bytes in use does not fit on the disk ("" if it does):
    SQLite copies them to a temporary file, then through the WAL into the store."""
    wanted: dict[int, tuple[Path, int]] = {}
    for place in (path.parent, _sqlite_temp_dir()):
        try:
            device = os.stat(place).st_dev
        except OSError:
            continue
        first, total = wanted.get(device, (place, 0))
        wanted[device] = (first, total + size)
    for place, need in wanted.values():
        try:
            free = shutil.disk_usage(place).free
        except OSError:
            continue
        if free < need + SPARE_BYTES:
            return (
                f"{display_path(place)} has {free >> 20} MB free, and a compaction needs "
                f"{(need + SPARE_BYTES) >> 20} MB"
            )
    return ""


def _sqlite_temp_dir() -> Path:
    """Where SQLite puts a ``VACUUM``'s temporary copy (its ``unixTempFileDir``)."""
    for place in (os.environ.get("SQLITE_TMPDIR"), os.environ.get("TMPDIR"), *_TEMP_DIRS):
        if place and os.access(place, os.W_OK | os.X_OK) and os.path.isdir(place):
            return Path(place)
    return Path(".")


_TEMP_DIRS = ("/var/tmp", "/usr/tmp", "/tmp")
