"""What a store client notices of a prune (``flowtop history --prune``, from any process):
the runs it handed on that the prune took, and the cached results whose source it took.

Apart from ``store_client``, which tells it what each batch it hands on starts and
holds (``PruneWatch.started``, ``marked``) and asks it at each look (``look``). A prune
deletes runs and their log rows, and nothing of it reaches the log's tail: the client
noticed one only when the row its tail had read last went with it (``LogTail.rewritten``,
read as a store moved in). A window went on showing a run of a flow after ``--prune 0
--flow`` it, and a run of any flow that a prune took while the screen showed it (an older
run ``w`` reached), until a restart.

A prune leaves the numbers of the runs it takes given out (``run_numbers``): the count
of numbers given out less the count of runs grows exactly when runs are deleted, however
many are recorded meanwhile (each new run comes with its number). That is two counts a
look (3 ms for 200,000 runs); the runs handed on are looked up only when it grew. A run
handed on that is gone, its number still given out, was pruned; one gone with its number
is another store's (one moved in, read through the old one's write-ahead log): the log
read anew says that (``StoreClient._look_at_store``), as before.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import NamedTuple, Protocol

from ..engine.events import RunStarted, TaskStateChanged
from .reuse_origin import origin_pruned, origin_source
from .run_log import LogEvent, LogTail, RunInterrupted, connect_reader
from .store_notices import ClientEvent, RunsPruned
from .store_reader import pruned_runs


class Replay(Protocol):
    """How a client hands runs on again (``StoreClient._replay_all``): by id, each with
    whether in outline, up to a log id; ``tolerant``: one that cannot be read is said so."""

    def __call__(self, replays: list[tuple[str, bool]], upto: int, *, tolerant: bool) -> object: ...


#: Run ids looked up per statement (SQLite's default limit of parameters is 999 at least).
CHUNK = 500


class Pruned(NamedTuple):
    """What a look found a prune took: the ``runs`` handed on (by id), the runs named as
    where cached results handed on were made (``sources``, flow and number), and the
    newest run left of each flow that lost one, ended (``replays``): handed on again
    first, so that a screen shows what is left, as when the store is read anew."""

    runs: tuple[str, ...]
    sources: frozenset[tuple[str, int]]
    replays: tuple[str, ...]


class PruneWatch:
    """The runs a client handed on, and the prunes that took any of them since, said to
    ``sink`` (``RunsPruned``; None: to nobody, nothing looked at) after the runs left that
    ``replay`` hands on again."""

    def __init__(
        self, db: Path, sink: Callable[[Sequence[ClientEvent]], object] | None, replay: Replay
    ) -> None:
        self.db = db
        self._sink = sink
        self._replay = replay
        #: Numbers given out less runs held, at the last look (None: not read yet).
        self._mark: int | None = None
        #: Each run handed on since the store was (re)read: run id -> (flow, number).
        self._handed: dict[str, tuple[str, int]] = {}
        #: The runs reused results handed on name as where they were made (a cache hit's
        #: entry, a rerun's origin), and reruns' sources: (flow, number) -> whether pruned.
        self._sources: dict[tuple[str, int], bool] = {}
        #: Runs handed on that a prune took (ids): their log rows go after them.
        self._pruned: set[str] = set()
        #: The row the tail had read last at the last look (id), and whose it was.
        self._seen: tuple[int, str | None] = (0, None)

    def start(self) -> None:
        """The client (re)reads its store (on open, or anew): what it hands on from now
        is what it holds, and a prune from now on is noticed. Called before the runs to
        hand on are picked: a prune meanwhile is noticed at the first look."""
        self._handed.clear()
        self._sources.clear()
        self._pruned.clear()
        self._seen = (0, None)
        try:
            with closing(connect_reader(self.db)) as conn:
                self._mark = _mark(conn)
        except (sqlite3.Error, OSError):
            self._mark = None  # the first look that can read it starts from there

    def started(self, event: RunStarted) -> None:
        """A run handed on (``StoreClient._hand``, which walks each batch once) started."""
        self._handed[event.run_id] = (event.flow, event.run)

    def sourced(
        self, event: RunStarted, number_of: Callable[[RunStarted], int | None]
    ) -> RunStarted:
        """A rerun's start about to be handed on, naming its source's number
        (``rerun_number``: 0 when the store no longer holds it), read once: a run handed on
        already is known (``started``), another's is ``number_of`` the start (None: not
        read; ``Origins.source_number``, which reads its row with its chain). A prune of
        that run is followed from now on (``RunsPruned.sources``)."""
        source = event.rerun_of or ""
        flow, number = self._handed.get(source) or (event.flow, number_of(event))
        if number is None:
            return event
        if number:
            self._sources.setdefault((flow, number), False)
        return event._replace(rerun_number=number)

    def interrupted(self, event: RunInterrupted) -> None:
        """A run handed on was ended for its owner: one that died importing names its
        flow, and may have started nowhere."""
        if event.flow:
            self._handed.setdefault(event.run_id, (event.flow, event.run))

    def marked(
        self, events: Sequence[LogEvent], hits: Sequence[tuple[int, TaskStateChanged]]
    ) -> Sequence[LogEvent]:
        """``events``, about to be handed on, ``hits`` the reused steps among them by their
        places (``TaskStateChanged.reused``): each that names a pruned run as where it was
        made saying so (a copy of them, then): a cache hit's entry, or the run a rerun's
        result was carried over from (``reused from run #1``, as ``Origins`` named it in
        ``events``; ``reused from the source run`` names none)."""
        sources = [
            (at, step, source)
            for at, _ in hits
            if type(step := events[at]) is TaskStateChanged
            and (source := origin_source(step.flow, step.message)) is not None
        ]
        if not sources:
            return events
        self._look_up({source for _, _, source in sources})
        marked = list(events)
        for at, step, source in sources:
            if self._sources.get(source):
                marked[at] = step._replace(message=origin_pruned(step.message))
        return marked

    def _look_up(self, sources: set[tuple[str, int]]) -> None:
        """Whether each of ``sources`` not looked up yet was pruned (``_sources``). One
        that cannot be told now reads as there: the next prune noticed looks again."""
        new = sources - self._sources.keys()
        if not new:
            return
        try:
            with closing(connect_reader(self.db)) as conn:
                gone = pruned_runs(conn, new)
        except (sqlite3.Error, OSError):
            gone = set()
        self._sources.update((source, source in gone) for source in new)

    def look(self, tail: LogTail) -> bool:
        """At the client's look at its store, ``tail`` the log's: whether a prune took
        runs handed on since the last look, said then (``RunsPruned``, after the newest
        run left of each flow that lost one). Nothing else is (no prune, none of them, or
        runs gone with their numbers: not a prune). ``tail`` is set back to the newest row
        left up to where it read when a prune took the row it read last (no row can come
        between: ids are never given out again), so that it reads on instead of taking
        the store for one moved in (``LogTail.rewritten``)."""
        if self._sink is None:
            return False
        try:
            with closing(connect_reader(self.db)) as conn:
                mark, found = _mark(conn), None
                if self._mark is not None and mark > self._mark:
                    found = self._took(conn)
                self._mark = mark
                self._settle(conn, tail, confirmed=found is not None and bool(found.runs))
        except (sqlite3.Error, OSError):  # locked, or gone: the next look
            return False
        if found is None:
            return False
        self._replay([(run_id, False) for run_id in found.replays], tail.last, tolerant=True)
        self._sink([RunsPruned(found.runs, found.sources, time.time())])
        return True

    def _took(self, conn: sqlite3.Connection) -> Pruned | None:
        """What a prune took of what was handed on (``look``)."""
        held: set[str] = set()
        ids = list(self._handed)
        for at in range(0, len(ids), CHUNK):
            chunk = ids[at : at + CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = conn.execute(f"SELECT run_id FROM runs WHERE run_id IN ({marks})", chunk)
            held.update(run_id for (run_id,) in rows)
        missing = {run_id: self._handed.pop(run_id) for run_id in ids if run_id not in held}
        if set(missing.values()) - pruned_runs(conn, missing.values()):
            return None  # gone with their numbers: not a prune (nor asked about again)
        self._pruned.update(missing)
        kept = [source for source, gone in self._sources.items() if not gone]
        sources = pruned_runs(conn, kept) if kept else set()
        self._sources.update((source, True) for source in sources)
        if not missing and not sources:
            return None
        flows = sorted({flow for flow, _ in missing.values()})
        replays = (_newest_ended(conn, flow) for flow in flows)
        return Pruned(
            tuple(sorted(missing)),
            frozenset(sources),
            tuple(run_id for run_id in replays if run_id is not None),
        )

    def _settle(self, conn: sqlite3.Connection, tail: LogTail, *, confirmed: bool) -> None:
        """Set ``tail`` back to the newest row left up to where it read when the row it
        read last went with a prune: one noticed now (``confirmed``), or the run whose row
        it was, when a prune took it before its rows went (they go in chunks after it)."""
        last = tail.last
        row = conn.execute(_ROW_AT, (last,)).fetchone() if last else None
        if last and row is None:
            seen_at, seen_run = self._seen
            if confirmed or (seen_at == last and seen_run in self._pruned):
                (tail.last,) = conn.execute(_NEWEST_UP_TO, (last,)).fetchone()
                row = conn.execute(_ROW_AT, (tail.last,)).fetchone() if tail.last else None
        self._seen = (tail.last, None if row is None else row[0])


_ROW_AT = "SELECT run_id FROM events WHERE id = ?"
_NEWEST_UP_TO = "SELECT coalesce(max(id), 0) FROM events WHERE id <= ?"


def _mark(conn: sqlite3.Connection) -> int:
    """The run numbers given out less the runs held: it grows as runs are deleted."""
    try:
        (mark,) = conn.execute(
            "SELECT (SELECT count(*) FROM run_numbers) - (SELECT count(*) FROM runs)"
        ).fetchone()
    except sqlite3.OperationalError:  # a store from before run numbers were kept
        (mark,) = conn.execute("SELECT -count(*) FROM runs").fetchone()
    return int(mark)


def _newest_ended(conn: sqlite3.Connection, flow: str) -> str | None:
    """The id of ``flow``'s newest run, when it has ended (a live one is handed on
    already, and one importing has nothing to hand)."""
    row = conn.execute(
        "SELECT run_id, state FROM runs WHERE flow = ? ORDER BY number DESC, started DESC LIMIT 1",
        (flow,),
    ).fetchone()
    return None if row is None or row[1] == "RUNNING" else str(row[0])
