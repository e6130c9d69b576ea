"""Where a rerun's carried-over results were made, named in the events a store client
hands on: ``reused from run #1`` in place of the engine's ``reused from the source run``.

Apart from ``store_client``, which hands it each batch's reused steps (``Origins.named``).
The monitor named the run a rerun reruns (its source) where ``history --run`` and the
run page name the run whose attempt made the result (its origin, ``reuse_origin``): for
#3, a rerun of #2 which reused from #1, the monitor said #2 and the history #1. Each
rerun's origins are read once, as its first reused step is handed on, on the client's
thread: the runs table up the rerun's chain, and of each run of it that is a rerun the
steps it carried over (``_carried``), never its whole log. Folding a 10,000-task
source's log (``run_detail``) held the events behind it 180-250 ms; a rerun of a first
run now reads one row of the runs table. That read, at the rerun's start, gives its
start its source's number too (``source_number``): it was read again, on a connection
of its own (``PruneWatch.sourced``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from ..engine.events import REUSED_FROM_SOURCE, RunStarted, TaskStateChanged
from .log_decode import UNREADABLE
from .reuse_origin import MADE_IN_PRUNED, MAX_LINKS
from .run_log import LogEvent, connect_reader, decode_rows, log_columns

#: The reruns whose origins are kept (the newest read): a rerun's reused steps come
#: together, at its start, or as a ``@flow`` body reaches each call.
KEPT = 8

#: What a rerun's carried-over tasks say (``made_in``).
Made = tuple[str | None, dict[str, str]]


class Origins:
    """The origins of the reruns' reused results handed on, read from the store ``db``."""

    def __init__(self, db: Path) -> None:
        self.db = db
        #: run id -> what its tasks made in its source say (None: not known), and what
        #: those carried over from further up say, by key (``made_in``).
        self._read: dict[str, Made] = {}

    def source_number(self, start: RunStarted) -> int | None:
        """The number of the run the rerun ``start`` reruns (0: the store holds no such
        run; None: it cannot be read now), read with where its results were made: kept
        for its reused steps, which come after it."""
        number, said = _read(self.db, start.run_id, start.rerun_of)
        self._keep(start.run_id, said)
        return number

    def named(
        self, events: Sequence[LogEvent], hits: Sequence[tuple[int, TaskStateChanged]]
    ) -> Sequence[LogEvent]:
        """``events``, about to be handed on, ``hits`` the reused steps among them with
        their places: each carried over from its source naming where it was made (a copy
        of them, then; a cache hit names its entry already)."""
        named: list[LogEvent] | None = None
        for at, hit in hits:
            if hit.message != REUSED_FROM_SOURCE:
                continue
            made, further = self._of(hit.run_id)
            said = further.get(hit.task, made)
            if said is not None:
                named = list(events) if named is None else named
                named[at] = hit._replace(message=said)
        return events if named is None else named

    def _of(self, run_id: str) -> Made:
        said = self._read.get(run_id)
        if said is None:
            said = self._keep(run_id, made_in(self.db, run_id))
        return said

    def _keep(self, run_id: str, said: Made) -> Made:
        self._read[run_id] = said
        while len(self._read) > KEPT:
            del self._read[next(iter(self._read))]
        return said


def made_in(db: Path, run_id: str) -> Made:
    """What a task the run ``run_id`` carried over from its source says when it was made
    there (``reused from run #2``; None: no rerun, or not readable now), and, by key,
    what each it carried over that its source carried over in turn says: the run up
    the chain that made it, as ``reuse_origin.origins`` finds it."""
    return _read(db, run_id, None)[1]


def _read(db: Path, run_id: str, source: str | None) -> tuple[int | None, Made]:
    """``made_in`` of the run ``run_id`` that reruns ``source`` (None: as its row says),
    and its source's number (0: not in the store; None: not read)."""
    number = None
    try:
        with closing(connect_reader(db)) as conn:
            if source is None:
                row = conn.execute(_RUN, (run_id,)).fetchone()
                source = None if row is None else row[1]
                if source is None:  # no rerun
                    return None, (None, {})
            row = conn.execute(_RUN, (source,)).fetchone()
            number = 0 if row is None else int(row[0])
            return number, _walk(conn, run_id, source, row)
    except (sqlite3.Error, OSError, *UNREADABLE):
        return number, (None, {})


def _walk(conn: sqlite3.Connection, run_id: str, source: str, read: Any) -> Made:
    """``made_in``, read on ``conn`` from ``source``, the run ``run_id`` reruns, whose row
    is ``read`` (None: not in the store): up the chain of reruns, each run's row, and
    the steps it carried over while some task is not placed yet (``wanted``; None: all)."""
    made: str | None = None
    said: dict[str, str] = {}
    wanted: set[str] | None = None
    seen = {run_id}
    rest = "reused from an earlier run"  # past ``MAX_LINKS``, or round a loop
    link = source
    while link is not None and link not in seen and len(seen) <= MAX_LINKS:
        seen.add(link)
        row = read if link == source else conn.execute(_RUN, (link,)).fetchone()
        if row is None:  # no longer in the store
            rest = MADE_IN_PRUNED
            break
        here = f"reused from run #{row[0]}"
        carried = _carried(conn, link) if row[1] is not None else set()
        if wanted is None:
            made, wanted = here, carried
        else:
            said.update((key, here) for key in wanted - carried)
            wanted &= carried
        if not wanted:
            return made, said
        link = row[1]
    if wanted is None:
        return rest, {}
    said.update((key, rest) for key in wanted)
    return made, said


_RUN = "SELECT number, rerun_of FROM runs WHERE run_id = ?"


def _carried(conn: sqlite3.Connection, run_id: str) -> set[str]:
    """The tasks the run ``run_id`` carried over from its source, by key: its log's rows
    that hold such a step alone are read (SQLite matches the words, nothing else is
    decoded); a run recorded before the log, from its rows (``task_runs``)."""
    found: set[str] = set()
    names = log_columns(conn)
    if names:
        rows = conn.execute(
            f"SELECT {names} FROM events WHERE run_id = ? AND body LIKE ? ORDER BY id",
            (run_id, f"%{REUSED_FROM_SOURCE}%"),
        ).fetchall()
        found.update(
            event.task
            for event in decode_rows(rows)
            if type(event) is TaskStateChanged
            and event.reused
            and event.message == REUSED_FROM_SOURCE
        )
    found.update(
        task
        for (task,) in conn.execute(
            "SELECT task FROM task_runs WHERE run_id = ? AND reused AND message IN ('', ?)",
            (run_id, REUSED_FROM_SOURCE),
        )
    )
    return found
