"""What a store client says of its store is no run's event (``store_notices``).

``StoreGone`` (the store was deleted) and ``RunsReserved`` (runs still importing their
flow file) were ``RunInterrupted`` events of the run "", handed in order with the runs'
events so that the monitor redrew as at a run's end: whoever read the ends among what a
client hands was handed those too, and had to know to skip them. Now they are notices of
their own, and the monitor redraws on them as it does on a run's start or end.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.tui.event_buffer import EventBuffer
from flowtop.tui.event_flush import fold_slice
from flowtop.tui.run_store import RunStore
from flowtop.workspace import store_client
from flowtop.workspace.history import History
from flowtop.workspace.run_log import RunInterrupted
from flowtop.workspace.run_numbers import reserve_launched
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.store_notices import ClientEvent, RunsReserved, StoreGone
from flowtop.workspace.store_reader import ReservedRun

from .conftest import wait_until

LIVE, IMPORTING = "0000000000c1", "c" * 32
T0 = time.time()


def test_a_client_hands_on_the_ends_of_runs_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run live, another still importing, then the store deleted: the client says
    both (``RunsReserved``, ``StoreGone``), and the only end it hands on is the live
    run's, ended as its store went."""
    monkeypatch.setattr(store_client, "REAP_EVERY", 0.05)  # its look at the file: soon
    db = tmp_path / ".flowtop" / "history.db"
    owner = History(db)  # the live run's process, alive (this one): no reaper ends it
    owner.sink([RunStarted(LIVE, "slow", 1, ("wait",), (1,), ("",), None, T0)])
    assert owner.flush(10)
    assert reserve_launched(db, "slowimport", IMPORTING, os.getpid()) == 1
    handed: list[ClientEvent] = []
    lock = threading.Lock()

    def sink(events: Sequence[ClientEvent]) -> None:
        with lock:
            handed.extend(events)

    def said(kind: type[StoreGone | RunsReserved | RunInterrupted]) -> bool:
        with lock:
            return any(isinstance(event, kind) for event in handed)

    client = StoreClient(db, sink, says_gone=True, says_reserved=True)
    client.open()
    try:
        wait_until(lambda: said(RunsReserved), "the run importing said")
        shutil.rmtree(tmp_path / ".flowtop")
        wait_until(lambda: said(StoreGone), "the store said gone")
        wait_until(lambda: said(RunInterrupted), "the live run ended with it")
    finally:
        client.close()
        owner.close()
    with lock:
        ends = [e for e in handed if isinstance(e, RunFinished | RunInterrupted)]
        reserved = [e.runs for e in handed if isinstance(e, RunsReserved)]
    assert [e.run_id for e in ends] == [LIVE], ends  # old: two more, of the run ""
    assert "deleted or replaced while it ran" in ends[0].reason
    assert [run.run_id for run in reserved[0]] == [IMPORTING]


def test_a_notice_alone_redraws_as_a_runs_start_or_end_does() -> None:
    """A slice that folds only a notice lists it with the runs' starts and ends
    (``Folded.lifecycle``), on which the app redraws the flows list and the header: the
    run importing elsewhere shows as starting there, the store's runs leave it."""
    buffer, store = EventBuffer(), RunStore()
    reserved = RunsReserved((ReservedRun(IMPORTING, "etl", 2, T0),), T0)
    buffer.append_batch([reserved])
    folded = fold_slice(buffer, store, clock=lambda: 0.0)
    assert folded.lifecycle == [reserved]
    loading = store.loading("etl")
    assert loading is not None and loading.number == 2
    gone = StoreGone("The run store .flowtop/history.db was deleted", T0)
    buffer.append_batch([gone])
    folded = fold_slice(buffer, store, clock=lambda: 0.0)
    assert folded.lifecycle == [gone]
    assert store.loading("etl") is None
