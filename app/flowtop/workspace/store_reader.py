"""Reading the run store: runs, one run's tasks and attempts, the live runs and their owners.

Apart from the writer (``history.History``) so that a reader needs only read access:
``flowtop history`` works on a read-only store and never waits for a process that is
writing to it (WAL lets readers read while one writer writes).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from ..engine.parameters import decode as decode_parameters
from .history_records import REUSED, RunDetail, RunRecord
from .log_fold import fold, run_end, run_tasks, stored_tasks
from .private import refuse_linked_store
from .reuse_origin import said_pruned
from .row_events import row_events
from .run_log import (
    UNREADABLE,
    LogDamage,
    LogEvent,
    columns,
    connect_reader,
    log_columns,
    run_started_name,
)
from .store_schema import check_version
from .stored_plan import stored_plan
from .subflow_runs import SubflowRun, called_by

#: A flow's runs, newest first: by number, which the store hands out in order, not by the
#: clock that stamped ``started`` (set back, or another host's); NULL numbers last.
NEWEST_FIRST = " ORDER BY r.number DESC, r.started DESC"

#: The schema version that added ``runs.parameters``.
PARAMETERS_VERSION = 6

#: A ``@flow`` run's first log event, its ``run_started``, whose body holds its
#: ``flow_run_name`` (``run_log.run_started_name``); a graph's run has no name. Read from
#: the log, where the run's other fields are, rather than copied into a column of ``runs``.
_FIRST_EVENT = (
    "CASE WHEN r.tasks = 0 THEN (SELECT e.body FROM events e WHERE e.run_id = r.run_id "
    "ORDER BY e.id LIMIT 1) END"
)
#: The types a column of a runs listing may hold: what flowtop writes there (``_sound``).
_TEXT: frozenset[type] = frozenset((str,))
_TEXT_OR_NONE: frozenset[type] = frozenset((str, type(None)))
_WHOLE: frozenset[type] = frozenset((int,))
_WHOLE_OR_NONE: frozenset[type] = frozenset((int, type(None)))
_NUMBER: frozenset[type] = frozenset((int, float))
_NUMBER_OR_NONE: frozenset[type] = frozenset((int, float, type(None)))


class _RunColumn(NamedTuple):
    """A column of a runs listing (``_RUNS``): the name ``_run_record`` reads it by, the
    SQL that selects it, the types flowtop writes there, what stands in for it when it
    holds anything else (none, unless it must hold something: text, a number), and how
    a damage note names it when not by ``name`` (``_damaged_record``)."""

    name: str
    sql: str
    kinds: frozenset[type]
    stand_in: object = None
    said_as: str = ""

    @property
    def label(self) -> str:
        return self.said_as or self.name


#: A runs listing's columns, in the order its SELECT names them (``_listing``).
_RUN_COLUMNS = (
    _RunColumn("run_id", "r.run_id", _TEXT, "?"),
    _RunColumn("flow", "r.flow", _TEXT, "?"),
    _RunColumn("number", "r.number", _WHOLE, 0),
    _RunColumn("state", "r.state", _TEXT, "?"),
    _RunColumn("started", "r.started", _NUMBER, 0.0),
    _RunColumn("finished", "r.finished", _NUMBER_OR_NONE),
    _RunColumn("duration", "r.duration", _NUMBER_OR_NONE),
    _RunColumn("rerun_of", "r.rerun_of", _TEXT_OR_NONE),
    _RunColumn("rerun_of_number", "src.number", _WHOLE_OR_NONE),
    _RunColumn("counts", "r.counts", _TEXT_OR_NONE),
    _RunColumn("tasks", "r.tasks", _WHOLE, 0),
    _RunColumn("note", "r.note", _TEXT_OR_NONE),
    _RunColumn("host", "r.host", _TEXT_OR_NONE),
    _RunColumn("pid", "r.pid", _WHOLE_OR_NONE),
    _RunColumn("error", "r.error", _TEXT_OR_NONE),
    _RunColumn("parent", "r.parent", _TEXT_OR_NONE),
    _RunColumn("parent_flow", "up.flow", _TEXT_OR_NONE),
    _RunColumn("parent_number", "up.number", _WHOLE_OR_NONE),
    _RunColumn("parameters", "r.parameters", _TEXT_OR_NONE),
    _RunColumn("start_event", _FIRST_EVENT, _TEXT_OR_NONE, said_as="start event"),
)


class _RunsListing(NamedTuple):
    """Runs with the numbers of the runs they reran and were called by: the SELECT and
    what its decoder (``_run_record``) reads each row's values by, all built from one
    table of columns (``_listing``). Read by position in a list of their own, a column
    added to or moved in the SELECT alone shifted every field after it, without a word."""

    select: str
    columns: tuple[_RunColumn, ...]
    #: The columns' names and types, in the SELECT's order (what each row is read by).
    names: tuple[str, ...]
    kinds: tuple[frozenset[type], ...]


def _listing(columns: Sequence[_RunColumn]) -> _RunsListing:
    """The runs listing of ``columns``, in their order: ``_RUNS``, and a test's own."""
    select = (
        f"SELECT {', '.join(column.sql for column in columns)} "
        "FROM runs r LEFT JOIN runs src ON src.run_id = r.rerun_of "
        "LEFT JOIN runs up ON up.run_id = r.parent"
    )
    names = tuple(column.name for column in columns)
    return _RunsListing(select, tuple(columns), names, tuple(column.kinds for column in columns))


