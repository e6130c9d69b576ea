"""A live run whose row is gone from the runs table is ended by the monitor as by watch.

Its row deleted (or damaged past reading) and a row of its log unreadable where its end
would be, the monitor's client showed the run, and its running task, Running for good:
``unread_ends`` looked only at runs the runs table recorded ended, while ``flowtop
watch`` ended the run, saying its end could not be read.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace.history import History
from flowtop.workspace.run_log import RunInterrupted
from flowtop.workspace.store_client import StoreClient

from .test_unread_end import RUN, wait


def test_a_run_whose_row_is_gone_and_whose_end_cannot_be_read_is_ended(tmp_path: Path) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    history = History(db)  # its owner lives: only the row's loss can end the run
    seen: list[Any] = []
    client = StoreClient(db, seen.extend)
    try:
        started = RunStarted(RUN, "slow", 1, ("wait",), (1,), ("",), ts=1000.0)
        running = TaskStateChanged(RUN, "slow", "wait", StateType.RUNNING, 1, 1, 1001.0)
        history([started, running])
        assert history.flush()
        client.open()
        assert wait(lambda: any(type(e) is TaskStateChanged for e in seen)), seen
        with sqlite3.connect(db) as raw:
            raw.execute("INSERT INTO events(run_id, body) VALUES (?, 'garbage')", (RUN,))
            (bad,) = raw.execute("SELECT max(id) FROM events").fetchone()
            raw.execute("DELETE FROM runs WHERE run_id = ?", (RUN,))
        assert wait(lambda: any(type(e) is RunInterrupted for e in seen)), seen
    finally:
        client.close()
        history.close()
    (ended,) = [e for e in seen if type(e) is RunInterrupted]
    assert (ended.run_id, ended.flow, ended.run) == (RUN, "slow", 1)
    assert ended.reason == (
        "its end could not be read from the run store (its row is gone from its runs table): "
        f"event {bad} of its log cannot be read (not JSON: 'garbage')"
    )
