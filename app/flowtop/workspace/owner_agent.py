"""The owner's side of the run store: heartbeats, and commands other processes queued.

A process that executes runs proves it is alive by writing a heartbeat for its live
runs every second, and it is the only one that can act on them: a TUI in another
process, ``flowtop cancel`` or a browser tab queue a command (cancel, retry now, give
up) addressed to a run, and this agent hands it to the run within a poll interval.

Its errors go to the process's ``History`` (``for_history``): a store damaged in the
pages the agent reads (the ``commands`` table) is said once for the store, with what to
do, as the history's own writes say it, and ``flowtop run`` exits 1 for it.

A store deleted, renamed (``mv .flowtop .flowtop-old``) or with another file put in its
place while runs live leaves them out of every other process's reach: their records went
with the file, which this process alone still writes. The agent notices at its next
heartbeat and cancels them (``STORE_GONE``), saying why on the process's output, rather
than run on unseen and uncancellable: a run flowtop cannot record is one ``flowtop run``
refuses to start (``--no-history`` aside).
A store that moved away with its folder (``mv proj proj-old``) is neither: its runs go
on, recorded where it is now (``store_moved``), and the agent follows it there.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from ..formats import date_time
from ..looks import INTERRUPTED
from .access import blocked
from .history_records import HistoryError
from .load_error import display_path
from .ownership import HEARTBEAT
from .reaper import connect
from .store_errors import store_advice
from .store_moved import Moved, moved, moved_said, renamed_said, renamed_to

if TYPE_CHECKING:
    from ..engine.run import FlowRun
    from ..engine.runner import Runner
    from .history import History

log = logging.getLogger("flowtop.store")

#: How often the owner looks for queued commands (seconds): the bound on a key's delay.
POLL = 0.02

COMMANDS = ("cancel", "retry_now", "give_up")
#: Not a queued command: the agent's own, for a run it lost (``OwnerAgent._beat``).
LOST = "lost"
#: Not a command either: the agent asking whether a run it saw begin is still being
#: started or running here (True), or ended or failed to start (False, or None: its
#: handle is gone) (``OwnerAgent._ended_here``).
LIVE = "live"
#: What the tasks a lost run still had read when its owner cancels them.
LOST_WHY = "given up: the run was marked interrupted while its process sent no heartbeats"
#: Not a queued command either: the agent's own, for a run whose store went away while it
#: ran (``OwnerAgent._store_gone``): cancelled, its tasks saying ``GONE_WHY`` (``gone_why``).
STORE_GONE = "store_gone"
GONE_WHY = (
    "cancelled: its run store was deleted, renamed or replaced while it ran, so no other "
    "flowtop could see or cancel it"
)


def gone_why(how: str | None) -> str:
    """What a run cancelled for its store gone says (``GONE_WHY``), with ``how`` it went
    where this process tells (``… .flowtop was renamed to .flowtop-old``)."""
    if how is None:
        return GONE_WHY
    return (
        f"cancelled: its run store {how} while it ran, so no other flowtop could see or cancel it"
    )


class CommandRefused(HistoryError, OSError):
    """A command the store would not take (read-only here, another user's): one line,
    for ``flowtop cancel``, and an ``OSError`` for the TUI, which says those."""


#: How long a run's start waits for the agent's poll to let go of the store (seconds).
BEGIN_WAIT = 0.5
#: Applies one command to one run of this process: True when it took effect, False when
#: there was nothing to do, None when this process has not started that run (yet).
Apply = Callable[[str, str, str | None], bool | None]
#: Takes a store error the agent met: True when it said it (``History.said_damaged``).
Found = Callable[[sqlite3.Error], bool]


def _connect(path: Path) -> sqlite3.Connection:
    """A connection to the store ``path`` for the agent's thread and for ``enqueue``: the
    writers' own (``reaper.connect``: 5 s busy timeout, autocommit, usable from any
    thread), so never one through a symbolic link at the store, beside it or at its
    ``.flowtop`` (a ``FolderError`` naming the link). Opened with ``sqlite3.connect``,
    it wrote the queued command, and the agent its heartbeats, into the file a link
    planted after the store was checked points at (and SQLite made a dangling one's).
    Never one that makes the store either: each acts on one found before, and a store
    deleted since (with its ``.flowtop``) is said so (``_gone``), not made again empty."""
    # (waits 5 s for a lock, as every writer)
    conn = connect(path, check_same_thread=False, create=False)
    # (as the history's: a heartbeat every half second, each fsynced, for nothing a
    # power cut could lose that matters)
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


#: Between a task's key and the number of the attempt whose wait a ``retry_now`` or
#: ``give_up`` was aimed at, in the command's ``task`` column (``aimed``): a second `n`
#: for one wait cut the next attempt's wait too, the command naming only the task. Kept
#: in that column, not in one of its own, so no store changes version for it; an older
#: owner finds no task of that name and ignores the command, cutting no wait.
AIMED = "\x1f"


def aimed(task: str | None, attempt: int | None) -> str | None:
    """``task`` as a command's ``task`` column holds it, with ``attempt`` when known."""
    return task if task is None or attempt is None else f"{task}{AIMED}{attempt}"


def aimed_at(stored: str) -> tuple[str, int | None]:
    """The task and attempt a command's ``task`` column names (``aimed``)."""
    task, mark, number = stored.rpartition(AIMED)
    return (task, int(number)) if mark and number.isdigit() else (stored, None)


def enqueue(
    path: Path, run_id: str, kind: str, task: str | None = None, attempt: int | None = None
) -> int:
    """Queue a command for the owner of ``run_id``; its id (raises ``ValueError`` for a bad
    kind). ``attempt``: for ``retry_now`` and ``give_up``, the failed attempt whose wait
    it acts on; once that wait is over, the command does nothing. A store that will not
    take it is a ``CommandRefused``, one with a symbolic link in its place a
    ``FolderError`` (``_connect``): both ``HistoryError``s and ``OSError``s, one line each
    for ``flowtop cancel`` and the TUI's notification."""
    if kind not in COMMANDS:
        raise ValueError(f"unknown command {kind!r}; expected one of {', '.join(COMMANDS)}")
    try:
        with closing(_connect(path)) as conn:
            cursor = conn.execute(
                "INSERT INTO commands(run_id, kind, task, created) VALUES (?, ?, ?, ?)",
                (run_id, kind, aimed(task, attempt), time.time()),
            )
            return int(cursor.lastrowid or 0)
    except sqlite3.Error as exc:  # a store this user may only read
        whose = blocked(path, write=True) or blocked(path.parent, write=True)
        raise CommandRefused(
            f"the request could not be queued in {display_path(path)} ({exc}): "
            f"{_gone(path) or whose or store_advice(exc, path, writing=True)}"
        ) from None


def outcome(path: Path, command_id: int) -> str | None:
    """What the owner did with a command ('applied', 'ignored: …'), None while not taken;
    a ``FolderError`` when a symbolic link has taken the store's place (``_connect``), a
    ``CommandRefused`` when it cannot be read (deleted since: ``_gone``; locked)."""
    try:
        with closing(_connect(path)) as conn:
            row = conn.execute(
                "SELECT outcome FROM commands WHERE id = ?", (command_id,)
            ).fetchone()
    except sqlite3.Error as exc:
        raise CommandRefused(
            f"{display_path(path)} cannot be read ({exc}): "
            f"{_gone(path) or store_advice(exc, path, writing=False)}"
        ) from None
    return None if row is None else row[0]


def _gone(path: Path) -> str | None:
    """What to say of the store ``path`` when it is not there any more (deleted with its
    ``.flowtop``, since the run was found): its runs went with it; else None."""
    if store_file_id(path) != NO_FILE:
        return None
    return (
        "it was deleted since the run was found, and the run went with it (its process "
        "cancels a run whose store is deleted)"
    )


class OwnerAgent:
    """One thread per owning process: heartbeats for ``owner``'s live runs, and commands.

    ``apply(run_id, kind, task)`` is called on this thread; the engine's run handles are
    thread-safe, so it may call them directly.
    """

    def __init__(
        self, path: Path, owner: str, apply: Apply, *, found: Found = lambda exc: False
    ) -> None:
        """``found(exc)``: a store error met, said by it when True; else said here. A
        symbolic link in the store's place is a ``FolderError`` here (``_connect``)."""
        self.path = path
        self.owner = owner
        self.apply = apply
        self.found = found
        self._stop = threading.Event()
        #: The runs of this process that may yet be lost: every one it began (added by
        #: ``before_begin``, on the thread starting it) or beat for, until it ends.
        self._watched: set[str] = set()
        #: Those of them ``before_begin`` saw: begun here, so ``apply`` can tell whether
        #: each still runs (``_ended_here``).
        self._begun: set[str] = set()
        self._watched_lock = threading.Lock()  # (``before_begin`` adds from other threads)
        #: Held while ``_conn`` is used: by this thread, or by ``before_begin``'s.
        self._using = threading.Lock()
        #: Rounds of the loop finished, failed ones too. A test seam: a test waits for
        #: a number of rounds, not for a time it guesses they take (with ``POLL`` and
        #: ``HEARTBEAT`` patched small, rounds come back to back, each one a beat).
        self.rounds = 0
        self._conn = _connect(path)
        #: The store this agent writes, as (device, inode): another at ``path`` later, or
        #: none, means it was deleted or replaced (``_store_gone``).
        self._store = store_file_id(path)
        #: Why the store went away, once it has: every run this process begins or beats
        #: for from then on is cancelled (``_cancel_unreachable``).
        self.store_gone: str | None = None
        #: How the store was renamed (``… was renamed to .flowtop-old``), when it was: what
        #: its cancelled runs say (``gone_why``), not "deleted, renamed or replaced".
        self.store_renamed: str | None = None
        #: Where the store moved last (``_moved``), said once.
        self._went: Moved | None = None
        self._thread = threading.Thread(target=self._loop, name="flowtop-owner", daemon=True)
        self._thread.start()

    @classmethod
    def for_history(cls, history: History, apply: Apply) -> OwnerAgent:
        """The agent of ``history``'s runs, which says the damage to the store it meets."""
        return cls(history.path, history.owner, apply, found=history.said_damaged)

    def _loop(self) -> None:
        next_beat = 0.0
        failing = ""  # the error said last: said once, not every round it lasts
        damaged = False  # it was damage, said by ``found``: a round that works cures nothing
        while not self._stop.wait(POLL):
            try:
                now = time.monotonic()
                with self._using:
                    if now >= next_beat:
                        self._store_gone()  # first: a store gone may fail the beat
                        self._beat()
                        next_beat = now + HEARTBEAT / 2
                    self._take_commands()
            except sqlite3.Error as exc:  # a locked or full disk: try again next round
                if str(exc) != failing:
                    said = self.found(exc)
                    damaged = damaged or said
                    if not said:
                        log.warning("%s: heartbeat/commands failed: %s", self.path, exc)
                failing = str(exc)
            else:
                if failing and not damaged:
                    log.warning("%s: heartbeat/commands work again", self.path)
                failing = ""
            self.rounds += 1

    def _beat(self) -> None:
        """Beat for this owner's RUNNING runs, and cancel the ones it lost meanwhile.

        A run of this process that is no longer RUNNING either ended here, or was marked
        INTERRUPTED by another process that took this one for gone (its heartbeats
        stopped: the process was stopped, its host cut off, or a task held the GIL for
        longer than ``STALE_AFTER``). The run was given up for everyone else (a rerun of
        it may be running already), so this process does not carry on with it: it cancels
        it. Every run it began is looked at, not only those it beat for last round: one
        marked before this agent's first round after its start (a task that took the
        GIL at once) ran on to its end under an INTERRUPTED record.
        """
        # (not UPDATE … RETURNING: SQLite 3.35+, newer than some systems' Python links)
        self._conn.execute(
            "UPDATE runs SET heartbeat = ? WHERE owner = ? AND state = 'RUNNING'",
            (time.time(), self.owner),
        )
        # a run marked between the two is lost, whichever of them it missed
        beating = {
            run_id
            for (run_id,) in self._conn.execute(
                "SELECT run_id FROM runs WHERE owner = ? AND state = 'RUNNING'", (self.owner,)
            )
        }
        with self._watched_lock:
            self._watched |= beating
            others = sorted(self._watched - beating)
        for run_id in others:
            if self._settled(run_id) or self._ended_here(run_id):
                with self._watched_lock:
                    self._watched.discard(run_id)
                    self._begun.discard(run_id)

    def _ended_here(self, run_id: str) -> bool:
        """Whether a run ``before_begin`` saw has ended in this process, or failed to
        start after it (its ``Runner.start`` raised): not active in its runner any more.
        Its record may say RUNNING all the same (still a launcher's reservation, or
        lost and marked INTERRUPTED, with no run here to cancel): the store alone kept
        it watched, one SELECT per heartbeat for the life of the process."""
        if run_id not in self._begun:
            return False  # reserved, its flow file importing: it may yet begin (and be lost)
        try:
            return not self.apply(run_id, LIVE, None)
        except Exception as exc:  # noqa: BLE001 - as a command's failure: the agent goes on
            log.debug("run %s: whether it runs could not be told: %s", run_id, exc)
            return False

    def _settled(self, run_id: str) -> bool:
        """Whether this process is done watching a run it began or beat for: True once
        the run ended (here, or lost and cancelled: ``_lost``), False while it may yet
        be lost: RUNNING, or lost before this process started it (cancelled once it has)."""
        row = self._conn.execute(
            "SELECT state, note FROM runs WHERE run_id = ?", (run_id,)
        ).fetchone()
        if row is None:
            return True  # never recorded (the store failed): nothing to mark or to read
        state: str = row[0]
        note: str | None = row[1]
        if state == INTERRUPTED:
            return self._lost(run_id, note or "interrupted")
        return state != "RUNNING"

    def _lost(self, run_id: str, note: str) -> bool:
        """Cancel a run this process lost, and say when it came back in the run's note;
        False when this process has not started the run yet (the next round tries again)."""
        failed = ""
        try:
            cancelled = self.apply(run_id, LOST, None)
        except Exception as exc:  # noqa: BLE001 - as a command's failure: the agent goes on
            cancelled, failed = False, f"{type(exc).__name__}: {exc}"
            log.warning("run %s: cancelling it failed: %s", run_id, failed)
        if cancelled is None:
            return False
        why = note.removeprefix("interrupted: ")
        if cancelled:
            log.warning(
                "run %s was marked interrupted by another process while this one sent no "
                "heartbeats (%s): it is cancelled here, not run on beside a rerun of it",
                run_id,
                why,
            )
        elif not failed:
            log.warning(
                "run %s was marked interrupted by another process while this one sent no "
                "heartbeats (%s); it had ended here by the time this process came back",
                run_id,
                why,
            )
        # Kept with the run: this warning goes to its log, which goes once the run ends.
        came_back = date_time(time.time())
        if cancelled:
            then = "and cancelled it"
        elif failed:
            then = f"but could not cancel it ({failed})"
        else:
            then = "after the run had ended there"
        try:  # (raised, the beat would fail before it forgot the run: no note ever)
            self._conn.execute(
                "UPDATE runs SET note = COALESCE(note, '') || ? WHERE run_id = ? AND state = ?",
                (f"; its process came back at {came_back} {then}", run_id, INTERRUPTED),
            )
        except sqlite3.Error as exc:
            log.warning("run %s: its note could not say so: %s", run_id, exc)
        return True

    def _store_gone(self) -> None:
        """Cancel this process's runs once the store at ``path`` is not the file this
        agent writes (deleted with its ``.flowtop``, renamed with it or alone, or another
        file in its place): no other process can see them, cancel them, or rerun them
        from what they record (writing their end into a renamed one does no harm)."""
        if self.store_gone is None:
            now, ours = store_file_id(self.path), self._store
            if now is None or ours is None or ours == NO_FILE or now == ours:
                return  # the same file (or one out of reach, not known to differ)
            went = moved(self.path, ours, there=now != NO_FILE)
            if went is not None:
                self._moved(went)
                return
            shown = display_path(self.path)
            self.store_gone = f"{shown} was deleted" if now == NO_FILE else f"{shown} was replaced"
            where = renamed_to(self.path, ours)  # (``mv .flowtop .flowtop-old``: as deleted)
            if where is not None:
                then = "" if now == NO_FILE else ", and another put in its place"
                self.store_gone = self.store_renamed = f"{renamed_said(self.path, where)}{then}"
        with self._watched_lock:
            runs = sorted(self._watched)
        for run_id in runs:
            self._cancel_unreachable(run_id)

    def _moved(self, went: Moved) -> None:
        """The store moved away with its folder: its runs go on, recorded where it is now,
        which every flowtop opened there sees. Said once; the agent looks for it there
        from now on (where the kernel names its place), so a store deleted or replaced
        there later is noticed as at its first place."""
        if went != self._went:
            log.warning(
                "the run store %s: the runs of this process go on, recorded there",
                moved_said(self.path, went),
            )
            self._went = went
        if went.where is not None:
            self.path = went.where

    def _cancel_unreachable(self, run_id: str) -> None:
        """Cancel ``run_id``, which the store that went away recorded (``store_gone``), and
        say so on this process's output. A run not started yet (``apply`` says None: its
        flow file imports) is looked at again next round, or as it begins."""
        try:
            cancelled = self.apply(run_id, STORE_GONE, self.store_renamed)
        except Exception as exc:  # noqa: BLE001 - as a command's failure: the agent goes on
            log.warning("run %s: cancelling it failed: %s: %s", run_id, type(exc).__name__, exc)
            cancelled = False
        if cancelled is None:
            return
        with self._watched_lock:
            self._watched.discard(run_id)
            self._begun.discard(run_id)
        if cancelled:
            log.warning(
                "run %s is cancelled: its run store %s while it ran, and no other "
                "flowtop could see or cancel it any more (run it again to record it)",
                run_id,
                self.store_gone,
            )

    def before_begin(self, run: FlowRun) -> None:
        """``Runner.before_begin``: the commands queued for ``run`` before it began, taken
        now, on the thread starting it, not at the next poll, which came after its first
        attempts had started: a cancel queued while its flow file imported let them run.
        (A store error here is the poll's to say: the run begins anyway; so it does when
        the poll holds the store past ``BEGIN_WAIT``, a flow retry's start on the runner's
        timer thread must not hold up every task's retry behind a busy store.)"""
        with self._watched_lock:
            self._watched.add(run.run_id)  # (the poll cancels it, should it be lost)
            self._begun.add(run.run_id)
        if not self._using.acquire(timeout=BEGIN_WAIT):
            return
        try:
            if self.store_gone is not None:  # gone while its flow file imported
                self._cancel_unreachable(run.run_id)
                return
            self._take_commands(run.run_id)
            # Lost already (marked while its flow file imported): none of its tasks start.
            if self._settled(run.run_id):
                with self._watched_lock:
                    self._watched.discard(run.run_id)
                    self._begun.discard(run.run_id)
        except sqlite3.Error as exc:
            log.debug("%s: commands for run %s not read: %s", self.path, run.run_id, exc)
        finally:
            self._using.release()

    def _take_commands(self, only: str | None = None) -> None:
        """Apply the commands queued for this owner's runs, each once.

        A command for a run this process reserved (RUNNING, its owner) but has not
        started yet, its flow file still importing, stays queued until the run starts
        (``apply`` says None): taken then, it was "ignored: nothing to do", and the run
        a user had just cancelled ran in full.
        """
        one = "" if only is None else "AND c.run_id = ? "  # (its index: a run start's cost)
        rows = self._conn.execute(
            "SELECT c.id, c.run_id, c.kind, c.task, r.state FROM commands c JOIN runs r "
            f"ON r.run_id = c.run_id WHERE c.taken IS NULL AND r.owner = ? {one}ORDER BY c.id",
            (self.owner,) if only is None else (self.owner, only),
        ).fetchall()
        for command_id, run_id, kind, task, state in rows:
            try:
                done = self.apply(run_id, kind, task)
                if done is None and state == "RUNNING":
                    continue  # not started yet: the next round tries again
                result = "applied" if done else "ignored: nothing to do"
            except Exception as exc:  # noqa: BLE001 - a bad command must not stop the agent
                result = f"failed: {type(exc).__name__}: {exc}"
            self._conn.execute(
                "UPDATE commands SET taken = ?, outcome = ? WHERE id = ?",
                (time.time(), result, command_id),
            )

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5.0)
        self._conn.close()


