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
run now reads one row of the runs table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

from ..engine.events import REUSED_FROM_SOURCE, TaskStateChanged
from .log_decode import UNREADABLE
from .reuse_origin import MADE_IN_PRUNED, MAX_LINKS
from .run_log import LogEvent, connect_reader, decode_rows, log_columns

#: The reruns whose origins are kept (the newest read): a rerun's reused steps come
#: together, at its start, or as a ``@flow`` body reaches each call.
KEPT = 8


class Origins:
    """The origins of the reruns' reused results handed on, read from the store ``db``."""

    def __init__(self, db: Path) -> None:
        self.db = db
        #: run id -> what its tasks made in its source say (None: not known), and what
        #: those carried over from further up say, by key (``made_in``).
        self._read: dict[str, tuple[str | None, dict[str, str]]] = {}

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

    def _of(self, run_id: str) -> tuple[str | None, dict[str, str]]:
        said = self._read.get(run_id)
        if said is None:
            said = self._read[run_id] = made_in(self.db, run_id)
            while len(self._read) > KEPT:
                del self._read[next(iter(self._read))]
        return said


def made_where(db: Path, run_id: str) -> dict[str, str]:
    """Where each task the run ``run_id`` carries over from its source that was not made
    there was made, as the run page says it (``reused from run #1``, ``reused from a
    pruned run``), by key; {} when it is no rerun, or its source cannot be read now. A
    task made in its source says ``made_in``'s first word."""
    return made_in(db, run_id)[1]


def made_in(db: Path, run_id: str) -> tuple[str | None, dict[str, str]]:
    """What a task the run ``run_id`` carried over from its source says when it was made
    there (``reused from run #2``; None: no rerun, or not readable now), and, by key,
    what each it carried over that its source carried over in turn says: the run up
    the chain that made it, as ``reuse_origin.origins`` finds it."""
    try:
        with closing(connect_reader(db)) as conn:
            return _walk(conn, run_id)
    except (sqlite3.Error, OSError, *UNREADABLE):
        return None, {}


def _walk(conn: sqlite3.Connection, run_id: str) -> tuple[str | None, dict[str, str]]:
    """``made_in``, read on ``conn``: up the chain of reruns, each run's row, and the
    steps it carried over while some task is not placed yet (``wanted``; None: all)."""
    row = conn.execute(_RUN, (run_id,)).fetchone()
    link = None if row is None else row[1]
    if link is None:  # no rerun
        return None, {}
    made: str | None = None
    said: dict[str, str] = {}
    wanted: set[str] | None = None
    seen = {run_id}
    rest = "reused from an earlier run"  # past ``MAX_LINKS``, or round a loop
    while link is not None and link not in seen and len(seen) <= MAX_LINKS:
        seen.add(link)
        row = conn.execute(_RUN, (link,)).fetchone()
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
