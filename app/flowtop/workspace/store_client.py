"""A client of the run store: sees every run of the workspace, acts on any of them.

The TUI (and each browser tab) uses one. It never executes a run itself: ``start`` and
the reruns launch a run process (``launcher``), the run keys queue commands for the
run's owner (``owner_agent``), and a thread tails the event log and hands every event,
of every run whoever started it, to the sink the client was given, the same way an
in-process run's events would arrive. On open, each flow's newest run is replayed first,
so a restarted TUI shows where everything stands. A store deleted and made again (``rm -rf
.flowtop``, then a run), or moved in over the old one, is read anew as on open, and the
runs still live in the old one are handed on ended (``_store_replaced``): nothing would
ever end them on screen (one moved away with its folder is said so: they go on there).
Nothing the store does under the tail ends its thread: a monitor whose tail had stopped
(a file where ``.flowtop`` was) never showed a run again.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from ..engine.events import RunFinished, RunStarted, TaskStateChanged
from ..engine.states import StateType
from .history import History, reap_store
from .history_records import HistoryError, RunRecord
from .launcher import Launched, launch
from .owner_agent import NO_FILE, enqueue, store_file_id
from .places import folder_in_the_way
from .private import private_folder, refuse_linked_store, workspace_in_use
from .reaper import unmarked, unwritten
from .run_log import LogDamage, LogEvent, LogTail, RunInterrupted, connect_reader
from .run_numbers import RerunRunning, SourceGone
from .run_stage import run_stages
from .store_client_origins import Origins
from .store_client_prunes import PruneWatch
from .store_client_replay import replay_runs, runs_to_replay
from .store_errors import store_writable, unreadable
from .store_moved import Moved, ParkedTail, moved, store_went
from .store_notices import ClientEvent, RunsReserved, StoreGone
from .store_reader import ReservedRun, StoreReader, reserved_runs
from .store_schema import SCHEMA_VERSION, check_version
from .unread_ends import unread_ends

log = logging.getLogger("flowtop.client")
#: What live runs wait on, by id (``RunsReserved.stages``).
Stages = tuple[tuple[str, str], ...]

AWAITING_RETRY = StateType.AWAITING_RETRY


#: How often the log is read while runs are live (seconds), and when all is quiet.
POLL_LIVE = 0.02
POLL_IDLE = 0.1
#: Polls without an event before the tail slows from ``POLL_LIVE`` to ``POLL_IDLE``.
QUIET_POLLS = 50
#: How often the client checks that live runs' owners still exist (seconds).
REAP_EVERY = 1.0
#: How often, at most, the client asks for the reserved runs (``RunsReserved``, seconds);
#: only when the store changed since it last asked (``PRAGMA data_version``).
RESERVED_EVERY = 0.1


class StoreClient:
    """One workspace's runs, as seen from a process that does not execute them."""

    def __init__(
        self,
        db: Path,
        sink: Callable[[Sequence[ClientEvent]], None],
        *,
        executor: str | None = None,
        workers: int | None = None,
        says_gone: bool = False,
        says_reserved: bool = False,
    ) -> None:
        """``says_gone``: the sink is handed a ``StoreGone`` when the store is deleted, a
        ``RunsPruned`` when runs it was handed are pruned; ``says_reserved``: a ``RunsReserved``
        when the runs still importing change: notices (``store_notices``), among the events."""
        self.db = db
        self.sink = sink
        self.executor = executor
        self.workers = workers
        #: Runs this client started (run id -> process), for "keep or cancel?" at quit.
        self.started: dict[str, Launched] = {}
        self._stop = threading.Event()
        #: Set when this client started a run or queued a command: its effect is due
        #: soon, so the tail polls fast again at once instead of at the idle pace.
        self._hurry = threading.Event()
        self._thread: threading.Thread | None = None
        #: Dead runs a read-only (or full) store could not mark, already handed on ended.
        self._unmarked: set[str] = set()
        #: The runs handed on started and not ended, by id: (flow, number).
        self._live: dict[str, tuple[str, int]] = {}
        #: Of each of those, the tasks handed on awaiting a retry, with the attempt whose
        #: wait it was last: what a retry now or give up is aimed at (``command``).
        self._waits: dict[str, dict[str, int]] = {}
        #: The last row of each of those that could not be read, said if its end never is.
        self._damaged: dict[str, LogDamage] = {}
        self._says_gone = says_gone
        #: The store file the tail follows (``store_file_id``; None: not known yet).
        self._following: tuple[int, int] | None = None
        #: How the last store followed went (``… was deleted``), once one has; then the
        #: runs handed on since, which are in the store at the store's name now.
        self._gone: str | None = None
        self._handed_since_gone: set[str] = set()
        self._says_reserved = says_reserved
        #: The reserved runs handed last, and what they are read on: a connection of the
        #: tail's thread, kept so that ``PRAGMA data_version`` tells when the store changed.
        #: The reserved runs and live runs' stages last said (None: said whatever they are).
        self._reserved: tuple[tuple[ReservedRun, ...], Stages] | None = ((), ())
        self._reserved_conn: sqlite3.Connection | None = None
        self._reserved_version: tuple[int, int] | None = None
        self._next_reserved_look = 0.0
        #: What the last look at the store met (``_look_around``), said once: None, nothing.
        self._look_failed: str | None = None
        self._prunes = PruneWatch(db, sink if says_gone else None, self._replay_all)  # RunsPruned
        self._origins = Origins(db)  # where reruns' reused results were made
        workspace_in_use(db.parent.parent)  # moved away later: said gone, not made again
        self._ensure_store()
        self._following = store_file_id(self.db)  # (not at the tail's start: deleted by then)

    def _ensure_store(self) -> None:
        """Create (or migrate) the store once, so readers can open it read-only. A link
        at its name is refused first (``private.refuse_linked_store``), as the writers
        refuse it: the TUI's tail, commands and reruns would open what it points at."""
        refuse_linked_store(self.db)
        if not self.db.exists():
            private_folder(self.db.parent)
            History(self.db).close()
            return
        try:
            with closing(connect_reader(self.db)) as conn:
                current = check_version(conn, self.db) >= SCHEMA_VERSION
        except (sqlite3.Error, HistoryError):
            return  # not a store, or a newer one: the reads say so
        if not current and os.access(self.db, os.W_OK):
            try:
                History(self.db).close()  # migrates; a read-only store is read as it is
            except HistoryError as exc:
                log.warning("%s", exc)

    # -- reading ----------------------------------------------------------------------
    def open(self, *, replay_on_thread: bool = False) -> None:
        """Replay each flow's newest run and every other live run, then follow the log
        on a thread. A store that cannot be read is a ``HistoryError`` saying its path
        and what to do, as ``flowtop history`` says it: the TUI showed SQLite's words
        alone ("file is not a database").

        ``replay_on_thread``: the runs to replay are picked here (so an unreadable store
        still fails here), and their logs are read and handed on by the tail's thread,
        before it follows: a monitor opening on a 10,000-task run with 38 MB of output
        had its screen held for 0.4-1.5 s while the log was decoded."""
        try:
            self._open(replay_on_thread)
        except sqlite3.Error as exc:
            raise HistoryError(unreadable(exc, self.db)) from exc

    def _open(self, replay_on_thread: bool) -> None:
        tail = LogTail(self.db)
        end = tail.end()
        reader = StoreReader(self.db)
        reap_store(self.db)
        replays = self._to_replay(reader)
        target: Callable[..., None] = self._replay_then_follow
        args: tuple[object, ...] = (tail, end, replays)
        if not replay_on_thread:
            self._replay_all(replays, end)
            self._start_following(tail, end)
            self._forget_reserved_reader()  # (SQLite's connections stay on their own thread)
            target, args = self._follow, (tail,)
        self._thread = threading.Thread(
            target=target, args=args, name="flowtop-store-tail", daemon=True
        )
        self._thread.start()

    def _to_replay(self, reader: StoreReader) -> list[tuple[str, bool]]:
        """The runs to replay, in order, each with whether in outline; prunes noticed now on."""
        self._prunes.start()
        return runs_to_replay(reader)

    def _start_following(self, tail: LogTail, end: int) -> None:
        """The replay went up to the id ``end``: what comes later arrives through the
        live tail, once."""
        tail.last = end
        self._say_reserved(end)

    def _replay_then_follow(self, tail: LogTail, end: int, replays: list[tuple[str, bool]]) -> None:
        """``open(replay_on_thread=True)``'s thread: the replay, then the tail. A run whose
        log cannot be read now (damaged since it was picked) is said in its place
        (``LogDamage``), and the others are shown."""
        if not self._replay_all(replays, end, tolerant=True):
            tail.close()
            return
        self._start_following(tail, end)
        self._follow(tail)

    def _replay_all(
        self, replays: list[tuple[str, bool]], upto: int, *, tolerant: bool = False
    ) -> bool:
        """Hand on the ``replays``' events up to the id ``upto`` (``replay_runs``)."""
        return replay_runs(self.db, replays, upto, self._hand, self._stop, tolerant=tolerant)

    def _hand(self, events: Sequence[LogEvent]) -> None:
        """Give ``events`` to the sink, keeping count of the runs it was told are live, and
        telling ``_prunes`` the runs handed on and where the cache hits are (a cache hit
        naming a pruned run says so), a rerun's start its source's number and its reused
        results where they were made (``_origins``): in one pass, the monitor's event path."""
        hits: list[tuple[int, TaskStateChanged]] = []
        sourced: list[tuple[int, RunStarted]] = []
        for at, event in enumerate(events):
            if type(event) is TaskStateChanged:  # (most events: asked first)
                if event.state is AWAITING_RETRY:
                    self._waits.setdefault(event.run_id, {})[event.task] = event.attempt
                if event.reused:
                    hits.append((at, event))
            elif type(event) is RunStarted:
                if event.rerun_of is not None:  # (its source read now: it may be pruned later)
                    sourced.append((at, self._prunes.sourced(event, self._origins.source_number)))
                self._live[event.run_id] = (event.flow, event.run)
                self._prunes.started(event)
                if self._gone is not None:  # (kept only once a store went: no cost before)
                    self._handed_since_gone.add(event.run_id)
            elif isinstance(event, RunFinished | RunInterrupted):
                self._live.pop(event.run_id, None)
                self._damaged.pop(event.run_id, None)
                self._waits.pop(event.run_id, None)
                if type(event) is RunInterrupted:
                    self._prunes.interrupted(event)
            elif type(event) is LogDamage and event.run_id in self._live:
                self._damaged[event.run_id] = event
        if sourced:
            events = list(events)
            for at, start in sourced:
                events[at] = start
        if hits:
            events = self._prunes.marked(self._origins.named(events, hits), hits)
        self.sink(events)

    def _store_replaced(self, now_file: tuple[int, int], *, said: bool = True) -> Moved | None:
        """The store was deleted (another may be at its name already, ``now_file``), or
        moved away with its folder (returned): hand on its live runs as ended, saying why.
        No reaper ends them, nor any event once a new store is followed: they were shown
        running for good, offering keys that reach no process (a run process cancels such
        a run itself: its end, read from the old file, may follow; one the new store holds
        is handed on again as it holds it, ``_read_anew``; one moved goes on there).
        First, to a client that asks, ``StoreGone``: every run it was handed went
        with that file, and a screen that kept the ended ones showed runs no store holds
        (the live ones, ended next, stay on screen saying why); ``said``: a toast says so."""
        now = time.time()
        self._reserved = None  # a screen forgets them with the store: the new one's are said
        went = self._moved(now_file) if said else None
        gone, words, why = store_went(self.db, went, new_store=now_file != NO_FILE)
        if self._following != NO_FILE:  # (the one made where none was: nothing went with it)
            self._gone = gone
            self._handed_since_gone = set()
            if self._says_gone:
                self.sink([StoreGone(words, now, said=said)])
        ended = [
            RunInterrupted(run_id, why, now, flow=flow, run=number)
            for run_id, (flow, number) in sorted(self._live.items())
        ]
        if ended:
            self._hand(ended)
        return went

    def _moved(self, now_file: tuple[int, int]) -> Moved | None:
        """How the store followed, not at its path now, moved away (``store_moved``)."""
        ours = self._following
        return None if ours in (None, NO_FILE) else moved(self.db, ours, there=now_file != NO_FILE)

    def gone_with_store(self, run_id: str) -> str | None:
        """Why run ``run_id``, which this client handed on, is in no store any more when
        it is not (a rerun of it refused): its store was deleted or replaced since
        (``.flowtop/history.db was deleted``), or None: pruned from the store it is in.
        Asked from any thread; the tail may not have looked since the store went."""
        now_file = store_file_id(self.db)
        following = self._following
        if following is not None and now_file is not None and now_file != following:
            return store_went(self.db, self._moved(now_file), new_store=now_file != NO_FILE)[0]
        if self._gone is not None and run_id not in self._handed_since_gone:
            return self._gone
        return None

    def _follow(self, tail: LogTail) -> None:
        next_reap = 0.0
        quiet = 0
        failing = False
        try:
            while not self._stop.is_set():
                try:
                    events = tail.read()
                    failing = False
                except Exception as exc:  # noqa: BLE001 - a locked or vanished file: retry
                    if not failing:  # once per outage, not once per poll
                        log.warning("%s: cannot read the event log: %s", self.db, exc)
                    failing = True
                    events = []
                if events:
                    quiet = 0
                    self._adopt_flow_retries(events)
                    if self._live and self._ends_a_live_run(events):
                        tail = self._look_at_store(tail, events)
                    if events:
                        self._hand(events)
                    self._say_reserved(tail.last)
                    continue
                quiet += 1
                self._say_reserved(tail.last)
                now = time.monotonic()
                if now >= next_reap:
                    tail = self._look_around(tail)
                    next_reap = now + REAP_EVERY
                if self._hurry.wait(POLL_LIVE if quiet < QUIET_POLLS else POLL_IDLE):
                    self._hurry.clear()
                    quiet = 0
        finally:
            tail.close()
            self._forget_reserved_reader()

    def _look_around(self, tail: LogTail) -> LogTail:
        """The look once a second: at the store's file, at dead runs' owners, at ends
        not read; the tail to read on. What it meets is said once and looked at again
        next time: a ``NotADirectoryError`` while a file stood where ``.flowtop`` was
        ended the thread, and the window followed no store again once it was back."""
        try:
            tail = self._look_at_store(tail)
            reap_store(self.db)
            self._say_unmarked()
            self._say_unread_ends(tail.last)
        except Exception as exc:  # noqa: BLE001 - whatever is at the store's name: next look
            said = f"{type(exc).__name__}: {exc}"
            if said != self._look_failed:
                log.warning("%s: cannot look at the run store: %s", self.db, said)
            self._look_failed = said
        else:
            self._look_failed = None
        return tail

    def _ends_a_live_run(self, events: Sequence[LogEvent]) -> bool:
        """Whether ``events`` end a run handed on live: its process may have ended it on
        seeing its store deleted, before this client's look at the file (once a second).
        Asked only while runs are live: a client watching ended runs reads no batch twice."""
        return any(
            isinstance(event, RunFinished | RunInterrupted) and event.run_id in self._live
            for event in events
        )

    def _look_at_store(self, tail: LogTail, read: list[LogEvent] | None = None) -> LogTail:
        """The tail to read on: ``tail``, or one of the new store when the store followed
        was deleted or replaced (said first, ``_store_replaced``), or when its log went
        back under the tail (``LogTail.rewritten``). Looked at before a live run's end is
        handed on too (``read``, the events read with it, not handed yet): a run whose
        process cancelled it as its store went was ended when the store was said gone,
        and a screen dropped it with the ended runs of the old store (the run shown
        became "not run yet"). Those events are then handed here, after the store is
        said gone and before the new one's runs, which they must not overwrite (a run
        the new store holds too is shown as it holds it), and ``read`` is emptied."""
        now_file = store_file_id(self.db)
        if self._following is None:  # not known at first (out of reach a moment)
            self._following = now_file
        elif now_file not in (self._following, None):
            # `.flowtop` deleted (and maybe a new store made by a run since): its live runs
            # are out of reach, and a new store's runs never showed while the tail read the
            # deleted file on.
            went = self._store_replaced(now_file)
            self._following = now_file
            self._forget_reserved_reader()  # it read the file that went
            self._hand_read(read)
            if went is not None and now_file == NO_FILE:  # its runs go on: followed there
                tail.close()
                return ParkedTail(self.db, tail.last)
            if now_file != NO_FILE:
                log.warning("%s was replaced: following the new run store", self.db)
                tail.close()
                return self._read_anew()
        elif now_file == self._following != NO_FILE and _went_back(tail, read, self._prunes):
            # the same file, its log gone back: read as a store moved in, without a word
            # (the store moved in was said a moment ago, as its old writer let go of it)
            log.warning("%s: its event log was rewritten: reading it anew", self.db)
            self._store_replaced(now_file, said=False)
            self._forget_reserved_reader()
            self._hand_read(read)
            tail.close()
            return self._read_anew()
        return tail

    def _hand_read(self, read: list[LogEvent] | None) -> None:
        """Hand on the events ``read`` (``_look_at_store``), and empty it."""
        if read:
            self._hand(list(read))
            read.clear()

    def _read_anew(self) -> LogTail:
        """A tail of the store at ``db`` now, after what it holds was handed on as on
        open (``_to_replay``: each flow's newest run, then the other live ones). The
        new store's log was read from its first id on, trusted to follow the old one's:
        a store moved in (``mv backup.db …``) had its newer runs' starts at ids already
        read, and they never showed (the screen kept the old run, its `h` the new one)."""
        tail = LogTail(self.db)
        try:
            end = tail.end()
            replays = self._to_replay(StoreReader(self.db))
        except (sqlite3.Error, HistoryError, OSError) as exc:  # not a store (yet): read on
            log.warning("%s: cannot read the new run store: %s", self.db, exc)
            return tail  # from its first event, when it can be read
        self._replay_all(replays, end, tolerant=True)
        self._start_following(tail, end)
        return tail

    def _say_reserved(self, read_upto: int) -> None:
        """Hand on ``RunsReserved`` when the runs reserved and not yet heard from (none of
        their events up to ``read_upto``, the last id handed on) changed. Asked at most
        every ``RESERVED_EVERY``, and only when another connection wrote to the store or
        more was handed on since: a tail that polls every 20 ms costs a pragma, not a
        query."""
        now = time.monotonic()
        if not self._says_reserved or now < self._next_reserved_look:
            return
        self._next_reserved_look = now + RESERVED_EVERY
        try:
            conn = self._reserved_conn
            if conn is None:
                conn = self._reserved_conn = connect_reader(self.db)
            (changes,) = conn.execute("PRAGMA data_version").fetchone()
            version = (changes, read_upto)  # what it says changes with what was handed on
            if version == self._reserved_version:
                return
            runs = reserved_runs(conn, read_upto)
            stages = tuple(sorted(run_stages(conn).items()))
        except (sqlite3.Error, OSError):  # locked, or gone (a file at .flowtop): next look
            self._forget_reserved_reader()
            return
        self._reserved_version = version
        if (runs, stages) != self._reserved:
            self._reserved = (runs, stages)
            self.sink([RunsReserved(runs, time.time(), stages)])

    def _forget_reserved_reader(self) -> None:
        """Close what ``_say_reserved`` reads on; its next look opens the store anew."""
        conn, self._reserved_conn, self._reserved_version = self._reserved_conn, None, None
        if conn is not None:
            conn.close()

    def _say_unmarked(self) -> None:
        """Hand on, once each, the runs whose process is gone that the store could not
        mark (read-only here, a full disk): as ``flowtop history`` and ``watch`` show them,
        interrupted with why. Otherwise the screen showed such a run running for good, its
        clock going on, and offered to cancel it or start another beside it."""
        if unwritten(self.db) is None:
            return
        ended = [event for event in unmarked(self.db) if event.run_id not in self._unmarked]
        if ended:
            self._unmarked.update(event.run_id for event in ended)
            self._hand(ended)

    def _say_unread_ends(self, read_upto: int) -> None:
        """Hand on as ended, saying why, the live runs whose end the store records but
        whose end row could not be read (damaged, deleted), once their process is gone
        and every row of theirs up to ``read_upto`` was read (``unread_ends``): a screen
        showed such a run, and its running task, Running for good."""
        if self._live:
            ended = unread_ends(self.db, self._live, read_upto, self._damaged)
            # (a store put at its name since the look at it lacks their rows: not said
            # "gone from its runs table", the next look says the store was replaced)
            if ended and store_file_id(self.db) == self._following:
                self._hand(ended)

    # -- acting -----------------------------------------------------------------------
    def start(
        self,
        path: Path,
        flow: str,
        *,
        rerun_of: str | None = None,
        task: str | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> Launched:
        """Launch a run process for ``flow`` (from the file at ``path``).
        Raises ``PermissionError`` when the store is read-only here: the run would go
        on unrecorded, and so unseen by every client, this one too. A rerun is refused
        with ``RerunRunning`` when its source or a rerun of it is live, whoever started
        it: the store checks and records it in one transaction (``reserve_rerun``), so
        two clients rerunning one run at once (two TUIs on one save) start one rerun; with
        ``SourceGone`` when the store is gone (deleted since), nothing made in its place."""
        self._refuse_file_in_the_way()
        if not self.db.exists():  # deleted meanwhile: a new one, for the launcher to record in
            if rerun_of is not None:  # not for a refusal: its source went with the store
                raise SourceGone(rerun_of)
            self._ensure_store()
            self._hurry.set()
        if not store_writable(self.db):
            raise PermissionError(
                f"{self.db} is read-only here, and a run it cannot record would go unseen "
                "(flowtop history and watch still read it)"
            )
        try:
            launched = launch(
                path,
                flow,
                state_dir=self.db.parent,
                rerun_of=rerun_of,
                task=task,
                executor=self.executor,
                workers=self.workers,
                parameters=parameters,
                exclusive=True,
            )
        except RerunRunning:
            self._hurry.set()  # the run that is live: shown soon
            raise
        self.started[launched.run_id] = launched
        self._hurry.set()
        return launched

    def command(
        self, run_id: str, kind: str, task: str | None = None, attempt: int | None = None
    ) -> int:
        """Queue cancel / retry_now / give_up for the run's owner; the command's id, whose
        answer ``owner_agent.outcome`` reads. A retry_now or give_up acts on the wait of
        ``attempt``, by default the one last handed on for ``task`` (what the screen
        shows): pressed twice, or in two windows, it cut the next attempt's wait too,
        nobody having seen it (``owner_agent.aimed``)."""
        self._refuse_file_in_the_way()
        if attempt is None and task is not None:
            attempt = self._waits.get(run_id, {}).get(task)
        command_id = enqueue(self.db, run_id, kind, task, attempt)
        self._hurry.set()
        return command_id

    def _refuse_file_in_the_way(self) -> None:
        """A ``NotADirectoryError`` in the CLI's words when a file is where ``.flowtop``
        goes: the monitor said `[Errno 20] Not a directory: '…/.flowtop/history.db'`."""
        said = folder_in_the_way(self.db.parent)
        if said is not None:
            raise NotADirectoryError(said)

    def _adopt_flow_retries(self, events: list[LogEvent]) -> None:
        """A ``@flow``'s own retry of a run started here (its ``starts_in`` says so) is
        started here too: quitting asks about it, and "cancel" cancels it, where it went
        on to run its body once the window was gone."""
        if not self.started:  # (the event path: a window that started nothing asks nothing)
            return
        for event in events:
            if type(event) is RunStarted and event.starts_in is not None:
                launched = self.started.get(event.rerun_of or "")
                if launched is not None:
                    self.started[event.run_id] = launched

    def live_started_here(self) -> list[RunRecord]:
        """Runs this client launched that are still running (asked about at quit)."""
        if not self.started:
            return []
        if not self.db.exists():  # deleted since: no run of it is left to ask about
            return []
        try:
            live = StoreReader(self.db).running()
        except (HistoryError, OSError, sqlite3.Error):  # unreadable: left as they are, the
            return []  # quit not held up (it cannot tell which still run)
        return [r for r in live if r.run_id in self.started]

    def close(self) -> None:
        self._stop.set()
        self._hurry.set()
        if self._thread is not None:
            self._thread.join(2.0)


def _went_back(tail: LogTail, read: list[LogEvent] | None, prunes: PruneWatch) -> bool:
    """``tail.rewritten()``, unless a prune took runs handed on (``PruneWatch.look``, at a
    look, ``read`` None), said then; False when that cannot be read now (at the next look)."""
    try:
        return (read is not None or not prunes.look(tail)) and tail.rewritten()
    except (sqlite3.Error, OSError):
        return False
