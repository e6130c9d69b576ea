"""Run numbers, and the run row recorded with each: one place for every process.

A run is recorded (RUNNING, with its owner's identity) in the transaction that hands out
its number. A run process does so itself before it imports anything; the process that
launched it does so first, as soon as it has the new process's pid, so that a run
killed in its first milliseconds (before its interpreter even started) still leaves a
record, which readers then mark INTERRUPTED.

A client's rerun is reserved before its process even exists (``reserve_rerun``), in the
write transaction that checks no rerun of the same source is live already: two TUIs
pressing ``f`` together, or both rerunning on one save, cannot both pass that check.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

from . import store_schema
from .history_records import HistoryError
from .ownership import LAUNCHED, Owner, boot_id, host_name, process_start
from .reaper import BUSY_TIMEOUT_MS, connect, reap

log = logging.getLogger("flowtop.history")


def record_run(
    conn: sqlite3.Connection,
    flow: str,
    run_id: str | None,
    owner: str,
    identity: Owner,
    *,
    floor: int = 0,
) -> int:
    """A new number for ``flow``, above ``floor`` (in the caller's write transaction);
    with ``run_id`` its run recorded RUNNING, owned by ``identity``, heartbeat now."""
    (stored,) = conn.execute(
        "SELECT max(number) FROM run_numbers WHERE flow = ?", (flow,)
    ).fetchone()
    number: int = max(stored or 0, floor) + 1
    conn.execute("INSERT INTO run_numbers VALUES (?, ?)", (flow, number))
    if run_id is not None:
        now = time.time()
        conn.execute(
            "INSERT INTO runs(run_id, flow, number, state, started, owner, host, "
            "pid, boot_id, proc_start, heartbeat) "
            "VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?)",
            (run_id, flow, number, now, owner, *_columns(identity), now),
        )
    return number


def claim_run(conn: sqlite3.Connection, run_id: str, owner: str, identity: Owner) -> None:
    """The run process takes the run its launcher reserved for it (its heartbeat and
    commands go by owner token)."""
    conn.execute(
        "UPDATE runs SET owner = ?, host = ?, pid = ?, boot_id = ?, proc_start = ?, "
        "heartbeat = ? WHERE run_id = ? AND state = 'RUNNING'",
        (owner, *_columns(identity), time.time(), run_id),
    )


class Claims:
    """The runs whose reserved row this process could not take over from their launcher
    as they started (``take_number``: the store full or locked), by id, with the number
    each keeps, the reserved one. Until taken over, the row names the launcher (the
    monitor, whose ``hand_over`` may have failed too): no heartbeat of this process's
    reaches it, and its commands wait. Its ``History`` tries again every second."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._waiting: dict[str, int] = {}
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self._waiting)

    def number(self, run_id: str) -> int | None:
        with self._lock:
            return self._waiting.get(run_id)

    def wait(self, run_id: str, number: int, exc: sqlite3.Error) -> None:
        with self._lock:
            new = run_id not in self._waiting
            self._waiting[run_id] = number
        if new:  # (a run's start asks twice: said once)
            log.warning(
                "%s: run %s (#%d) cannot be taken over from its launcher yet (%s): it "
                "keeps its number, and this process tries again every second",
                self.path,
                run_id,
                number,
                exc,
            )

    def taken(self, run_id: str) -> None:
        with self._lock:
            self._waiting.pop(run_id, None)

    def retry(self, conn: sqlite3.Connection, owner: str, identity: Owner) -> None:
        """Take over every waiting run's row (one ended or marked meanwhile stays as
        it is); those that fail wait for the next try."""
        with self._lock:
            waiting = list(self._waiting)
        if not waiting:
            return
        try:
            with store_schema.write_transaction(conn):
                for run_id in waiting:
                    claim_run(conn, run_id, owner, identity)
        except sqlite3.Error as exc:
            log.debug("runs %s not taken over yet: %s", ", ".join(waiting), exc)
            return
        for run_id in waiting:
            self.taken(run_id)
        log.warning("%s: runs taken over from their launcher: %s", self.path, ", ".join(waiting))


