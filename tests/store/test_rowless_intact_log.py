"""A live run whose row is gone from the runs table, its log whole, is ended all the same.

Nothing names its owner once its row is gone, so no reaper ends it; the monitor's client
and ``flowtop watch`` ended such a run only when a row of its log could not be read (its
end, perhaps). One whose log read whole, with no end, was shown Running for good. Both
end it once its every row was read, dated by the last time its log holds (as the reaper
dates a run it ends), not by the reader's clock.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from flowtop.commands import watch
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace.history import History
from flowtop.workspace.run_log import RunInterrupted, decode_rows
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.unread_ends import unread_ends

from .test_unread_end import RUN, wait

ROW_GONE = "its end could not be read from the run store (its row is gone from its runs table)"


def running_run(db: Path) -> History:
    """A run of ``slow`` whose task is running, its owner (the History returned) alive."""
    history = History(db)
    started = RunStarted(RUN, "slow", 1, ("wait",), (1,), ("",), ts=1000.0)
    running = TaskStateChanged(RUN, "slow", "wait", StateType.RUNNING, 1, 1, 1001.0)
    history([started, running])
    assert history.flush()
    return history


def delete_row(db: Path) -> None:
    with sqlite3.connect(db) as raw:
        raw.execute("DELETE FROM runs WHERE run_id = ?", (RUN,))


def test_the_monitor_ends_a_rowless_run_whose_log_holds_no_end(tmp_path: Path) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    history = running_run(db)
    seen: list[Any] = []
    client = StoreClient(db, seen.extend)
    try:
        client.open()
        assert wait(lambda: any(type(e) is TaskStateChanged for e in seen)), seen
        delete_row(db)
        assert wait(lambda: any(type(e) is RunInterrupted for e in seen)), seen
    finally:
        client.close()
        history.close()
    (ended,) = [e for e in seen if type(e) is RunInterrupted]
    assert (ended.run_id, ended.flow, ended.run) == (RUN, "slow", 1)
    assert ended.reason == f"{ROW_GONE}: its log holds no end for it"
    assert ended.ts == 1001.0  # its last sign of life: its task's start


def test_watch_ends_a_rowless_run_whose_log_holds_no_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    history = running_run(db)
    delete_row(db)
    code: list[int] = []
    follower = threading.Thread(
        target=lambda: code.append(watch.follow(db, RUN, json_lines=True)), daemon=True
    )
    try:
        follower.start()
        follower.join(20)
    finally:
        history.close()
    assert code == [1], "the watch did not end"
    last = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert last["event"] == "run_interrupted"
    assert last["reason"] == (
        "its row is gone from the run store's runs table, and its log holds no end for it"
    )


def test_a_rowless_run_with_a_damaged_row_is_dated_by_its_log(tmp_path: Path) -> None:
    """Not by the reader's clock: its end never reads before its own events."""
    db = tmp_path / ".flowtop" / "history.db"
    running_run(db).close()  # ended by its close; its end and row then taken away
    with sqlite3.connect(db) as raw:
        raw.execute("DELETE FROM events WHERE body LIKE '[\"run_interrupted\"%'")
        raw.execute("INSERT INTO events(run_id, body) VALUES (?, 'garbage')", (RUN,))
        (last,) = raw.execute("SELECT max(id) FROM events").fetchone()
    delete_row(db)
    (damage,) = [e for e in _decoded(db) if e.event == "log_damage"]
    (ended,) = unread_ends(db, {RUN: ("slow", 1)}, last, {RUN: damage}, now=lambda: 5.0)
    assert ended.ts == 1001.0
    assert ended.reason.startswith(f"{ROW_GONE}: event {last} of its log cannot be read")


def test_a_run_with_nothing_left_in_the_store_is_dated_by_the_clock_given(
    tmp_path: Path,
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    running_run(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("DELETE FROM events WHERE run_id = ?", (RUN,))
    delete_row(db)
    (ended,) = unread_ends(db, {RUN: ("slow", 1)}, 0, {}, now=lambda: 5.0)
    assert ended.ts == 5.0


def _decoded(db: Path) -> list[Any]:
    """Every event of the store's log, a row that cannot be read a ``LogDamage``."""
    with sqlite3.connect(db) as raw:
        rows = raw.execute("SELECT id, run_id, body, ts, duration FROM events").fetchall()
    return decode_rows([row[1:] for row in rows], [row[0] for row in rows])
