"""A dead run's end is no earlier than the last event it logged.

``run_interrupted``'s ``ts`` (and ``history``'s ``finished``) is the process's last sign of
life: its last task step or heartbeat. A ``task_output`` piece the run logged after both
(``tick 7`` 0.46 s later) came before the end in ``watch --json``: time went backwards in
one run's stream.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from flowtop.commands import watch
from flowtop.engine.events import RunStarted, TaskOutput, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import reaper
from flowtop.workspace.history import History
from flowtop.workspace.private import private_folder

DEAD_OWNER = f"{reaper._HOST}:999999999:dead"
RUN = "deadbeef0002"
STARTED = 1000.0
STEP, BEAT, PRINTED = 1001.0, 1002.0, 1003.25


def dead_run_that_printed_last(db: Path) -> None:
    """A run left RUNNING by a process that is gone: its task's step, its heartbeat, then
    a piece of output it logged after both."""
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
    finally:
        history.close()


def test_the_mark_dates_a_dead_run_by_its_last_logged_output(tmp_path: Path) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    dead_run_that_printed_last(db)
    assert reaper.end_time(db, RUN) == PRINTED  # what a reader that cannot mark says
    assert reaper.reap_store(db) == [RUN]
    with closing(sqlite3.connect(db)) as raw:
        (finished,) = raw.execute("SELECT finished FROM runs WHERE run_id = ?", (RUN,)).fetchone()
    assert finished == PRINTED


def test_watch_json_never_ends_a_run_before_its_last_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    dead_run_that_printed_last(db)

    def connect(*_: Any, **__: Any) -> sqlite3.Connection:  # the watch cannot mark it
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(reaper, "connect", connect)
    assert watch.follow(db, RUN, json_lines=True) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[-1]["event"] == "run_interrupted"
    assert [line["ts"] for line in lines] == sorted(line["ts"] for line in lines)
    assert lines[-1]["ts"] == PRINTED
