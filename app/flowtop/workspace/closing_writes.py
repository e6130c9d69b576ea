"""What a History still records on a store it could not write: a full disk.

A full disk stops recording mid-run; the events are kept in memory and tried again.
The write-ahead log first gives back the room it holds (``fold_wal``): a failed write
leaves its pages there, and the heartbeats grew it while nothing checkpointed it, until
the disk had no room left even for a run's steps. What still fits is written then, every
step and run end without their output (``write_without_output``): at close, where there
is no next try, and during the run once the disk stayed full a moment, so the record
goes on (a first batch holding a megabyte of output kept every later event out of the
store, and the run read INTERRUPTED though it had ended). So that they fit, the writes
leave the disk's last room to them (``KEEP_ROOM``), and on a disk nearly full the log is
folded in after each commit, never left holding pages it would need room to fold in
(``refuse_what_would_not_fold``, ``fold_when_low``). Failing even that at close,
the runs this process leaves RUNNING are ended as interrupted, a run whose end was among
the lost events saying how it ended (``end_own_runs``), not "flowtop closed the store
first".
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..engine.events import RunFinished, RunStarted, TaskOutput, TaskStateChanged
from ..engine.states import StateType
from . import end_marks, history_fold
from .reaper import interrupt
from .store_errors import FULL, cause
from .store_room import free_bytes

log = logging.getLogger("flowtop.history")

_RUNNING = StateType.RUNNING


def stopped_because(error: str, path: Path) -> str:
    """Why the store ``path`` took no more of a run's events, from SQLite's ``error``."""
    if cause(error) == FULL:
        return f"the disk of {path.parent} was full"
    return f"{path} could not be written ({error or 'the write did not finish'})"


def fold_wal(
    conn: sqlite3.Connection, path: Path, mode: Literal["TRUNCATE", "RESTART"] = "TRUNCATE"
) -> bool:
    """Fold the write-ahead log of ``path`` into the database and empty it (a TRUNCATE
    checkpoint), giving its room back to the disk; whether it shrank. SQLite does that
    itself only as the last connection to the file closes, and while a run is live
    nothing checkpoints it: it keeps every page written since (the heartbeats' too), and
    a failed write's pages. A reader in the middle of a read makes it give up after a
    moment; ``conn`` then waits for locks as long as it did before. ``mode`` RESTART:
    the log keeps its room, the next pages written over the folded ones."""
    wal = f"{path}-wal"
    try:
        before = os.path.getsize(wal)
        (busy_ms,) = conn.execute("PRAGMA busy_timeout").fetchone()
    except (OSError, sqlite3.Error):
        return False
    try:
        conn.execute("PRAGMA busy_timeout = 200")
        conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchall()
    except sqlite3.Error as exc:
        log.debug("%s: write-ahead log not folded in: %s", path, exc)
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
    try:
        return os.path.getsize(wal) < before
    except OSError:  # the last connection closing removed it
        return True


#: Room a History's writes leave on the store's disk: what its writes without output
#: take once the disk is full. Its output took the last byte, and then not even its steps
#: fitted: the run read RUNNING, its tasks pending, until it ended, and then "1 completed,
#: 19 interrupted" though all 20 completed.
KEEP_ROOM = 256 * 1024
#: With less room than this on its disk, a History folds the WAL in after each commit.
LOW_ROOM = 16 * 1024 * 1024


def fold_when_low(conn: sqlite3.Connection, path: Path) -> None:
    """After a History's commit to the store ``path`` on a disk with less than
    ``LOW_ROOM`` free: fold the WAL in (``fold_wal``), so that it holds no pages that
    need room the disk may no longer have, and keeps its room for the pages that follow
    (the heartbeats', the steps'), however full the disk gets. A fold needs room in the
    database for the pages the WAL adds before the WAL gives any back: once another
    writer took the last byte, or a write that did not fit, one left holding a run's
    pages for seconds could not be folded in, nor anything written after it."""
    free = free_bytes(path.parent)
    if free is not None and free < LOW_ROOM and _size(Path(f"{path}-wal")):
        fold_wal(conn, path, "RESTART")


def refuse_what_would_not_fold(conn: sqlite3.Connection, path: Path, disk: FullDisk) -> None:
    """Before a History's commit to the store ``path`` on ``conn``: raise SQLite's
    "database or disk is full" (the caller rolls back: ``write_what_fits`` then writes
    what fits) unless, once the pages it adds, and those the WAL adds still, are in the
    WAL and folded into the database (twice their room until the WAL is emptied),
    ``KEEP_ROOM`` is left; twice that while its writes fail on a full ``disk``, so that
    an outage is over with room to spare, not at the first step that fits (each outage
    kept the run's events out for ``KEEP_OUTPUT_FOR``). A write that took more than
    half the room left kept every write after it out, its steps without output too."""
    free = free_bytes(path.parent)
    if free is None:  # (a folder it cannot ask about: the commit tells)
        return
    (pages,) = conn.execute("PRAGMA page_count").fetchone()
    (page,) = conn.execute("PRAGMA page_size").fetchone()
    added = max(0, pages * page - _size(path))  # not in the database file yet
    if free - 2 * added < KEEP_ROOM * (2 if disk.since else 1):
        raise sqlite3.OperationalError("database or disk is full")


def _size(path: Path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


#: A disk full this long has a History's kept events written without their output, so
#: the run's record goes on; space freed sooner keeps all of it.
KEEP_OUTPUT_FOR = 5.0


class FullDisk:
    """A History's writes failing on a full disk: since when (0.0 while they do not),
    and per run how many of its events the disk kept the output of out of the store, with
    the note that says so: a run the disk filled up under several times gets one note
    with the total, not one per time."""

    def __init__(self) -> None:
        self.since = 0.0
        self.counts: Counter[str] = Counter()
        self.notes: dict[str, str] = {}
        #: Whether a write without output was said already in this outage.
        self.said = False

    def reset(self) -> None:
        """A whole write went in: the outage is over (the notes written stay)."""
        self.since, self.said = 0.0, False

    def note(self, run_id: str, why: str, closing: bool) -> str:
        """The note of ``run_id``'s output missing: "its last N events" when recording
        stopped for good at close, "N of its events" when the run's record went on."""
        n = self.counts[run_id]
        if closing and run_id not in self.notes:
            return f"recording stopped: {why}: the output of its last {n:,} events is not recorded"
        return f"{why} while it ran: the output of {n:,} of its events is not recorded"


@dataclass(frozen=True, slots=True)
class StoreBeingWritten:
    """The store a History writes, as its writers on a full disk (``write_what_fits``,
    ``write_without_output``) need it: the same for every write of that History, so its
    calls name only what failed (the items, the runs live before them, the error)."""

    path: Path
    #: The History's writing connection.
    conn: sqlite3.Connection
    #: The History's transaction: all of the items it is given, or it raises.
    write: Callable[[list[Any]], dict[str, int]]
    #: The writing process as the runs table records it (``history_fold.apply``).
    owner: tuple[str, str, int, str, str]
    #: The outage the writes fail in, with the notes of what it kept out (updated).
    full_disk: FullDisk


def write_what_fits(
    store: StoreBeingWritten,
    items: list[Any],
    live: dict[str, int],
    error: str,
    *,
    closing: bool,
) -> dict[str, int] | None:
    """After ``items`` failed with ``error``: on a full disk, the runs left live once what
    fits of them is written, else None (kept for the next try, or lost at ``closing``).
    The write-ahead log gives its room back first (``fold_wal``) and, if it did, all of
    them are tried again with the store's ``write`` (the History's transaction); failing
    that, they go without their output (``write_without_output``), at ``closing`` or once
    the disk has been full for ``KEEP_OUTPUT_FOR``."""
    if cause(error) != FULL:
        return None
    now = time.monotonic()
    disk = store.full_disk
    disk.since = disk.since or now
    if fold_wal(store.conn, store.path):
        try:
            whole = store.write(items)
        except Exception as exc:  # noqa: BLE001 - the writer never raises: still full, or said below
            log.debug(
                "%s: still not written with the write-ahead log folded in: %s", store.path, exc
            )
            fold_wal(store.conn, store.path)  # the room that try took, back for what follows
        else:
            disk.reset()
            return whole
    if not closing and now - disk.since < KEEP_OUTPUT_FOR:
        return None
    left = write_without_output(store, items, live, error, closing=closing)
    if left is not None:  # the failed tries' pages in the WAL: room for the heartbeats
        fold_wal(store.conn, store.path)
    return left


def write_without_output(
    store: StoreBeingWritten,
    items: list[Any],
    live: dict[str, int],
    error: str,
    *,
    closing: bool = True,
) -> dict[str, int] | None:
    """When ``items`` failed with ``error`` on a full disk: what still fits of them,
    every run start, step and end, their output replaced by a word of why; the running
    attempts' output and the stored results (the bulk) left out. The runs left live
    (``history_fold.apply``) when written, each run's note saying what is missing (the
    store's ``full_disk``, updated); None when not even that fits, or the write failed
    for another reason. ``closing``: the store's last write (else the run goes on, and
    an attempt's output chunks are not lost: its end carries all of it). A run that
    completed read INTERRUPTED "flowtop closed the store first" when all of it failed."""
    if cause(error) != FULL or not items:
        return None
    conn, path, unrecorded = store.conn, store.path, store.full_disk
    why = stopped_because(error, path)
    kept: list[Any] = []
    cut: Counter[str] = Counter()  # per run: the events whose output is not recorded
    for item in items:
        kind = type(item)
        if kind is TaskStateChanged or kind is RunFinished:
            if item.output:
                item = item._replace(output=f"[not recorded: {why}]")
                cut[item.run_id] += 1
            kept.append(item)
        elif kind is RunStarted:
            kept.append(item)
        elif kind is TaskOutput and closing:
            cut[item.run_id] += 1
    before = Counter(unrecorded.counts)
    unrecorded.counts.update(cut)  # the notes count them; undone below if it fails
    notes = {run_id: unrecorded.note(run_id, why, closing) for run_id in cut}
    try:
        conn.execute("BEGIN IMMEDIATE")
        left = history_fold.apply(conn, kept, store.owner, live)
        conn.executemany(
            "UPDATE runs SET note = CASE WHEN ? != '' AND instr(note, ?) > 0 "
            "THEN replace(note, ?, ?) ELSE COALESCE(NULLIF(note, '') || '; ', '') || ? END "
            "WHERE run_id = ?",
            [
                (old, old, old, note, note, run_id)
                for run_id, note in notes.items()
                for old in [unrecorded.notes.get(run_id, "")]
            ],
        )
        conn.execute("COMMIT")
    except Exception:  # noqa: BLE001 - the writer never raises: the events are then lost, said
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        unrecorded.counts = before
        return None
    unrecorded.notes.update(notes)
    if closing and not unrecorded.said:
        log.warning(
            "%s: recording stopped: %s: the output of the last %d events was not recorded "
            "(their steps and the runs' ends were)",
            path,
            why,
            sum(cut.values()),
        )
    elif not unrecorded.said:
        log.warning(
            "%s: %s: %d events recorded without their output, so the run's record goes on "
            "(their output is not recorded while the disk stays full)",
            path,
            why,
            len(kept),
        )
    unrecorded.said = True
    return left


def unrecorded_ends(items: list[Any]) -> dict[str, tuple[RunFinished, int]]:
    """The run ends among ``items``, a write given up on, each with how many of its
    run's events went unrecorded with it."""
    stored = (history_fold.ResultRows, history_fold.ResultBatch)  # results, not events
    lost = Counter(item.run_id for item in items if not isinstance(item, stored))
    return {item.run_id: (item, lost[item.run_id]) for item in items if type(item) is RunFinished}


def end_own_runs(
    conn: sqlite3.Connection,
    owner: str,
    ends: Mapping[str, tuple[RunFinished, int]],
    why: str,
) -> None:
    """End the runs ``owner`` (a closing History) leaves RUNNING, in the caller's
    transaction: INTERRUPTED, "flowtop closed the store first"; but one whose end is in
    ``ends`` (its ``RunFinished``, and how many of its events were lost: ``why``,
    ``stopped_because``) ends in its state, saying why its record stops early, its
    unfinished tasks INTERRUPTED (their ends are among the lost events), in its row and
    in its log alike (``RunInterrupted.ended``): ``history`` and the readers of its log
    agree. A run that completed on a full disk read "flowtop closed the store first"."""
    rows = conn.execute(
        "SELECT run_id FROM runs WHERE state = ? AND owner = ?", (_RUNNING.value, owner)
    ).fetchall()
    interrupt(
        conn,
        {
            run_id: f"the run store missed its end: {why} (the run ended "
            f"{ends[run_id][0].state.value}; its last {ends[run_id][1]:,} events were not recorded)"
            if run_id in ends
            else "flowtop closed the store first"
            for (run_id,) in rows
        },
        {run_id: end.state.value for run_id, (end, _) in ends.items()},
    )


def mark_lost_ends(path: Path, ends: Mapping[str, tuple[RunFinished, int]], error: object) -> None:
    """After the closing write of the store ``path`` failed with ``error``: on a full disk,
    an end mark for each run whose end was among the lost events (``end_marks``), so that
    it ends COMPLETED, "the run store missed its end: the disk of … was full", not
    INTERRUPTED, "its process … is gone"."""
    if cause(error) == FULL:
        end_marks.leave(path, {run_id: end.state.value for run_id, (end, _) in ends.items()})


#: What stops a process from outside: held back while the store closes at exit.
_STOPS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name)
)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """SIGTERM, SIGHUP and Ctrl+C held back for the block (the store's close at exit),
    then acted on: one left to its default ends the process as it would have (143 for
    SIGTERM), one Python code handles is dropped (the process is exiting anyway).

    A second ``kill`` of a stopping ``flowtop run`` came as the store closed: with the
    command's handler still set it raised there (``Exception ignored in atexit callback``,
    a traceback, the close left half done), and with the default one it killed the
    process before the runs' last events were written. Off the main thread (no signal
    handler can be set there) the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    held = {sig: signal.getsignal(sig) for sig in _STOPS}
    held = {sig: handler for sig, handler in held.items() if handler not in (None, signal.SIG_IGN)}
    for sig in held:
        signal.signal(sig, lambda signum, frame: pressed.append(signum))
    try:
        yield
    finally:
        for sig, handler in held.items():
            signal.signal(sig, handler)
        if pressed and held[signal.Signals(pressed[0])] == signal.SIG_DFL:
            signal.raise_signal(pressed[0])