def take_number(
    conn: sqlite3.Connection,
    flow: str,
    run_id: str | None,
    owner: str,
    identity: Owner,
    *,
    floor: int,
    claims: Claims,
) -> int:
    """``History.next_number`` in the store (``floor``: the numbers handed out here).
    A run reserved already (by its launcher, or by this process before its flow file
    imported) keeps its number, and this process takes its row over; when that write
    fails (a full disk: the transaction's reads went through) but the row can be read,
    the run keeps that number all the same, and ``claims`` retries the take-over. Raises
    what failed when the store gives no number at all."""
    reserved: int | None = None
    mine = False  # (reserved by this process already: its start asks again)
    try:
        with store_schema.write_transaction(conn):
            row = conn.execute(
                "SELECT number, owner FROM runs WHERE run_id = ? AND flow = ?", (run_id, flow)
            ).fetchone()
            if row is None:
                return record_run(conn, flow, run_id, owner, identity, floor=floor)
            reserved, mine = row[0], row[1] == owner
            claim_run(conn, str(run_id), owner, identity)
    except sqlite3.OperationalError as exc:  # full, locked, read-only: not a damaged file
        if run_id is None:
            raise
        number = reserved if reserved is not None else claims.number(run_id)
        if number is None:
            try:  # (the transaction never began: locked)
                row = conn.execute(
                    "SELECT number FROM runs WHERE run_id = ? AND flow = ?", (run_id, flow)
                ).fetchone()
            except sqlite3.Error:
                raise exc from None
            if row is None:
                raise exc from None
            number = row[0]
        if not mine:
            claims.wait(run_id, number, exc)
        return number
    claims.taken(str(run_id))
    return reserved


def reserve_launched(db: Path, flow: str, run_id: str, pid: int) -> int | None:
    """Record the run of a process just launched (``pid``), unless it did so already;
    its number. Best effort (None when it could not): the run process reserves its run
    itself too."""
    if not db.is_file():
        return None
    identity = Owner(host_name(), pid, boot_id(), process_start(pid))
    try:
        conn = connect(db)
        try:
            with store_schema.write_transaction(conn):
                known = conn.execute(
                    "SELECT number FROM runs WHERE run_id = ?", (run_id,)
                ).fetchone()
                if known is not None:
                    return int(known[0])
                owner = f"{identity.host}:{pid}:{LAUNCHED}"
                return record_run(conn, flow, run_id, owner, identity)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.warning("%s: could not record launched run %s: %s", db, run_id, exc)
        return None


class StoreBusy(OSError):
    """A rerun was refused: another process held the store past the busy timeout, so
    whether a rerun of its source is live could not be checked. An ``OSError``, as a run
    process that could not be started is: the TUI says ``Could not start the run: …``."""


class SourceGone(Exception):
    """A rerun was refused: its source run is no longer in the store (pruned meanwhile);
    or the source did not start and stands for a run no longer stored (``said``:
    ``reruns.stands_for_pruned``'s words, else "")."""

    def __init__(self, run_id: str, said: str = "") -> None:
        super().__init__(run_id)
        self.said = said


class RerunRunning(Exception):
    """A rerun was refused: its source, or a rerun of it, is running already."""

    def __init__(self, run_id: str, number: int, source_number: int | None) -> None:
        self.run_id = run_id
        self.number = number
        #: The source's number; None when the running run is the source itself.
        self.source_number = source_number
        what = "" if source_number is None else f", a rerun of #{source_number},"
        super().__init__(f"run #{number}{what} is already running")


