"""A dead run's end is its last sign of life, its newest logged event's time among them.
A reader that could not mark the run (``reaper.end_time``: a read-only store, ``watch``)
read only the run's newest log row: a damaged one (no flowtop line, a torn write) gave no
time, and the end went back to the last heartbeat, before output the run had logged,
where the mark (``interrupt``, which reads the whole log) dated it by that output. It now
reads back to the newest row that says a time."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from flowtop.engine.events import RunStarted, TaskOutput, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import reaper
from flowtop.workspace.history import History
from flowtop.workspace.private import private_folder

DEAD_OWNER = f"{reaper._HOST}:999999999:dead"
RUN = "deadbeef0062"
STARTED = 1000.0
STEP, BEAT, PRINTED = 1001.0, 1002.0, 1003.25


def dead_run_whose_newest_row_is_damaged(db: Path, damaged: list[str]) -> None:
    """A run left RUNNING by a process that is gone: its task's step, its heartbeat, a
    piece of output logged after both, then ``damaged`` rows."""
    private_folder(db.parent)
    history = History(db)
    try:
        started = RunStarted(RUN, "ticking", 1, ("ticker",), (1,), ("",), ts=STARTED)
        step = TaskStateChanged(RUN, "ticking", "ticker", StateType.RUNNING, 1, 1, STEP)
        printed = TaskOutput(RUN, "ticking", "ticker", 1, "tick 7\n", PRINTED)
        history([started, step, printed])
        assert history.flush()
        with closing(sqlite3.connect(db)) as raw, raw:  # as if its process had died
            raw.execute("UPDATE runs SET owner = ?, pid = NULL, heartbeat = ?", (DEAD_OWNER, BEAT))
            for body in damaged:
                raw.execute("INSERT INTO events(run_id, body) VALUES (?, ?)", (RUN, body))
    finally:
        history.close()


def test_a_damaged_newest_row_does_not_hide_the_last_logged_output(tmp_path: Path) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    dead_run_whose_newest_row_is_damaged(db, ['{"k": "to', "not json at all"])
    assert reaper.end_time(db, RUN) == PRINTED  # what a reader that cannot mark says
    assert reaper.reap_store(db) == [RUN]
    with closing(sqlite3.connect(db)) as raw:
        (finished,) = raw.execute("SELECT finished FROM runs WHERE run_id = ?", (RUN,)).fetchone()
    assert finished == PRINTED  # the mark says the same