def apply_command(runner: Runner, run_id: str, kind: str, task: str | None) -> bool | None:
    """A command for one of ``runner``'s runs: queued by another process, or ``LOST``;
    None when ``runner`` has not started ``run_id`` (yet, or at all). ``LIVE`` asks
    whether the run is still being started or running (a start that raised let it go)."""
    run = runner.find(run_id)
    if run is None:
        return None
    if run.done:
        return False
    if kind == LIVE:
        return run in runner.active_runs
    if kind == LOST:
        return run.cancel(LOST_WHY)
    if kind == STORE_GONE:  # (``task``: how it was renamed, when it was)
        return run.cancel(gone_why(task))
    if kind == "cancel":
        return run.cancel()
    if task is None:
        return False
    key, attempt = aimed_at(task)
    return run.retry_now(key, attempt) if kind == "retry_now" else run.give_up(key, attempt)


#: ``store_file_id`` of a store that is not there (deleted, with its ``.flowtop`` or alone).
NO_FILE = (0, 0)


def store_file_id(path: Path) -> tuple[int, int] | None:
    """Which file the store ``path`` is now, as (device, inode): ``NO_FILE`` when there is
    none (deleted, or a folder on the way gone), None when that cannot be told (a folder
    closed to this user a moment), never taken for a store deleted; None too while a
    symbolic link is at the store or at its ``.flowtop``: every opener refuses it and says
    so (``store_links``), and taking it away gives the store back."""
    if os.path.islink(path) or os.path.islink(path.parent):
        return None
    try:
        found = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return NO_FILE
    except OSError:
        return None
    return found.st_dev, found.st_ino