def reserve_rerun(
    db: Path, flow: str, run_id: str, rerun_of: str, *, busy_ms: int = BUSY_TIMEOUT_MS
) -> int | None:
    """Record a rerun of ``rerun_of`` before its process starts (owned by this process
    until ``hand_over``); its number. Raises ``RerunRunning`` when the source, or a rerun
    of it, is live (its process launched, importing, or running), and ``SourceGone`` when
    the source is no longer stored: checked and recorded in one write transaction, so of
    two processes asking at once only one gets the run. Raises ``StoreBusy`` when another
    process held the store for ``busy_ms``: unchecked, the rerun could be the second one
    the check is there to refuse (a store held that long is stuck, not busy). None when
    the store could not be written otherwise (a full disk): the run process records the
    run itself. A store that is not there (``.flowtop`` deleted, even as this looks) is
    ``SourceGone`` too, and never made: a refusal leaves the folder as it was."""
    if not db.is_file():
        raise SourceGone(rerun_of)  # gone with its store: nothing made for it
    me = Owner.current()
    try:
        conn = _open_existing(db, rerun_of, busy_ms)
        try:
            store_schema.check_version(conn, db)  # a newer store: its run process says so
            with store_schema.write_transaction(conn):
                reap(conn)  # a rerun whose process died is no reason to refuse
                if (
                    conn.execute("SELECT 1 FROM runs WHERE run_id = ?", (rerun_of,)).fetchone()
                    is None
                ):
                    raise SourceGone(rerun_of)  # its process would only fail to find it
                said = _stands_for_pruned(conn, rerun_of)
                if said:  # its process would fail to find what it stands for
                    raise SourceGone(rerun_of, said)
                live = _live_rerun(conn, rerun_of)
                if live is not None:
                    raise RerunRunning(*live)
                owner = f"{me.host}:{os.getpid()}:{LAUNCHED}"
                number = record_run(conn, flow, run_id, owner, me)
                conn.execute("UPDATE runs SET rerun_of = ? WHERE run_id = ?", (rerun_of, run_id))
                return number
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            log.warning("%s: could not record launched run %s: %s", db, run_id, exc)
            return None
        raise StoreBusy(
            f"{db}: another flowtop process has held the run store for {busy_ms / 1000:g} s, "
            "so whether this run is being rerun already cannot be checked: try again "
            "in a moment"
        ) from None
    except (sqlite3.Error, HistoryError) as exc:
        log.warning("%s: could not record launched run %s: %s", db, run_id, exc)
        return None


def _open_existing(db: Path, rerun_of: str, busy_ms: int) -> sqlite3.Connection:
    """A connection to the store ``db``, which is not made when missing: ``SourceGone``
    then (deleted since the caller looked), as the source went with it."""
    try:
        return connect(db, busy_ms=busy_ms, create=False)
    except (sqlite3.Error, HistoryError, OSError):
        if not os.path.lexists(db):
            raise SourceGone(rerun_of) from None
        raise


def _live_rerun(conn: sqlite3.Connection, rerun_of: str) -> tuple[str, int, int | None] | None:
    """The live run a rerun of ``rerun_of`` would run beside (in the caller's transaction):
    its id, number and source's number (None: it is the source, or what the source stands
    for); None when there is none. A rerun that did not start stands for its source
    (``reruns.not_started``): ``--rerun-of 1`` and ``--rerun-of 2`` at once, #2 such a
    rerun of #1, both started, two reruns of #1 together. So two reruns conflict when
    their sources stand for one run (chains of such reruns end at one run)."""
    chain = _stood_for(conn, rerun_of)
    rows = conn.execute(
        "SELECT r.run_id, r.number, r.rerun_of, src.number FROM runs r "
        "LEFT JOIN runs src ON src.run_id = r.rerun_of "
        "WHERE r.state = 'RUNNING' AND (r.rerun_of IS NOT NULL "
        f"OR r.run_id IN ({', '.join('?' * len(chain))})) ORDER BY r.number DESC",
        chain,
    ).fetchall()
    ends: dict[str, str] = {}  # a live rerun's source -> the run it stands for
    for found, number, source, source_number in rows:
        if found in chain:  # the source itself (or what it stands for) runs
            return found, number, None
        if source is None:
            continue
        if source not in ends:
            ends[source] = source if source in chain else _stood_for(conn, source)[-1]
        if ends[source] == chain[-1]:
            return found, number, source_number
    return None