_RUNS = _listing(_RUN_COLUMNS)
#: The columns of ``runs`` that came after version 1 (note, host and pid with version 2,
#: error with 3, parent with 4): read as NULL from a store that lacks them.
_LATER_COLUMNS = ("note", "host", "pid", "error", "parent")


def _old_runs(conn: sqlite3.Connection) -> str:
    """The runs listing's SELECT for a store older than ``PARAMETERS_VERSION`` that
    nobody could migrate, as the columns of its ``runs`` allow: no parameters, no name."""
    present = columns(conn, "runs")
    query = _RUNS.select.replace("r.parameters", "NULL").replace(_FIRST_EVENT, "NULL")
    for column in _LATER_COLUMNS:
        if column not in present:
            query = query.replace(f"r.{column}", "NULL")
    return query


def _run_record(row: Sequence[Any]) -> RunRecord:
    """The run of a row of ``_RUNS``, read by column name. A row no flowtop wrote (a
    damaged or crafted store: counts that are not JSON, a start that is not a time) is
    read field by field instead (``_damaged_record``), so that one bad row never hides
    the others."""
    fields = dict(zip(_RUNS.names, row, strict=False))  # one table: as long as the row
    try:
        counts = json.loads(fields["counts"]) if fields["counts"] else {}
        reused = counts.pop(REUSED, 0)
        if not _sound(row, counts, reused):
            raise ValueError("a column holds what flowtop does not write there")
        return _record(fields, counts, reused)
    except UNREADABLE:
        return _damaged_record(fields)


def _sound(row: Sequence[Any], counts: Any, reused: Any) -> bool:
    """Whether every column of ``row`` holds what flowtop writes there: a few type
    checks per run (a listing reads a hundred), where each wrong one failed further on,
    when a table printed it, with a traceback. Mapped, not a generator: half the time."""
    return (
        all(map(frozenset.__contains__, _RUNS.kinds, map(type, row)))
        and type(counts) is dict
        and type(reused) is int
        and all(type(n) is int for n in counts.values())
    )


def _record(
    fields: Mapping[str, Any], counts: dict[str, int], reused: int, damage: str = ""
) -> RunRecord:
    """The run of a row's ``fields`` by column name, its counts already read."""
    pid = fields["pid"]
    return RunRecord(
        run_id=fields["run_id"],
        flow=fields["flow"],
        number=fields["number"],
        state=fields["state"],
        started=fields["started"],
        finished=fields["finished"],
        duration=fields["duration"],
        rerun_of=fields["rerun_of"],
        rerun_of_number=fields["rerun_of_number"],
        counts=counts,
        tasks=fields["tasks"],
        note=fields["note"] or "",
        owner=f"pid {pid} on {fields['host']}" if pid is not None else "",
        error=_flow_error(fields["error"]),
        parent=fields["parent"],
        parent_flow=fields["parent_flow"],
        parent_number=fields["parent_number"],
        parameters=decode_parameters(fields["parameters"]),
        name=run_started_name(fields["start_event"]),
        reused=reused,
        damage=damage,
    )


