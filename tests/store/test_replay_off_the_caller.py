"""``StoreClient.open(replay_on_thread=True)``: the runs shown on open are read and handed
on by the tail's thread, not by the caller (the monitor's UI thread), which a 10,000-task
run with 38 MB of output held 0.4-1.5 s before its first frame. What is handed on, and
in what order, is what the caller's own replay hands; a store that cannot be read still
fails in ``open``, where the monitor says so."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from flowtop import Flow, task
from flowtop.engine.events import RunFinished, RunStarted
from flowtop.workspace.history import History
from flowtop.workspace.history_records import HistoryError
from flowtop.workspace.run_log import LogEvent
from flowtop.workspace.store_client import StoreClient

from .conftest import run_into, wait_until


@task
def shout(i: int) -> int:
    print(f"line of task {i}\n" * 50)
    return i


def flow_of(name: str, n: int) -> Flow:
    with Flow(name) as flow:
        for i in range(n):
            shout(i)
    return flow


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store with two flows' runs, each printing."""
    db = tmp_path / ".flowtop" / "history.db"
    db.parent.mkdir()
    history = History(db)
    try:
        run_into(history, flow_of("one", 30))
        run_into(history, flow_of("two", 20))
    finally:
        history.close()
    return db


def test_open_returns_while_the_replay_is_handed_on(store: Path) -> None:
    let_go = threading.Event()
    seen: list[LogEvent] = []

    def held(events: Sequence[LogEvent]) -> None:
        let_go.wait(10)  # a screen that takes its time: the caller must not wait for it
        seen.extend(events)

    client = StoreClient(store, held)
    opened = threading.Thread(target=client.open, kwargs={"replay_on_thread": True})
    try:
        opened.start()
        opened.join(5)
        assert not opened.is_alive(), "open() waited for the replay to be handed on"
        assert not seen
        let_go.set()
        wait_until(lambda: sum(isinstance(e, RunFinished) for e in seen) == 2, "both runs")
    finally:
        let_go.set()
        client.close()

    alike: list[LogEvent] = []
    caller = StoreClient(store, alike.extend)
    caller.open()  # the replay on the caller's thread, as tests and tools use it
    caller.close()
    assert seen == alike
    assert [e.flow for e in seen if isinstance(e, RunStarted)] == ["two", "one"]


def test_a_store_that_cannot_be_read_still_fails_in_open(tmp_path: Path) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    db.parent.mkdir()
    db.write_bytes(b"not a database, not even close " * 4000)
    client = StoreClient(db, lambda events: None)
    with pytest.raises(HistoryError, match=r"history\.db"):
        client.open(replay_on_thread=True)
    client.close()
