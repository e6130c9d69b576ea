"""What a client shows when it opens a store: each flow's newest run, and the subflow
runs its parent called though newer runs of their flow replaced them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowtop.tui.run_store import RunStore
from flowtop.workspace.store_client import StoreClient

from .conftest import flowtop

SUBFLOWS = """
    from flowtop import flow, task

    @task
    def work(x: int) -> int:
        return x

    @flow(name="child")
    def child(x: int) -> int:
        return work(x)

    @flow(name="parent")
    def parent() -> int:
        return sum(child(i) for i in range(3))
"""


def opened(folder: Path) -> RunStore:
    """The runs a client opening ``folder``'s store is handed, folded as the TUI folds them."""
    events: list[Any] = []
    client = StoreClient(folder / ".flowtop" / "history.db", events.extend)
    client.open()
    client.close()
    store = RunStore()
    store.apply_batch(events)
    return store


def test_a_parent_names_every_subflow_it_called_after_a_restart(ws) -> None:
    folder = ws(sub=SUBFLOWS)
    assert flowtop("run", ".", "--flow", "parent", cwd=folder).returncode == 0
    store = opened(folder)
    parent, child = store.latest_for("parent"), store.latest_for("child")
    assert parent is not None and child is not None
    assert parent.subflows == ["child #1", "child #2", "child #3"]
    assert child.number == 3 and child.parent_label == "parent #1"
    assert {run.number for run in store.runs.values() if run.flow == "child"} == {3}

    assert flowtop("run", ".", "--flow", "child", "-p", "x=5", cwd=folder).returncode == 0
    store = opened(folder)  # child #4 is newest now; #3 is named by its parent all the same
    assert store.latest_for("parent").subflows == ["child #1", "child #2", "child #3"]
    assert store.latest_for("child").number == 4
    assert {run.number for run in store.runs.values() if run.flow == "child"} == {4}


def test_a_client_follows_a_store_made_anew_after_the_folder_was_deleted(ws) -> None:
    """`rm -rf .flowtop` under an open TUI: the next run made a new store, and the TUI
    read the deleted file on, never showing that run or any later one."""
    import shutil
    import time

    from flowtop.engine.events import RunStarted

    folder = ws(sub=SUBFLOWS)
    db = folder / ".flowtop" / "history.db"
    events: list[Any] = []
    client = StoreClient(db, events.extend)
    client.open()
    try:
        shutil.rmtree(folder / ".flowtop")
        assert flowtop("run", ".", "--flow", "child", "-p", "x=1", cwd=folder).returncode == 0
        deadline = time.monotonic() + 20
        while not any(isinstance(e, RunStarted) for e in events):
            assert time.monotonic() < deadline, "the new store's run never reached the client"
            time.sleep(0.05)
    finally:
        client.close()


def test_a_window_opened_while_two_runs_of_a_flow_go_on_knows_both(ws) -> None:
    """It knew only the newer: no "2 live runs", `w` had nothing to switch to, and once
    the newer ended the flow read as stopped while the older went on."""
    from .conftest import WAITING, wait_until

    folder = ws(waiting=WAITING)
    started = [flowtop("run", ".", "--detach", cwd=folder).stdout.strip() for _ in range(2)]
    db = folder / ".flowtop" / "history.db"
    try:
        wait_until(lambda: all(_started(db, run_id) for run_id in started), "both starts", 30)
        store = opened(folder)
        live = {run.run_id for run in store.runs.values() if run.flow == "waiting" and run.is_live}
        assert live == set(started)
    finally:
        for run_id in started:
            flowtop("cancel", ".", run_id, cwd=folder)


def _started(db: Path, run_id: str) -> bool:
    """Whether the run's process logged its start (it is past importing its flow)."""
    from flowtop.workspace.run_log import LogTail

    tail = LogTail(db)
    try:
        return bool(tail.read(run_id=run_id))
    finally:
        tail.close()