def _damaged_record(fields: Mapping[str, Any]) -> RunRecord:
    """A run whose row ``_run_record`` could not read whole: each column that does not
    hold what flowtop writes there is left out (a number as 0, a time as none, counts
    as none: its ``stand_in``), and ``damage`` says which and what it held."""
    fixed = dict(fields)
    unreadable = []
    for column in _RUNS.columns:
        value = fields[column.name]
        if type(value) not in column.kinds:
            fixed[column.name] = column.stand_in
            unreadable.append(f"{column.label} {value!r:.40}")
    counts, reused = _counts(fixed["counts"])
    if counts is None:
        counts, reused = {}, 0
        unreadable.append(f"counts {fields['counts']!r:.40}")
    decoders = {
        "error": _flow_error,
        "parameters": decode_parameters,
        "start_event": run_started_name,
    }
    for column in _RUNS.columns:
        decode = decoders.get(column.name)
        if decode is not None and not _readable(decode, fixed[column.name]):
            fixed[column.name] = None
            unreadable.append(f"{column.label} {fields[column.name]!r:.40}")
    damage = f"unreadable, left out: {', '.join(unreadable) or 'a column'}"
    return _record(fixed, counts, reused, damage)


def _counts(stored: Any) -> tuple[dict[str, int] | None, int]:
    """A run's stored counts and how many tasks it reused; None when unreadable."""
    try:
        counts = json.loads(stored) if stored else {}
    except UNREADABLE:
        return None, 0
    if type(counts) is not dict or not all(type(n) is int for n in counts.values()):
        return None, 0
    reused = counts.pop(REUSED, 0)
    return counts, reused


def _readable(decode: Callable[[Any], Any], stored: Any) -> bool:
    try:
        decode(stored)
    except UNREADABLE:
        return False
    return True


def _flow_error(stored: str | None) -> dict[str, str] | None:
    """A ``@flow`` function's error, stored as a JSON ``[type, message, traceback]``."""
    if not stored:
        return None
    kind, message, trace = json.loads(stored)
    if not all(type(part) is str for part in (kind, message, trace)):
        raise ValueError(f"not a @flow error: {stored!r:.40}")
    return {"type": kind, "message": message, "traceback": trace}


class ReservedRun(NamedTuple):
    """A run recorded RUNNING whose process has logged nothing yet (``reserved_runs``)."""

    run_id: str
    flow: str
    number: int
    started: float


#: Top-level runs recorded RUNNING with no event logged up to an id: a subflow's run is
#: recorded by its parent's process as it logs its start, never for a long import.
_RESERVED = (
    "SELECT r.run_id, r.flow, r.number, r.started FROM runs r "
    "WHERE r.state = 'RUNNING' AND r.parent IS NULL AND NOT EXISTS "
    "(SELECT 1 FROM events e WHERE e.run_id = r.run_id AND e.id <= ?) ORDER BY r.number"
)


def reserved_runs(conn: sqlite3.Connection, read_upto: int) -> tuple[ReservedRun, ...]:
    """The runs reserved in the store (``run_numbers.record_run``: a RUNNING row with its
    number) of which no event is logged up to the id ``read_upto``: their process is
    still importing the flow file. Indexed both ways (``runs_state``, ``events_run``),
    so a client can ask as it tails the log; a store older than the log has none."""
    try:
        rows = conn.execute(_RESERVED, (read_upto,)).fetchall()
    except sqlite3.OperationalError:  # a store older than the log or subflows: not migrated
        return ()
    return tuple(
        ReservedRun(run_id, flow, number, float(started))
        for run_id, flow, number, started in rows
        if isinstance(run_id, str)
        and isinstance(flow, str)
        and isinstance(number, int)
        and isinstance(started, int | float)
    )