def _stood_for(conn: sqlite3.Connection, run_id: str) -> list[str]:
    """``run_id``, then the run it stands for when it is a rerun that did not start, and
    so on down the chain (``reruns.pruned_stand_in`` walks it so): a rerun of it reruns
    the last. Read in the caller's transaction."""
    chain = [run_id]
    if not _maybe_unstarted(conn, run_id):
        return chain
    from .reruns import lent, not_started  # the engine's imports: only when needed

    with lent(conn) as reader:
        try:
            detail = reader.run_detail(run_id)
            record = detail.run
            while record.rerun_of and record.rerun_of not in chain and not_started(detail, reader):
                detail = reader.run_detail(record.rerun_of)
                if detail.run.flow != record.flow:
                    break
                chain.append(record.rerun_of)
                record = detail.run
        except (HistoryError, LookupError):  # gone (pruned): refused before, as it says
            pass
    return chain


def _maybe_unstarted(conn: sqlite3.Connection, run_id: str) -> bool:
    """Whether ``run_id`` is a rerun that ended unfinished: one that may not have started."""
    return (
        conn.execute(
            "SELECT 1 FROM runs WHERE run_id = ? AND rerun_of IS NOT NULL "
            "AND state NOT IN ('COMPLETED', 'RUNNING')",
            (run_id,),
        ).fetchone()
        is not None
    )


def _stands_for_pruned(conn: sqlite3.Connection, run_id: str) -> str:
    """``reruns.pruned_stand_in`` of run ``run_id`` (read in the caller's transaction),
    looked at only for a rerun that ended unfinished: one that may not have started.
    A source pruned from under it (an older flowtop's prune, a manual delete) made
    every ``f`` of the monitor a rerun that failed at once, "no run with id …"."""
    maybe = conn.execute(
        "SELECT 1 FROM runs WHERE run_id = ? AND rerun_of IS NOT NULL "
        "AND state NOT IN ('COMPLETED', 'RUNNING')",
        (run_id,),
    ).fetchone()
    if maybe is None:
        return ""
    from .reruns import lent, pruned_stand_in  # the engine's imports: only when needed

    with lent(conn) as reader:
        return pruned_stand_in(reader, run_id)


def hand_over(db: Path, run_id: str, pid: int | None) -> None:
    """The run ``reserve_rerun`` recorded goes to the process launched for it (``pid``),
    unless that process took it already; with no process (it could not start) the
    record goes, as if never made. Best effort: a record left with this process is
    marked interrupted once it is gone."""
    me = Owner.current()
    mine = f"{me.host}:{os.getpid()}:{LAUNCHED}"
    try:
        conn = connect(db)
        try:
            with store_schema.write_transaction(conn):
                if pid is None:
                    conn.execute("DELETE FROM runs WHERE run_id = ? AND owner = ?", (run_id, mine))
                    return
                identity = Owner(host_name(), pid, boot_id(), process_start(pid))
                conn.execute(
                    "UPDATE runs SET owner = ?, host = ?, pid = ?, boot_id = ?, proc_start = ?, "
                    "heartbeat = ? WHERE run_id = ? AND owner = ? AND state = 'RUNNING'",
                    (
                        f"{identity.host}:{pid}:{LAUNCHED}",
                        *_columns(identity),
                        time.time(),
                        run_id,
                        mine,
                    ),
                )
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.warning("%s: could not hand run %s to its process: %s", db, run_id, exc)


def _columns(identity: Owner) -> tuple[str, int, str, str]:
    """The runs table's host, pid, boot_id and proc_start."""
    return (identity.host, identity.pid, identity.boot, identity.start)
