"""A run live when ``.flowtop`` is deleted stays on the monitor, saying why.

Its process notices the deletion within a second and cancels the run, writing its end
into the deleted file, which the monitor's client still reads; the client looked for the
deletion only once a second. When the run's end came first, the run had ended by the
time the client said the store was gone, and the monitor dropped it with the store's
ended runs: the run on screen became `not run yet` (README: "an open monitor shows such
a run interrupted, saying why").
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.run_store import RunStore
from flowtop.workspace import history, store_client
from flowtop.workspace.history import History
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.store_notices import ClientEvent, StoreGone

RUN = "0000000000b1"


def _wait(predicate: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Until ``predicate()`` holds (a safety timeout, not a timing check)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def test_a_run_that_ends_as_its_store_goes_stays_on_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_client, "REAP_EVERY", 2.0)  # a look at the file every 2 s
    db = tmp_path / ".flowtop" / "history.db"
    owner = History(db)  # the run's process: it keeps the file open as it is deleted
    owner.sink([RunStarted(RUN, "slow", 1, ("wait",), (1,), ("",), None, time.time())])
    assert owner.flush(10)
    handed: list[ClientEvent] = []
    lock = threading.Lock()

    def sink(events: Sequence[ClientEvent]) -> None:
        with lock:
            handed.extend(events)

    looks: list[Path] = []  # reaps: one as the client opens, then one per look (2 s apart)
    reap = history.reap_store

    def counted_reap(path: Path) -> None:
        looks.append(path)
        reap(path)

    monkeypatch.setattr(store_client, "reap_store", counted_reap)
    client = StoreClient(db, sink, says_gone=True)
    client.open()
    try:
        _wait(lambda: any(type(e) is RunStarted for e in handed), "the run's start")
        _wait(lambda: len(looks) >= 2, "the client's first look")  # the next is 2 s on
        shutil.rmtree(tmp_path / ".flowtop")
        owner.sink([RunFinished(RUN, "slow", 1, StateType.CANCELLED, {}, 0.5, time.time())])
        assert owner.flush(10)
        _wait(
            lambda: {StoreGone, RunFinished} <= {type(e) for e in handed},
            "the run's end and the store said gone",
        )
    finally:
        client.close()
        owner.close()
    screen = RunStore()
    with lock:
        screen.apply_batch(list(handed))
    shown = screen.latest_for("slow")
    assert shown is not None, [type(e).__name__ for e in handed]
    assert not shown.is_live
    assert "deleted" in shown.note, shown.note
