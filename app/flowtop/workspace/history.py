"""Run history in SQLite: what ran, how each attempt ended, and what a crash left behind.

The store is an event sink, so the engine never waits for the disk: the sink only hands
events to the store's writer thread, which commits at most every ``WRITE_INTERVAL``
(and as soon as a run starts or finishes). Each commit writes every event once, to the
log (``history_fold``), in one transaction; a run's tasks and attempts are folded from
that log when someone reads them (``log_fold``). WAL with ``synchronous=NORMAL`` keeps
every committed write through a SIGKILL, and a run whose process died is marked
INTERRUPTED by the next process that opens the file (``reaper``). Readers (the TUI,
``flowtop history``) use their own short-lived connections, which WAL lets read while
the writer writes. A store that cannot be written (full, locked, read-only) never
stops a run: the events wait in memory for the next try, and it says so once.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path

from ..engine.bus import Subscription
from ..engine.events import Event, RunFinished, RunStarted
from ..looks import INTERRUPTED  # noqa: F401 - re-exported
from . import closing_writes, history_fold, store_schema
from .boot_clock import WriterClock
from .history_fold import StoreItem
from .history_records import HistoryError  # re-exported: the store's public records
from .launcher import forget_log
from .ownership import Owner
from .places import STORE_FILE
from .private import private_file, private_folder
from .pruning import PruneUnfinished, compact, prune_runs
from .reaper import _HOST as _HOST  # the owner token's host part (tests build dead owners)
from .reaper import LIVE_LOCK, LIVE_OWNERS, connect
from .reaper import reap as reap_runs
from .reaper import reap_store as reap_store  # re-exported: what readers call
from .run_numbers import Claims, take_number
from .store_errors import store_advice
from .store_place import StorePlace, let_go_there
from .store_reader import StoreReader
from .store_schema import SCHEMA_VERSION  # noqa: F401 - re-exported

log = logging.getLogger("flowtop.history")

#: Events kept while the database cannot be written (locked, disk full) before they
#: are dropped with an error: memory stays bounded however long the outage.
MAX_WAITING_EVENTS = 1_000_000

#: The writer commits what the sink handed over at most this long after it arrived
#: (at once when a run finishes). A SIGKILL loses at most this much of the record, plus
#: ``SINK_WINDOW``; in exchange a short burst of events is written after the run rather
#: than during it, where its GIL time would slow the engine.
WRITE_INTERVAL = 0.5
#: What a run process uses, so a TUI in another process shows an event within ~50 ms.
LIVE_WRITE_INTERVAL = 0.02
LIVE_SINK_WINDOW = 0.01
#: The bus hands the sink its events this often during a burst: the writer batches for
#: longer anyway, and each wake-up of a thread costs the engine's workers GIL time.
SINK_WINDOW = 0.25
#: This many events waiting wake the writer at once, bounding memory in a storm.
WRITE_AT = 20_000
#: How long a write waits for another process's lock before it counts as failed: 150
#: runs starting at once on 2 cores waited past 5 s, and some were refused as "locked".
BUSY_TIMEOUT_MS = 30_000
#: Longest a run-finishing batch waits for its commit (a locked file may hold it up).
FINISH_WAIT = 30.0
#: While runs are live, checkpoint the WAL after this many written events (else when idle).
CHECKPOINT_EVENTS = 50_000
#: Quiet this long after its last write, the writer folds the WAL into the database; this
#: often while runs are live, whose heartbeats grew it by megabytes a full disk then held.
IDLE_CHECKPOINT, LIVE_CHECKPOINT = 0.25, 10.0
#: After a failed write (locked, disk full), the kept events are retried this often.
RETRY_INTERVAL = 1.0


def _connect(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    return connect(path, check_same_thread=check_same_thread, busy_ms=BUSY_TIMEOUT_MS)


class History(StoreReader):
    """The run history of one workspace: an event sink on the way in, records on the way out."""

    def __init__(
        self,
        path: Path | str,
        *,
        write_interval: float = WRITE_INTERVAL,
        sink_window: float = SINK_WINDOW,
    ) -> None:
        """``write_interval`` and ``sink_window`` bound how late other processes see an
        event; a run process that others watch live uses short ones (``LIVE_*``)."""
        self.path = Path(path)
        self.write_interval = write_interval
        # What a runner is given (``Runner(sinks=[history.sink])``): this history's
        # ``_take`` with a long batch window, since it writes in bulk anyway.
        self.sink = Subscription(self._take, batch_window=sink_window)
        self.owner = f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._me = Owner.current()
        self._clock = WriterClock()  # its wall clock against the boot clock, for readers
        self._write_lock = threading.Lock()
        self._number_lock = threading.Lock()
        self._handed: dict[str, int] = {}
        self.session_numbered: set[str] = set()  # runs numbered here: the store could not
        self._claims = Claims(self.path)  # reserved runs not taken over from their launcher
        #: Runs started and not finished, as of the last commit, with how many of their
        #: tasks were carried over (reused) so far: their row's counts keep it at the end.
        self._live: dict[str, int] = {}
        # Events taken from the sink and not yet committed; kept through a failed write.
        self._pending: list[StoreItem] = []
        #: Why the last write failed (None after a write that went through), and how many
        #: events were given up on: ``flowtop run`` says the run was not recorded.
        self.last_error: str | None = None
        self.lost = 0
        self._ends: dict[str, tuple[RunFinished, int]] = {}  # runs ended in those: ``close``
        #: Events committed so far: with ``lost``, whether a run is recorded in part.
        self.committed = 0
        self._failed_at = 0.0  # when the last write failed (monotonic)
        #: The first failure no retry cures (a damaged file, a bug), said once with what to
        #: do (``said_damaged``): ``flowtop run`` exits 1 then. None while there was none.
        self.damage: Exception | None = None
        self._damage_lock = threading.Lock()
        self._unchecked = 0  # events committed since the last checkpoint
        self._closed = False
        # Hand-over from the sink to the writer thread.
        self._cond = threading.Condition()
        self._buffer: list[StoreItem] = []
        self._buffered = 0  # events in _buffer
        self._first_at = 0.0
        self._last_pass = 0.0  # when the writer last took the buffer (monotonic)
        self._checked_at = 0.0  # when it last tried an idle checkpoint
        self._received = 0
        self._written = 0
        self._passes = 0
        self._wake = False
        self._stop = False
        self._retry = False
        try:
            if not self.path.exists():
                private_file(self.path)  # 0600 in a 0700 folder: outputs may hold secrets
        except OSError as exc:
            raise HistoryError(
                f"{self.path.parent}: cannot create the history folder: {exc}"
            ) from exc
        try:
            self._conn = _connect(self.path, check_same_thread=False)
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: cannot open the history database: {exc}") from exc
        self.place = StorePlace(self.path)  # where it is now: its folder may move (``close``)
        try:
            self._setup()
            self._numbers = _connect(self.path, check_same_thread=False)
        except HistoryError:
            self._conn.close()
            raise
        except sqlite3.Error as exc:
            self._conn.close()
            advice = store_advice(exc, self.path, writing=True)
            raise HistoryError(f"{self.path}: cannot use the run store ({exc}); {advice}") from exc
        self._store = closing_writes.StoreBeingWritten(  # what its writes on a full disk need
            path=self.path, conn=self._conn, write=self._write, full_disk=closing_writes.FullDisk(),
            owner=(self.owner, self._me.host, self._me.pid, self._me.boot, self._me.start),
        )  # fmt: skip
        with LIVE_LOCK:
            LIVE_OWNERS.add(self.owner)
        self._writer = threading.Thread(
            target=self._write_loop, name="flowtop-history", daemon=True
        )
        self._writer.start()
        ref = weakref.ref(self)  # the exit hook must not keep the History alive
        self._atexit = lambda: _close_at_exit(ref)
        atexit.register(self._atexit)

    # -- opening --------------------------------------------------------------------
    def _setup(self) -> None:
        conn = self._conn
        store_schema.check_version(conn, self.path)  # fails on a non-SQLite file
        mode = store_schema.enable_wal(conn)
        if mode != "wal":
            log.warning(
                "%s: WAL mode unavailable (journal_mode=%s); history still works, slower",
                self.path,
                mode,
            )
        conn.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints (which fsync) run when the writer is idle, not inside a commit.
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        with store_schema.write_transaction(conn):
            store_schema.migrate(conn, self.path)
            reap_runs(conn)

    def reap(self) -> list[str]:
        """Mark runs whose owner died INTERRUPTED now; the ids marked. Readers call this."""
        with self._write_lock:
            conn = self._conn
            try:
                with store_schema.write_transaction(conn):
                    return reap_runs(conn)
            except sqlite3.Error as exc:
                log.warning("%s: could not check for interrupted runs: %s", self.path, exc)
                return []

    # -- numbering ------------------------------------------------------------------
    def next_number(self, flow: str, run_id: str | None = None) -> int:
        """The next run number of ``flow``, never handed out twice by any process.

        Allocated in a write transaction over ``run_numbers``. With ``run_id`` the run is
        also recorded at once (RUNNING, owned by this process, heartbeat now), so a
        process killed before its first event reaches the file still leaves a record; a
        run id recorded already keeps its number, and this process takes it over (a run
        process reserves its run before it imports the flow file, then starts it, and
        its launcher may have reserved it first: ``run_numbers.reserve_launched``), even
        when that take-over fails (a full disk): retried every second (``Claims``).
        """
        with self._number_lock:
            try:
                floor, claims = self._handed.get(flow, 0), self._claims
                number = take_number(
                    self._numbers, flow, run_id, self.owner, self._me, floor=floor, claims=claims
                )
                if claims:
                    with self._cond:
                        self._cond.notify()  # the writer retries the take-over
            except sqlite3.Error as exc:
                if not self.said_damaged(exc):
                    log.warning(
                        "%s: cannot allocate a run number (%s); numbering from this session only",
                        self.path,
                        exc,
                    )
                number = self._handed.get(flow, 0) + 1
                if run_id is not None:
                    self.session_numbered.add(run_id)
            self._handed[flow] = max(self._handed.get(flow, 0), number)
            return number

    def beat(self, run_id: str) -> None:
        """The heartbeat of a run this process reserved and has not begun (while its
        flow file imports); once it runs, the ``OwnerAgent`` beats for it."""
        with self._number_lock:
            try:
                self._numbers.execute(
                    "UPDATE runs SET heartbeat = ? WHERE run_id = ?", (time.time(), run_id)
                )
            except sqlite3.Error as exc:  # locked or full: the next beat tries again
                log.debug("%s: heartbeat failed: %s", self.path, exc)

    # -- writing (the event sink) ---------------------------------------------------
    def _take(self, events: Sequence[StoreItem]) -> None:
        """Hand a batch of engine events to the writer thread. Never raises.

        A batch that finishes a run waits until the writer has committed it (the bus
        runs this sink on its own thread, so the engine does not wait), which makes
        ``runner.bus.flush()`` after ``run.result()`` mean "the history has the run".
        """
        if not events:
            return
        kinds = set(map(type, events))  # one pass in C: the sink sees every event
        finished = RunFinished in kinds
        # A run start is written at once too: other processes are waiting to show it.
        started = RunStarted in kinds
        with self._cond:
            if self._stop:
                return
            if not self._buffer:
                # Due one interval after the last write, not after this event: an event
                # after a quiet spell is written at once, a burst still in one commit
                # per interval.
                self._first_at = max(time.monotonic() - self.write_interval, self._last_pass)
                self._cond.notify()
            count = len(events)
            self._buffer.extend(events)
            self._buffered += count
            self._received += count
            if finished or started or self._buffered >= WRITE_AT:
                self._wake = True
                self._cond.notify()
            if finished:
                target = self._received
                self._cond.wait_for(
                    lambda: self._written >= target or self._stop or not self._writer.is_alive(),
                    FINISH_WAIT,
                )

    def __call__(self, events: Sequence[Event]) -> None:
        self._take(events)

    def subscription(self, *, before: Callable[[list[Event]], None]) -> Subscription:
        """The history's sink, with ``before`` called first on each batch, on the same
        thread: the result keeper, whose rows then go in with the steps that completed
        them. A sink thread of its own would wake as often again, taking the GIL from
        the engine's workers each time."""

        def record(events: list[Event]) -> None:
            try:
                before(events)
            finally:  # whatever ``before`` does, the history gets the events
                self._take(events)

        return Subscription(record, batch_window=self.sink.batch_window)

    def keep_results(self, items: list[history_fold.ResultRows | history_fold.ResultBatch]) -> None:
        """Store completed tasks' results (``results.ResultKeeper``) with the next commit."""
        self._take(items)

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

    def _write_loop(self) -> None:
        cond = self._cond
        while True:
            with cond:
                while not (self._wake or self._stop):
                    if self._buffer or self._retry or self._claims:  # (claims: every second)
                        due = self._first_at + (
                            self.write_interval if self._buffer else RETRY_INTERVAL
                        )
                        if self._retry:  # new events do not make a failing store try sooner:
                            # each try writes every kept event again
                            due = max(due, self._failed_at + RETRY_INTERVAL)
                        left = due - time.monotonic()
                        if left <= 0:
                            break
                        cond.wait(left)
                    elif self._unchecked or self._live:
                        # A WAL to fold in: once quiet a moment, unless the store closes
                        # first (a run process's close folds it in anyway); while live, often.
                        due = max(self._last_pass, self._checked_at) + IDLE_CHECKPOINT
                        if self._live:  # its heartbeats grow it too, however busy it is
                            due = self._checked_at + LIVE_CHECKPOINT
                        left = due - time.monotonic()
                        if left <= 0:
                            break
                        cond.wait(left)
                    else:
                        cond.wait()
                idle = not (self._wake or self._stop or self._buffer or self._retry or self._claims)
            if idle:  # woke for the idle checkpoint only
                self._checkpoint()
                self._checked_at = time.monotonic()  # a failed one waits as long again
                continue
            with cond:
                events, self._buffer, self._buffered = self._buffer, [], 0
                self._wake = False
                self._first_at = self._last_pass = time.monotonic()
                taken = self._received
                stop = self._stop
            with self._write_lock:
                self._pending.extend(events)
                self._retry = not self._commit(final=stop)
                self._claims.retry(self._conn, self.owner, self._me)
            with cond:
                self._written = taken
                self._passes += 1
                cond.notify_all()
                if stop and not self._buffer:
                    return
            if self._unchecked >= CHECKPOINT_EVENTS:
                self._checkpoint()

    def _commit(self, *, final: bool = False) -> bool:
        """Apply every pending event in one transaction; on failure keep them for the next
        try, unless ``final`` (the store is closing: there is no next try)."""
        if not self._pending:
            return True
        try:
            live = self._write(self._pending)
        except Exception as exc:  # noqa: BLE001 - locked, disk full, I/O error, or a bug: never raise
            self.last_error = str(exc) or type(exc).__name__
            waiting = history_fold.events_in(self._pending)
            closing = final or self._stop  # the store is closing: there is no next try
            kept = closing_writes.write_what_fits(
                self._store, self._pending, self._live, self.last_error, closing=closing
            )
            if kept is not None:  # a full disk took the runs' steps, all or without output
                if not self._store.full_disk.since:  # all of them, the WAL folded in
                    self.last_error = None
                    if self._retry:
                        log.warning("%s: recording resumed: %d events written", self.path, waiting)
                self.committed, self._pending, self._live = self.committed + waiting, [], kept
                return True
            if closing:
                log.error(
                    "%s: the run store could not be written (%s): %d events not recorded",
                    self.path,
                    self.last_error,
                    waiting,
                )
                self.lost += waiting
                self._ends.update(closing_writes.unrecorded_ends(self._pending))
                self._pending = []
                return False
            if isinstance(exc, sqlite3.OperationalError) and waiting <= MAX_WAITING_EVENTS:
                # Said once per outage (a full disk fails every try): the run goes on.
                first = not self._retry
                self._failed_at = time.monotonic()
                (log.warning if first else log.debug)(
                    "%s: history write failed (%s); recording stopped, the run goes on: "
                    "%d events kept for the next try (every %gs)",
                    self.path,
                    exc,
                    waiting,
                    RETRY_INTERVAL,
                )
                return False
            if not self.said_damaged(exc):
                log.error(
                    "%s: history write failed (%s: %s); %d events dropped",
                    self.path,
                    type(exc).__name__,
                    exc,
                    waiting,
                )
            self.lost += waiting
            live = self._live
        else:
            self.last_error = None
            self._store.full_disk.reset()  # the outage, if any, is over
            written = history_fold.events_in(self._pending)
            self.committed += written
            if self._retry:
                log.warning("%s: recording resumed: %d events written", self.path, written)
        self._unchecked += len(self._pending)
        self._pending = []
        self._live = live
        return True

    def _write(self, items: list[StoreItem]) -> dict[str, int]:
        """Apply ``items`` in one transaction; the runs left live. Raises what failed,
        the transaction rolled back."""
        conn = self._conn
        try:
            # IMMEDIATE: a read first (whether a run ending was marked meanwhile) made the
            # first write an upgrade, which SQLite refuses at once ("database is locked",
            # no busy wait) when another connection (the heartbeat) wrote in between
            conn.execute("BEGIN IMMEDIATE")
            live = history_fold.apply(conn, items, self._store.owner, self._live, self._clock)
            closing_writes.refuse_what_would_not_fold(conn, self.path, self._store.full_disk)
            conn.execute("COMMIT")
            self._clock.committed()
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            raise
        closing_writes.fold_when_low(conn, self.path)
        return live

    def said_damaged(self, exc: Exception) -> bool:
        """Say, once for this store, that it cannot be written for a reason no retry
        cures (a damaged file, a bug), and what to do, and keep it (``damage``): a corrupt
        store was said at every event batch of a run (and a partly damaged one fails some
        writes, not others). For this history's writes and for the other connections of
        its process (the owner's heartbeat and command queue, ``OwnerAgent``), from any
        thread. False for a failure the caller words itself (locked, full, read-only:
        retried)."""
        if isinstance(exc, sqlite3.OperationalError):
            return False
        with self._damage_lock:
            first, self.damage = self.damage is None, self.damage or exc
        if not first:
            log.debug("%s: the run store cannot be written (%s)", self.path, exc)
            return True
        advice = (
            store_advice(exc, self.path, writing=True)
            if isinstance(exc, sqlite3.Error)
            else "this is a bug in flowtop: please report it"
        )
        log.error(
            "%s: the run store cannot be written (%s: %s): runs go on, their events "
            "dropped while it cannot; %s",
            self.path,
            type(exc).__name__,
            exc,
            advice,
        )
        return True

    def _checkpoint(self) -> None:
        """Copy the WAL into the database file, so the WAL stays small."""
        with self._write_lock:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                self._unchecked = 0
            except sqlite3.Error as exc:
                log.warning("%s: WAL checkpoint failed: %s", self.path, exc)

    # -- pruning --------------------------------------------------------------------
    def prune(self, keep: int, flow: str | None = None) -> int:
        """Delete all but the newest ``keep`` finished runs of each flow (``prune_runs``),
        and their run processes' logs; how many went (``sqlite3.Error``: none could)."""
        with self._write_lock:
            try:
                removed = prune_runs(self._conn, keep, flow)
            except PruneUnfinished as exc:
                removed = exc.removed
                log.warning("%s: pruned runs' rows left (%s) for the next prune", self.path, exc)
        folder = self.place.folder()  # (where it moved with its folder, if it did)
        for run_id in removed:
            forget_log(folder, run_id)
        return len(removed)

    def compact(self) -> bool:
        """Give the pages of deleted runs back to the file system (``pruning.compact``);
        False when that cannot be done now: later runs reuse them then."""
        with self._write_lock:
            return compact(self._conn, self.path)

    # -- closing --------------------------------------------------------------------
    def close(self) -> None:
        """Write what is still pending, end this process's unfinished runs (as they ended,
        when their end was among the events that failed), release the file."""
        with self._cond:
            if self._stop:
                return
            self._stop = True
            self._cond.notify_all()
        self._writer.join(30.0)
        atexit.unregister(self._atexit)
        self.stop_watching()  # before the WAL is folded in: it would keep it
        with self._write_lock:
            if self._buffer:  # the writer could not finish (stuck on a locked file)
                events, self._buffer, self._buffered = self._buffer, [], 0
                self._pending.extend(events)
            self._commit(final=True)
            if self.last_error:  # a full disk: the heartbeats' pages in the WAL hold its room
                closing_writes.fold_wal(self._conn, self.path)
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                why = closing_writes.stopped_because(self.last_error or "", self.path)
                closing_writes.end_own_runs(self._conn, self.owner, self._ends, why)
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                closing_writes.mark_lost_ends(self.path, self._ends, exc)
                if not self.said_damaged(exc):
                    log.warning("%s: could not mark unfinished runs at close: %s", self.path, exc)
            self._closed = True
            # a closed store is one file its size: a TUI tailing it, or a connection
            # this process left open, keeps SQLite from doing so as the last one closes
            closing_writes.fold_wal(self._conn, self.path)
            moved_to = self.place.moved()  # (asked with the file still open)
            self._conn.close()
        with self._number_lock:
            self._numbers.close()
        let_go_there(moved_to)  # SQLite deleted -wal and -shm at the old path: here too
        with LIVE_LOCK:
            LIVE_OWNERS.discard(self.owner)

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<History {self.path}>"


def _close_at_exit(ref: weakref.ReferenceType[History]) -> None:
    if (history := ref()) is not None:
        try:
            with closing_writes.signals_held():  # a second `kill` as the process exits
                history.close()
        except Exception:  # nothing may fail at interpreter exit
            log.exception("closing the history at exit failed")


def open_live_history(state_dir: Path) -> History:
    """The workspace's store as a live process opens it (the TUI, a run process)."""
    private_folder(state_dir)
    return History(
        state_dir / STORE_FILE,
        write_interval=LIVE_WRITE_INTERVAL,
        sink_window=LIVE_SINK_WINDOW,
    )