def pruned_runs(conn: sqlite3.Connection, runs: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Those of ``runs`` (flow, number) that the store gave out and holds no run of any
    more: pruned (their numbers stay given out, ``pruning.prune_runs``). A number it never
    gave out (a ``--no-history`` run's own count, another store's run) is not one; in a
    store older than ``run_numbers`` any run it lacks is. Two index lookups each."""
    gone: set[tuple[str, int]] = set()
    for flow, number in set(runs):
        if conn.execute(_A_RUN, (flow, number)).fetchone() is not None:
            continue
        try:
            given = conn.execute(_A_NUMBER, (flow, number)).fetchone() is not None
        except sqlite3.OperationalError:  # a store from before run numbers were kept
            given = True
        if given:
            gone.add((flow, number))
    return gone


_A_RUN = "SELECT 1 FROM runs WHERE flow = ? AND number = ? LIMIT 1"
_A_NUMBER = "SELECT 1 FROM run_numbers WHERE flow = ? AND number = ?"


class StoreReader:
    """Read access to the run store at ``path``."""

    #: The connection ``version`` keeps, and the file (device, inode) it is open on;
    #: none kept once ``stop_watching`` ended it (a closed store).
    _watch: tuple[sqlite3.Connection, int, int] | None = None
    _watching = True
    _watch_lock = threading.Lock()

    #: The connection ``one_read`` lends the thread's reads of a reader: (reader, conn).
    _lent = threading.local()

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def version(self) -> tuple[int, ...] | None:
        """The same while nobody committed to the store, another after any commit (of any
        process or connection: SQLite's ``data_version`` on a connection kept for it, and
        the file's inode, should it be replaced); None when that cannot be told. The
        history screen reads its runs again only then: 5,000 runs read every 2 s held an
        idle monitor at 8% CPU."""
        with self._watch_lock:
            if not self._watching:
                return None
            try:
                stat = os.stat(self.path)
                if self._watch is None or self._watch[1:] != (stat.st_dev, stat.st_ino):
                    self._stop_watching()
                    refuse_linked_store(self.path)  # as ``_reader`` does
                    self._watch = (connect_reader(self.path), stat.st_dev, stat.st_ino)
                (changes,) = self._watch[0].execute("PRAGMA data_version").fetchone()
            except (OSError, sqlite3.Error):  # the next read says what is wrong
                self._stop_watching()
                return None
            return (stat.st_dev, stat.st_ino, int(changes))

    def stop_watching(self) -> None:
        """Close ``version``'s connection for good: a closing store folds its WAL in only
        once no connection of this process holds it."""
        with self._watch_lock:
            self._watching = False
            self._stop_watching()

    def _stop_watching(self) -> None:
        if self._watch is not None:
            self._watch[0].close()
            self._watch = None

    # -- reading --------------------------------------------------------------------
    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection for the calling thread only: it never waits on a writer
        (WAL), and needs no write access to the file or its folder. Never through a
        symbolic link at the store's name (``private.refuse_linked_store``): SQLite made
        files beside what it points at, and the next writer wrote through it."""
        lent = getattr(self._lent, "held", None)
        if lent is not None and lent[0] is self:  # (within ``one_read``)
            yield lent[1]
            return
        refuse_linked_store(self.path)
        with closing(connect_reader(self.path)) as conn:
            check_version(conn, self.path)  # a newer flowtop's store is refused, untouched
            yield conn

    @contextmanager
    def one_read(self) -> Iterator[None]:
        """The calling thread's reads of this store within, on one connection: ``flowtop
        history --run`` read its run, its subflow runs and the runs its cache hits name
        (``commands.history``) each on its own."""
        with self._reader() as conn:
            held, self._lent.held = getattr(self._lent, "held", None), (self, conn)
            try:
                yield
            finally:
                self._lent.held = held

    def subflows(self, run_id: str) -> tuple[SubflowRun, ...]:
        """The subflow runs ``run_id`` called, oldest first (``subflow_runs.called_by``)."""
        with self._reader() as conn:
            return called_by(conn, run_id)

    @contextmanager
    def _runs_reader(self) -> Iterator[tuple[sqlite3.Connection, str]]:
        """``_reader``'s connection and the runs query as that file's schema allows: an
        older store nobody could migrate (a read-only folder) lacks the newer columns,
        read as NULL."""
        with self._reader() as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            yield conn, _RUNS.select if version >= PARAMETERS_VERSION else _old_runs(conn)

    def runs(
        self,
        flow: str | None = None,
        limit: int | None = 100,
        *,
        among: Sequence[str] | None = None,
    ) -> list[RunRecord]:
        """Runs, newest first: a flow's by number (``NEWEST_FIRST``), all flows' (or those
        ``among`` some, a flow file's) by start."""
        where = " ORDER BY r.started DESC, r.number DESC"  # flows apart: by the clock
        params: list[str | int] = []
        if flow is not None:
            where = f" WHERE r.flow = ?{NEWEST_FIRST}"
            params.append(flow)
        elif among is not None:
            where = f" WHERE r.flow IN ({', '.join('?' * len(among))}){where}"
            params.extend(among)
        if limit is not None:
            where += " LIMIT ?"
            params.append(int(limit))
        with self._runs_reader() as (conn, runs):
            return [_run_record(row) for row in conn.execute(runs + where, params)]

    def count(self, flow: str | None = None, *, among: Sequence[str] | None = None) -> int:
        """How many runs the store holds (of ``flow``, or of the flows ``among``): what a
        shortened list leaves out."""
        names = (flow,) if flow is not None else tuple(among) if among is not None else None
        where = "" if names is None else f" WHERE flow IN ({', '.join('?' * len(names))})"
        with self._reader() as conn:
            row = conn.execute(f"SELECT COUNT(*) FROM runs{where}", names or ())
            return int(row.fetchone()[0])

    def oldest_start(self) -> float | None:
        """When the store's oldest run started (None: it holds none): how far back a store
        goes, made again since a run a user names was recorded (``.flowtop`` deleted)."""
        with self._reader() as conn:
            row = conn.execute(
                "SELECT min(started) FROM runs WHERE typeof(started) IN ('integer', 'real')"
            ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def flows(self) -> list[str]:
        """The flows that have runs, by name."""
        with self._reader() as conn:
            return [row[0] for row in conn.execute("SELECT DISTINCT flow FROM runs ORDER BY flow")]

    def newest_per_flow(self) -> list[RunRecord]:
        """Each flow's newest run (what a TUI shows on open). Picked in SQL: a store a
        cron job fills holds tens of thousands of runs; reading them all took 0.2 s per 10,000."""
        newest = (
            "SELECT run_id FROM (SELECT run_id, ROW_NUMBER() OVER (PARTITION BY flow "
            "ORDER BY number DESC, started DESC) AS nth FROM runs) WHERE nth = 1"
        )
        with self._runs_reader() as (conn, runs):
            rows = conn.execute(
                f"{runs} WHERE r.run_id IN ({newest}) ORDER BY r.started DESC, r.number DESC"
            )
            return [_run_record(row) for row in rows]

    def live_besides(self, shown: list[RunRecord]) -> list[str]:
        """The ids of the runs recorded RUNNING that are not ``shown`` (an older run of a
        flow whose newer run is live too), oldest first."""
        ids = {record.run_id for record in shown}
        with self._reader() as conn:
            rows = conn.execute(
                "SELECT run_id FROM runs WHERE state = 'RUNNING' ORDER BY started, number"
            ).fetchall()
        return [row[0] for row in rows if row[0] not in ids]

    def older_subflows(self, shown: list[RunRecord]) -> list[str]:
        """The ids of the subflow runs that the ``shown`` runs called and that are not
        shown themselves (a newer run of their flow is), oldest first: a parent names all
        its subflows, not only the newest of each flow."""
        ids = [record.run_id for record in shown]
        marks = ", ".join("?" * len(ids))
        query = (
            f"SELECT run_id FROM runs WHERE parent IN ({marks}) AND run_id NOT IN ({marks})"
            " ORDER BY started, number"
        )
        with self._reader() as conn:
            try:
                return [row[0] for row in conn.execute(query, ids + ids)]
            except sqlite3.OperationalError:  # a store from before subflows were recorded
                return []

    def with_id_prefix(self, prefix: str, flow: str | None = None) -> list[RunRecord]:
        """Runs whose id starts with ``prefix`` (ids are lowercase hex; a run is named by
        a short prefix of its id, as git names commits), newest first."""
        where = " WHERE substr(r.run_id, 1, ?) = ?"
        params: list[str | int] = [len(prefix), prefix.lower()]
        if flow is not None:
            where += " AND r.flow = ?"
            params.append(flow)
        with self._runs_reader() as (conn, runs):
            rows = conn.execute(runs + where + " ORDER BY r.started DESC, r.number DESC", params)
            return [_run_record(row) for row in rows]

    def running(self) -> list[RunRecord]:
        """Runs recorded as RUNNING (live, or dead and not reaped yet)."""
        with self._runs_reader() as (conn, runs):
            rows = conn.execute(f"{runs} WHERE r.state = 'RUNNING'")
            return [_run_record(row) for row in rows]

    def find_run(self, flow: str, number: int) -> RunRecord | None:
        """Run #``number`` of ``flow`` (the newest, should two processes ever give out one number twice)."""
        with self._runs_reader() as (conn, runs):
            row = conn.execute(
                f"{runs} WHERE r.flow = ? AND r.number = ? ORDER BY r.started DESC LIMIT 1",
                (flow, number),
            ).fetchone()
        return None if row is None else _run_record(row)

    def pruned(self, runs: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
        """Those of ``runs`` (flow, number) pruned from the store (``pruned_runs``): a
        cache hit that names one says so (``reuse_origin.pruned_said``)."""
        with self._reader() as conn:
            return pruned_runs(conn, runs)

    def runs_numbered(self, number: int) -> list[RunRecord]:
        """Every flow's run #``number`` (``flowtop history --run N`` without ``--flow``)."""
        with self._runs_reader() as (conn, runs):
            rows = conn.execute(
                f"{runs} WHERE r.number = ? ORDER BY r.flow, r.started DESC", (number,)
            ).fetchall()
        return [_run_record(row) for row in rows]

    def run_detail(self, run_id: str, *, checked: bool = False) -> RunDetail:
        """One run with its tasks in flow order (PENDING for those not started) and every
        attempt. What of its log cannot be read is left out, said in ``damage`` and in
        its note (the history screen shows that); ``checked``: every event's fields are
        looked at too (``log_fold.logged_tasks``), for a reader that failed on one."""
        with self._runs_reader() as (conn, runs):
            return self._run_detail(conn, runs, run_id, checked=checked)

    def run_page(self, run_id: str, *, subflows: bool) -> RunDetail:
        """``run_detail`` as a run's page shows it, read on one connection: its cache hits
        saying which runs they name were pruned, and with ``subflows`` the subflow runs it
        called (``RunDetail.subflows``). It opened three, each refresh."""
        with self._runs_reader() as (conn, runs):
            detail = self._run_detail(conn, runs, run_id)
            if subflows:
                detail = replace(detail, subflows=called_by(conn, run_id))
            return said_pruned(detail, partial(pruned_runs, conn))

    def _run_detail(
        self, conn: sqlite3.Connection, runs: str, run_id: str, *, checked: bool = False
    ) -> RunDetail:
        """``run_detail`` on ``conn``, ``runs`` the runs query its store allows (``_runs_reader``)."""
        damage: list[LogDamage] = []
        row = conn.execute(f"{runs} WHERE r.run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"no run with id {run_id!r} in {self.path}")
        (stored,) = conn.execute("SELECT plan FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        plan = stored_plan(stored)
        body: list[str] = []  # what its @flow body printed, from the pieces logged as it ran
        if log_columns(conn):
            tasks = run_tasks(conn, run_id, plan or [], damage, checked=checked, body=body)
            end = run_end(conn, run_id, damage)
        else:  # a version 1 store nobody could migrate: no log, rows only
            tasks, end = stored_tasks(conn, run_id, plan or []) or fold(plan or [], []), None
        record = _run_record(row)
        said = [piece.said() for piece in damage]
        if plan is None:  # its tasks as its log has them
            said.append(f"its plan {stored!r:.40} is unreadable, left out")
            record = replace(record, damage="; ".join(filter(None, [record.damage, said[-1]])))
        if said:
            record = replace(record, note="; ".join(filter(None, [record.note, *said])))
        # a run not ended (still running, or its process killed): the pieces, its end's none
        output, result = ("".join(body), None) if end is None else (end.output, end.result)
        return RunDetail(record, tuple(tasks), output, tuple(damage), result)

    def events_from_rows(self, run_id: str) -> list[LogEvent]:
        """A finished run recorded before the log, as the events its rows tell
        (``row_events``); [] for a run that has events. Rows that cannot be read (a
        crafted plan) are a ``LogDamage``: the monitor opened on none of the runs."""
        with self._reader() as conn:
            try:
                return row_events(conn, run_id)
            except UNREADABLE as exc:
                why = f"its rows from before the log cannot be read ({type(exc).__name__}: {exc})"
                return [LogDamage(run_id, 0, 0, why)]
