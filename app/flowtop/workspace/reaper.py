"""Runs whose process is gone: who decides so, and how they are marked INTERRUPTED.

Any process that opens the store (a run process, the TUI, ``flowtop watch``) checks the
RUNNING runs' owners; a run whose owner is gone for sure (``ownership``) is marked
INTERRUPTED with the reason, its unfinished tasks and running attempts too; a run that
had started no task says what it did (nothing, or reused results: ``unstarted_runs``).
A run whose process ended it on a full disk, which kept its end out of the store, ends
as its end mark says (``end_marks``), its unfinished tasks INTERRUPTED. Those are
folded from the run's log (``log_fold``), so the marking itself is the run's row and one
``run_interrupted`` event in the log: a reader folding the log applies it. A reader that
cannot write the mark (read-only here, a full disk) shows such a run interrupted all the
same (``unmarked``), saying why it is not marked.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path

from ..engine.states import StateType
from ..looks import INTERRUPTED
from . import end_marks, store_schema
from .access import read_only_mount
from .dead_families import last_subflow_end, subflows_first, subflows_said
from .dead_run_dates import body_start, last_sign_of_life, newest_logged, newest_time
from .dead_runs_tasks import plan_of, told_end, while_running
from .history_records import HistoryError, stored_counts
from .log_fold import folded_rows, logged_tasks, stored_tasks
from .ownership import LAUNCHED, Owner, host_name, owner_gone, pid_running, process_start
from .private import open_store, refuse_linked_store
from .run_log import (
    UNREADABLE,
    RunInterrupted,
    columns,
    connect_reader,
    encode_interrupted,
    log_columns,
)
from .store_errors import FULL, LOCKED, READ_ONLY, cause, store_file, store_writable
from .unstarted_runs import NOTHING_STARTED, before_any_start, logged_start

log = logging.getLogger("flowtop.history")

_RUNNING = StateType.RUNNING
_FINAL = tuple(s.value for s in StateType if s.is_final)

_HOST = host_name()
#: The owner tokens of this process's open stores (``History``).
LIVE_OWNERS: set[str] = set()
LIVE_LOCK = threading.Lock()
#: How long a reader's write waits for another process's lock (ms).
BUSY_TIMEOUT_MS = 5000


def connect(
    path: Path,
    *,
    check_same_thread: bool = True,
    busy_ms: int = BUSY_TIMEOUT_MS,
    create: bool = True,
) -> sqlite3.Connection:
    """A read-write connection to the store, in autocommit mode; one that can only read
    (``query_only``) for a store on a read-only file system. Without ``create``, a store
    that is not there is an ``sqlite3.OperationalError`` rather than an empty file SQLite
    makes: what acts on a store found before (the owner agent, ``enqueue``) must not leave
    one where ``.flowtop`` was deleted meanwhile.

    There SQLite opens a store whose ``-wal`` and ``-shm`` are present (left by a process
    that died, or copied with it) read-only without a word, and lets ``BEGIN IMMEDIATE``
    through: only the first write failed, and ``flowtop run`` ran its flow unrecorded,
    where the same store without them is refused as it opens (``unable to open database
    file``). ``query_only`` makes SQLite refuse that first transaction, in its own words
    (``attempt to write a readonly database``): the refusal comes as the store opens.

    Never through a symbolic link at the store's name (``private.open_store``): SQLite
    wrote through one, as you, into whatever file another member of a shared ``.flowtop``
    pointed it at. Nor into a hard link, a file with another name elsewhere (a file of
    yours, or another workspace's store), at the store or beside it: refused before the
    open (``store_links.linked_store_part``), and after it too, for one planted while the
    store was missing, which SQLite opened as the store it would have made. Every writer
    (``History``, the launcher, ``reap_store``, the owner agent and ``enqueue``, which
    queues a cancel for a run's owner) opens here.
    """
    name = path if create else f"{path.absolute().as_uri()}?mode=rw"
    conn = open_store(
        path,
        lambda: sqlite3.connect(
            name,
            isolation_level=None,
            check_same_thread=check_same_thread,
            timeout=busy_ms / 1000,
            uri=not create,
        ),
    )
    try:
        refuse_linked_store(path)  # (before any statement reads it, or writes its -shm)
    except BaseException:
        conn.close()
        raise
    conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
    if read_only_mount(path) is not None:
        conn.execute("PRAGMA query_only = 1")
    return conn


def _legacy_owner_alive(owner: str, started: float | None = None) -> bool:
    """Liveness of an owner recorded before version 2 (``host:pid:token``, no heartbeat),
    whose run started at ``started``: its pid must run a process that began before that
    (after a reboot, or once the pid was handed out again, it names another process)."""
    host, _, rest = owner.partition(":")
    pid_text, _, _token = rest.partition(":")
    if host != _HOST or not pid_text.isdigit():
        return host != _HOST  # another machine's process cannot be checked: leave it alone
    pid = int(pid_text)
    if not pid_running(pid):
        return False
    began = _began(pid)
    return started is None or began is None or began <= started + CLOCK_SLACK


#: How much later than its run's start a process may seem to have begun and still be its
#: owner: its start is read to the second (``btime``), a clock may have been set meanwhile.
CLOCK_SLACK = 5.0


def _began(pid: int) -> float | None:
    """When ``pid``'s process began (seconds since the epoch), None if unknown (not Linux):
    the boot time (``btime`` in ``/proc/stat``) plus its start in clock ticks after boot."""
    ticks = process_start(pid)
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            boot = next(line for line in handle if line.startswith("btime "))
        return int(boot.split()[1]) + int(ticks) / os.sysconf("SC_CLK_TCK")
    except (OSError, StopIteration, ValueError):
        return None


def gone_reason(
    owner: str,
    host: str,
    pid: int | None,
    boot: str,
    start: str,
    heartbeat: float | None,
    started: float | None = None,
    store: Path | None = None,
    run_id: str = "",
) -> str | None:
    """Why a RUNNING run's owner is gone for sure, or None while it may be alive; gone
    from ``store`` too when that is a copy of the store its process writes. The look
    keeps whether the process of ``run_id`` is stopped (``ownership.stopped_words``)."""
    if pid is None:
        if pid_running_here(owner) or _legacy_owner_alive(owner, started):
            return None
        return "its process stopped before the run ended"
    recorded = Owner(host, pid, boot, start)
    if recorded == Owner.current():
        # This process: a History of it that is still open owns the run, or its launcher
        # reserved it for this process, which has yet to take it (``run_numbers``).
        if pid_running_here(owner) or owner.endswith(f":{LAUNCHED}"):
            return None
        return "its process stopped before the run ended"
    launched = owner.endswith(f":{LAUNCHED}")  # (its process may outlive its launcher)
    return owner_gone(recorded, heartbeat, store=store, run_id=run_id, launched=launched)


def pid_running_here(owner: str) -> bool:
    """True when ``owner`` is an open History of this very process."""
    if not owner.startswith(f"{_HOST}:{os.getpid()}:"):
        return False
    with LIVE_LOCK:
        return owner in LIVE_OWNERS


def numeric(column: str, otherwise: str = "NULL") -> str:
    """``column`` as SQL reads it when it holds a number, else ``otherwise``: a row written
    by hand (``heartbeat = 'x'``) must not stop every command that reaps the store."""
    return f"CASE WHEN typeof({column}) IN ('integer', 'real') THEN {column} ELSE {otherwise} END"


_LIVE_ROWS = (
    "SELECT run_id, owner, host, pid, boot_id, proc_start, heartbeat, started FROM runs "
    "WHERE state = ?"
).replace("heartbeat, started", f"{numeric('heartbeat')}, {numeric('started', '0')}")
#: The same in a version 1 store nobody could migrate (read-only): owners had no columns.
_LEGACY_LIVE_ROWS = _LIVE_ROWS.replace(
    f"host, pid, boot_id, proc_start, {numeric('heartbeat')}", "'', NULL, '', '', NULL"
)


def _orphans(conn: sqlite3.Connection) -> dict[str, str]:
    """The RUNNING runs whose owner is gone, and why: for one whose process could not
    write its end (a full disk), that and how it ended (``end_marks``)."""
    gone: dict[str, str] = {}
    query = _LIVE_ROWS if "pid" in columns(conn, "runs") else _LEGACY_LIVE_ROWS
    rows = conn.execute(query, (_RUNNING.value,)).fetchall()
    store = store_file(conn) if rows else None  # (a copy's owner writes another)
    # An owner elsewhere is judged by whether its heartbeat changes (``owner_gone``): by
    # its newest over its runs, since a run it has just started or reserved may hold an
    # older one, and reading the two in turn would look like a change every time.
    newest: dict[str, float] = {}
    for _, owner, *_, heartbeat, _ in rows:
        if heartbeat is not None:
            newest[owner] = max(heartbeat, newest.get(owner, heartbeat))
    for run_id, owner, host, pid, boot, start, heartbeat, started in rows:
        beat = newest.get(owner, heartbeat)
        why = gone_reason(owner, host, pid, boot, start, beat, started, store, run_id)
        if why is not None:
            gone[run_id] = why
    path = store if gone else None
    if path is not None:
        for run_id, state in end_marks.ended(path).items():
            if run_id in gone:
                gone[run_id] = end_marks.not_recorded(path, state)
    return gone


def _marked_ends(conn: sqlite3.Connection, gone: Mapping[str, str]) -> dict[str, str]:
    """The runs of ``gone`` whose process ended them on a full disk, by id, with the state
    their end mark says (``end_marks.ended``): the folder is listed only when one is gone."""
    path = store_file(conn) if gone else None
    if path is None:
        return {}
    return {run_id: state for run_id, state in end_marks.ended(path).items() if run_id in gone}


def reap(conn: sqlite3.Connection) -> list[str]:
    """Mark the RUNNING runs whose owner is gone INTERRUPTED (in the caller's transaction),
    or ended as their end mark says."""
    gone = _orphans(conn)
    gone = {run_id: gone[run_id] for run_id in subflows_first(conn, gone)}  # subflows first
    ends = _marked_ends(conn, gone)
    said = {
        run_id: _reason(conn, run_id, why, ends.get(run_id, "")) for run_id, why in gone.items()
    }
    interrupt(conn, said, ends)
    return list(gone)


def _reason(conn: sqlite3.Connection, run_id: str, why: str, ended: str) -> str:
    """What a run whose process is gone (``why``) keeps as its note, with the tasks it was
    running (``dead_runs_tasks``): for one that started no task, what it did first
    (``unstarted_runs``: its table may show nothing to tell it); for a ``@flow`` parent
    whose own tasks show none running, what its subflows' runs were doing. Not for a run
    its end mark ends (``ended``): it ran, and the store missed its tasks with its end."""
    if ended:
        return why
    why = told_end(conn, run_id, why)  # how its process ended, as its monitor wrote it
    done = before_any_start(conn, run_id)
    if done is None and (said := while_running(conn, run_id, why)) != why:
        return said  # the tasks it was running
    called = subflows_said(conn, run_id)
    if called is not None:  # its subflows' runs did its work
        why = f"{why}; {called}"
        if done == NOTHING_STARTED:  # it started something: them
            return why
    return why if done is None else f"{done}: {why}"


def interrupt(
    conn: sqlite3.Connection, runs: dict[str, str], ended: Mapping[str, str] | None = None
) -> None:
    """Mark runs, their unfinished tasks and running attempts INTERRUPTED (in the caller's
    transaction).

    ``runs`` maps each run id to why it was interrupted, which the run keeps as its note.
    ``ended``: the runs whose process ended them as the store never recorded (a full
    disk), with that end's state: theirs instead of INTERRUPTED, their note ``why`` alone.
    The run's counts are its tasks' states after the interruption, folded from its log.
    """
    ends = ended or {}
    for run_id, why in runs.items():
        state = ends.get(run_id, "")
        started, plan_text, flow, number, heartbeat = conn.execute(
            f"SELECT {numeric('started', '0')}, plan, flow, number, {numeric('heartbeat')} "
            "FROM runs WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        plan = plan_of(plan_text)
        tasks = stored_tasks(conn, run_id, plan)
        began: float | None = started  # its body's start: its duration counts from there
        logged: float | None = None  # its newest logged event's time
        if tasks is not None:  # recorded before schema version 5: its rows are marked
            _interrupt_rows(conn, run_id, plan, why)
            tasks = stored_tasks(conn, run_id, plan) or []
        else:
            end = RunInterrupted(run_id, why, 0.0, ended=state)
            events, tasks = folded_rows(conn, run_id, plan, then=[end])
            began = body_start(events)
            logged = newest_time(events)
        counts = Counter(t.state for t in tasks)
        reused = sum(1 for t in tasks if t.reused)  # a rerun cut short still says so
        finished = last_sign_of_life(tasks, started, heartbeat, logged)
        finished = max(finished, last_subflow_end(conn, run_id) or 0.0)  # marked before it
        if state:  # its end as the mark says it: made as the run ended
            finished = max(finished, end_marks.marked_at(store_file(conn), run_id))
        conn.execute(
            "UPDATE runs SET state = ?, counts = ?, finished = ?, duration = ?, note = ? "
            "WHERE run_id = ?",
            (
                state or INTERRUPTED,
                stored_counts(counts, reused),
                finished,
                0.0 if began is None else max(0.0, finished - began),  # 0: no body yet
                why if state else f"interrupted: {why}",
                run_id,
            ),
        )
        conn.execute(
            "INSERT INTO events(run_id, body) VALUES (?, ?)",
            (run_id, encode_interrupted(run_id, why, finished, flow, number, state)),
        )
        if state:  # a row a flowtop of version 12 cannot read: the file says so
            store_schema.mark_ended_rows(conn)
    if runs:
        log.info("marked %d run(s) whose process stopped as interrupted", len(runs))


def _interrupt_rows(
    conn: sqlite3.Connection, run_id: str, plan: list[tuple[str, int, str]], why: str
) -> None:
    """Mark a run's task and attempt rows, for a run recorded with them (before version 5)."""
    marks = ",".join("?" * len(_FINAL))
    conn.executemany(
        "INSERT OR IGNORE INTO task_runs(run_id, task, position, state, max_attempts, policy, "
        "message) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (run_id, key, i, INTERRUPTED, limit, policy, why)
            for i, (key, limit, policy) in enumerate(plan)
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


def gone_unmarked(path: Path) -> dict[str, str]:
    """The runs still recorded RUNNING whose process is gone, and why: after ``reap_store``
    none, unless the store could not be written (read-only here, a full disk). Readers
    show those interrupted all the same, rather than running for good (``unmarked``)."""
    try:
        with closing(connect_reader(path)) as reader:
            return _orphans(reader)
    except (sqlite3.Error, HistoryError):
        return {}


#: Why this process's last ``reap_store`` of each store could not write it (SQLite's
#: words), until one can: a reader said every unmarked run was on a store "read-only
#: here" while the store was writable and its disk full.
_UNWRITTEN: dict[Path, str] = {}


def not_marked(path: Path) -> str:
    """Why the runs ``gone_unmarked`` finds in the store ``path`` are not marked, as a
    reader's note for each ends: ``(not marked: …)``."""
    why = unmarked_because(path)
    # None: it died since this process last looked: the next look marks it
    return "(not marked yet)" if why is None else f"(not marked: {why})"


def unmarked_because(path: Path) -> str | None:
    """Why this process could not mark the dead runs of the store ``path`` INTERRUPTED
    (its disk full, the store read-only here: said with the read-only mount it is on),
    else None (nothing kept it from it: the run died since the last look)."""
    error = _UNWRITTEN.get(path, "")
    why = cause(error)
    if why == FULL:
        return f"the disk of {path.parent} is full"
    if why == LOCKED:
        return "another flowtop process holds the store"
    if why == READ_ONLY or not store_writable(path):
        mount = read_only_mount(path)
        return f"{path} is read-only here" + (
            f", on the read-only mount {mount}" if mount is not None else ""
        )
    if error:
        return f"{path} could not be written: {error}"
    return None


def unmarked(path: Path, *, dated: bool = True) -> list[RunInterrupted]:
    """The runs ``gone_unmarked`` finds, each as the interruption a reader shows for it
    (``flowtop watch``, the TUI), dated its last sign of life as its mark will be
    (``last_sign_of_life``; without ``dated``, its start: for its note alone, which
    reads no log); its reason is the CLI's note (``unmarked_notes``). A reader that saw
    it end no other way showed it running for good, offering to cancel a run that had
    no process."""
    try:
        with closing(connect_reader(path)) as reader:
            gone = _orphans(reader)
            if not gone:
                return []
            ends = _marked_ends(reader, gone)
            rows = reader.execute(
                f"SELECT run_id, flow, number, {_DATING} FROM runs WHERE state = ?"
                if "heartbeat" in columns(reader, "runs")
                else f"SELECT run_id, flow, number, {_LEGACY_DATING} FROM runs WHERE state = ?",
                (_RUNNING.value,),
            ).fetchall()
            because = f" {not_marked(path)}"
            order = {run_id: i for i, run_id in enumerate(subflows_first(reader, gone))}
            rows.sort(key=lambda row: order.get(row[0], 0))  # as ``reap`` marks them
            ended = [
                RunInterrupted(
                    run_id,
                    _reason(reader, run_id, gone[run_id], ends.get(run_id, "")) + because,
                    _dated(reader, path, run_id, started, beat, plan) if dated else started,
                    flow=flow,
                    run=number or 0,
                    ended=ends.get(run_id, ""),
                )
                for run_id, flow, number, started, beat, plan in rows
                if run_id in gone
            ]
            _forget_dates(path, gone)
            return ended
    except (sqlite3.Error, HistoryError):
        return []


#: What dates a run whose process is gone (``_dated``), as ``interrupt`` reads it.
_DATING = f"{numeric('started', '0')}, {numeric('heartbeat')}, plan"
#: The same in a store from before heartbeats that nobody could migrate (read-only).
_LEGACY_DATING = f"{numeric('started', '0')}, NULL, plan"

#: The end found for each dead run a reader could not mark, by store and run id, with
#: the newest log row and heartbeat it was found from: a monitor on a read-only store
#: asks every second (``StoreClient._say_unmarked``), and a dead run's log stays as it is.
_DATES: dict[tuple[Path, str], tuple[int | None, float | None, float]] = {}


def _dated(
    reader: sqlite3.Connection,
    path: Path,
    run_id: str,
    started: float,
    heartbeat: float | None,
    plan_text: object,
    subflows: bool = True,
) -> float:
    """When the run ``run_id``, whose process is gone, ended (``last_sign_of_life``; with
    ``subflows``, no sooner than they did: ``last_subflow_end``), read as ``interrupt``
    will read it when it marks the run."""
    logged = bool(log_columns(reader))
    newest = (
        reader.execute("SELECT max(id) FROM events WHERE run_id = ?", (run_id,)).fetchone()[0]
        if logged
        else None
    )
    known = _DATES.get((path, run_id))
    if known is None or known[:2] != (newest, heartbeat):
        plan = plan_of(plan_text)
        stored = stored_tasks(reader, run_id, plan)
        tasks = stored if stored is not None or not logged else logged_tasks(reader, run_id, plan)
        last = newest_logged(reader, run_id) if stored is None and logged else None
        ended = max(
            last_sign_of_life(tasks or [], started, heartbeat, last),
            end_marks.marked_at(path, run_id),
        )
        known = _DATES[(path, run_id)] = (newest, heartbeat, ended)
    if not subflows:
        return known[2]

    def own_end(child: str) -> float:
        dating = reader.execute(f"SELECT {_DATING} FROM runs WHERE run_id = ?", (child,))
        began, beat, plan_of_child = dating.fetchone()
        return _dated(reader, path, child, began, beat, plan_of_child, subflows=False)

    return max(known[2], last_subflow_end(reader, run_id, own_end) or 0.0)


def _forget_dates(path: Path, gone: Mapping[str, str]) -> None:
    """Forget the ends ``_dated`` found of the runs of ``path`` no longer ``gone``
    unmarked (marked since, or pruned)."""
    for key in [key for key in list(_DATES) if key[0] == path and key[1] not in gone]:
        _DATES.pop(key, None)  # (another reader's thread may have forgotten it first)


def end_time(path: Path, run_id: str) -> float | None:
    """When a reader should say run ``run_id`` of the store ``path`` ended, once it
    finds its process gone: as recorded when the run is ended (marked meanwhile), else
    its last sign of life, as its mark will say (``last_sign_of_life``). None when the
    store holds no row of it, or cannot be read now. ``flowtop watch`` dated the end it
    found itself by its own clock: ``INTERRUPTED … in 3.1s``, where ``history`` said
    another duration, counting the time the watch took to notice."""
    try:
        with closing(connect_reader(path)) as reader:
            dating = _DATING if "heartbeat" in columns(reader, "runs") else _LEGACY_DATING
            row = reader.execute(
                f"SELECT state, {numeric('finished')}, {dating} FROM runs WHERE run_id = ?",
                (run_id,),
            ).fetchone()
            if row is None:
                return None
            state, finished, started, heartbeat, plan = row
            if state != _RUNNING.value and finished is not None:
                return float(finished)
            return _dated(reader, path, run_id, started, heartbeat, plan)
    except (sqlite3.Error, HistoryError, *UNREADABLE):
        return None


def end_and_duration(path: Path, run_id: str) -> tuple[float, float] | None:
    """``end_time``, with the duration the run's mark gives it (or gave it): from its
    body's start (its ``run_started``), 0 for one that never logged a start (it died
    importing its flow file). ``history`` of a store it could not mark counted from
    the run's launch, before its import: 378 ms where the mark and the monitor said 0."""
    ended = end_time(path, run_id)
    if ended is None:
        return None
    try:
        with closing(connect_reader(path)) as reader:
            row = reader.execute(
                f"SELECT state, {numeric('duration')}, {numeric('started', '0')} FROM runs "
                "WHERE run_id = ?",
                (run_id,),
            ).fetchone()
            if row is None:
                return None
            state, duration, started = row
            if state != _RUNNING.value and duration is not None:
                return ended, float(duration)
            if not log_columns(reader):  # before the log: its row's start is all there is
                return ended, max(0.0, ended - started)
            start = logged_start(reader, run_id)
    except (sqlite3.Error, HistoryError, *UNREADABLE):
        return None
    began = None if start is None else start.ts + (start.starts_in or 0.0)
    return ended, 0.0 if began is None else max(0.0, ended - began)


def unmarked_notes(path: Path) -> dict[str, str]:
    """Run id -> the note a reader shows for a run ``gone_unmarked`` finds: why it is
    gone, then why it is not marked (``not_marked``)."""
    return {event.run_id: event.reason for event in unmarked(path, dated=False)}


def unwritten(path: Path) -> str | None:
    """Why this process's last ``reap_store`` of ``path`` could not write it, else None
    (it could, or had nothing to write): whether a poller should look for ``unmarked``."""
    return _UNWRITTEN.get(path)


def reap_store(path: Path, *, mark: bool = True) -> list[str]:
    """Mark the runs whose owner died INTERRUPTED, without opening a History; the ids.

    What a reader (``flowtop watch``, the TUI) calls every second: it looks first with a
    read-only connection and takes the write lock only when there is a run to mark, so a
    quiet check never waits behind a run process's commit. On a read-only store nothing
    is marked (and nothing fails): the runs just stay as recorded, and why is kept for
    ``not_marked``.

    A store an older flowtop wrote is migrated first, as a run migrates it (without
    ``mark``, only that: ``upgrade_store``): its marks are written in this version's
    format, which an older flowtop would misread in a file still at its own version.
    """
    try:
        with closing(connect_reader(path)) as reader:
            older = store_schema.check_version(reader, path) < store_schema.SCHEMA_VERSION
            if older and not store_writable(path):
                _UNWRITTEN[path] = "readonly"
                return []  # read as it is (``store_reader``)
            if not older and not (mark and _orphans(reader)):
                _UNWRITTEN.pop(path, None)
                return []
    except (sqlite3.Error, HistoryError):
        return []  # not a store, a newer one, or away: the readers say so
    try:
        with closing(connect(path)) as conn, store_schema.write_transaction(conn):
            store_schema.migrate(conn, path)
            marked = reap(conn) if mark else []
    except (sqlite3.Error, HistoryError) as exc:
        _UNWRITTEN[path] = str(exc) or type(exc).__name__  # read-only, full, locked
        return []
    _UNWRITTEN.pop(path, None)
    end_marks.forget(path, marked)
    return marked


def upgrade_store(path: Path) -> None:
    """Migrate a store an older flowtop wrote, when this process may write it (``watch``
    and ``cancel`` before they look a run up); one it may not is read as it is."""
    reap_store(path, mark=False)
