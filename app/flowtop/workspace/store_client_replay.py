"""How a store client hands on the runs a store holds when it reads the store (on open,
read anew, after a prune): which runs, and their logs up to where its tail takes over.

Apart from ``store_client``, which follows the tail and acts on runs: a replay reads
whole logs, once, through a reader of its own, where the tail reads rows as they come.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from ..engine.events import RunFinished, RunStarted
from .history_records import REUSED, HistoryError
from .run_log import LogDamage, LogEvent, LogTail, RunInterrupted
from .store_reader import StoreReader

log = logging.getLogger("flowtop.client")


def runs_to_replay(reader: StoreReader) -> list[tuple[str, bool]]:
    """The runs to replay, in order, each with whether in outline."""
    newest = reader.newest_per_flow()
    # Older subflow runs first, in outline, so that their parents can name them and the
    # newest run of their flow replaces them.
    replays = [(run_id, True) for run_id in reader.older_subflows(newest)]
    replays += [(record.run_id, False) for record in newest]
    # Then the other live runs, after the newest each flow shows: a window opened while
    # two runs of a flow went on knew only the newer (no "2 live runs", `w` had none).
    replays += [(run_id, False) for run_id in reader.live_besides(newest)]
    return replays


def replay_runs(
    db: Path,
    replays: list[tuple[str, bool]],
    upto: int,
    hand: Callable[[Sequence[LogEvent]], None],
    stop: threading.Event,
    *,
    tolerant: bool,
) -> bool:
    """Hand ``hand`` the ``replays``' events up to the id ``upto``, in order, through
    one reader: the outlines of consecutive runs in one batch. A monitor opening on a
    parent of 2,500 subflow runs opened a connection and handed a batch per run: its
    runs showed 2.5 s after its first frame, which read "not run yet" meanwhile.
    ``tolerant`` (on the tail's thread): a run whose log cannot be read now (damaged
    since it was picked) is said in its place (``LogDamage``) and the others shown;
    False once ``stop`` is set."""
    replay = LogTail(db)
    outlines: list[LogEvent] = []
    try:
        for run_id, outline in replays:
            if tolerant and stop.is_set():
                return False
            try:
                events = _events_of(db, replay, run_id, upto, outline=outline)
            except (sqlite3.Error, HistoryError, OSError) as exc:
                if not tolerant:
                    raise
                log.warning("%s: cannot replay run %s: %s", db, run_id, exc)
                replay.close()
                replay = LogTail(db)
                events = [LogDamage(run_id, 0, 0, f"its log cannot be read ({exc})")]
            outlines += events
            if not outline and outlines:  # a whole run: handed as it was read
                hand(outlines)
                outlines = []
        if outlines:
            hand(outlines)
    finally:
        replay.close()
    return True


def _events_of(
    db: Path, replay: LogTail, run_id: str, upto: int, *, outline: bool
) -> list[LogEvent]:
    """A run's events up to the id ``upto`` (its start and end only, with
    ``outline``, when it has finished), read through ``replay``."""
    events = replay.outline(run_id, upto) if outline else None
    if events:
        events[-1] = _with_reused(replay, events[-1])
    if events is None:
        replay.last = 0  # (a tail reads on from its last row: a run's whole log here)
        events = replay.read(limit=1 << 40, run_id=run_id, upto=upto)
    if not any(isinstance(event, RunStarted) for event in events):
        # a finished run an older flowtop recorded without a log: its rows tell (with
        # the interruption a newer one may have logged for it)
        events = StoreReader(db).events_from_rows(run_id) or events
        events = _from_body_start(replay, events)
    return events


def _from_body_start(replay: LogTail, events: list[LogEvent]) -> list[LogEvent]:
    """A run rebuilt from its rows that its process left (``RunInterrupted``), its start
    moved to its body's start, as its recorded duration counts it: a run killed while its
    file imported (no body yet, ``0s`` everywhere) read ``1.5s`` in the header of a
    monitor opened afterwards, from its launch to its last heartbeat."""
    first, last = (events[0], events[-1]) if events else (None, None)
    if not isinstance(first, RunStarted) or not isinstance(last, RunInterrupted) or last.ended:
        return events
    try:
        row = (
            replay.connection()
            .execute("SELECT duration FROM runs WHERE run_id = ?", (first.run_id,))
            .fetchone()
        )
    except sqlite3.Error:  # its start as recorded
        return events
    took = None if row is None else row[0]
    if not isinstance(took, int | float) or not 0 <= took < last.ts - first.ts:
        return events
    return [first._replace(ts=last.ts - took), *events[1:]]


def _with_reused(replay: LogTail, end: LogEvent) -> LogEvent:
    """A run's end read in outline, its counts with how many of its tasks were reused
    (``REUSED``, from its record: its end in the log counts states only). Its rows are
    not read, and a subflow run that reused every task read ``✓`` in its parent's list
    once the monitor was reopened, where it read ``↺`` live (``RunModel.all_reused``)."""
    if not isinstance(end, RunFinished):
        return end
    try:
        row = (
            replay.connection()
            .execute("SELECT counts FROM runs WHERE run_id = ?", (end.run_id,))
            .fetchone()
        )
        recorded = json.loads(row[0]) if row is not None and row[0] else {}
        reused = recorded.get(REUSED, 0) if isinstance(recorded, dict) else 0
    except (sqlite3.Error, ValueError, TypeError):  # a damaged row: its end as logged
        return end
    if type(reused) is not int:
        return end
    return end._replace(counts={**end.counts, REUSED: reused})
