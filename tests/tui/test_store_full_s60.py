"""A due retry of a run whose store's disk is full says so, not "a slot … or its process".

A run's process that cannot write the run store (its disk full) goes on, its events kept
in memory: the monitor saw nothing more of it, and its retry, due meanwhile, read
``⟳ Overdue``, the detail pane saying it waited for "a slot of a concurrency limit on
its tags, or its run's process (stopped or busy)". The real cause was in the run's log
only. The pane now looks at the store's file system (``StoreRoom``) and names it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.engine.events import ErrorInfo, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel, store_full_waits
from flowtop.workspace import Workspace, store_room
from flowtop.workspace.store_room import LOOK_EVERY, StoreRoom
from pilot_kit import FrozenClock, screen_text, wait_for

from .test_answers_off_the_queue import FLOW, SIZE, start_and_wait_for_the_retry

S = StateType
T0 = 1_700_000_000.0
FULL = "the disk of /w/.flowtop is full (4,096 bytes free)"


def due_retry(clock: FrozenClock) -> tuple[RunModel, str]:
    """A live run whose ``flaky`` retry was due 5 s ago, nothing of it running."""
    run = RunModel.from_started(RunStarted("r1", "etl", 1, ("flaky",), (3,), ("",), None, T0))
    failed = ErrorInfo("ConnectionError", "reset")
    for state, kw in ((S.RUNNING, {}), (S.AWAITING_RETRY, {"retry_in": 1.0, "error": failed})):
        run.apply(TaskStateChanged("r1", "etl", "flaky", state, 1, 3, T0, **kw))  # type: ignore[arg-type]
    clock.now = T0 + 6
    return run, "flaky"


def test_a_full_store_is_what_a_due_retry_waits_for(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FrozenClock(T0)
    monkeypatch.setattr(RunModel, "clock", clock)
    run, key = due_retry(clock)
    row = run.rows[key]
    waiting = run.waiting_for(key, (), clock.now)
    assert waiting.startswith(  # what it said alone
        "its run's process, which has reported nothing since the retry was due (stopped or busy)"
    )
    said = store_full_waits(row, waiting, FULL)
    assert said.startswith(f"room in the run store: {FULL}, so its run's process cannot")
    assert store_full_waits(row, waiting, "") == waiting  # the disk has room
    assert store_full_waits(row, "", FULL) == ""  # its wait is not over
    pending = RunModel("etl", ("a",), run_id="r2").rows["a"]
    assert store_full_waits(pending, "upstream b to finish", FULL) == "upstream b to finish"


def test_the_store_room_names_the_folder_and_its_free_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[Path] = []
    free = {"bytes": 4096}

    def fake_free(folder: Path) -> int:
        asked.append(folder)
        return free["bytes"]

    monkeypatch.setattr(store_room, "free_bytes", fake_free)
    room = StoreRoom(tmp_path)
    assert room.full(T0) == f"the disk of {tmp_path} is full (4,096 bytes free)"
    free["bytes"] = 10 * 1024 * 1024
    assert room.full(T0 + LOOK_EVERY / 2) != ""  # not asked again so soon
    assert room.full(T0 + LOOK_EVERY) == ""  # asked again: room was made
    assert asked == [tmp_path, tmp_path]
    monkeypatch.undo()
    assert store_room.free_bytes(tmp_path / "not made") is None  # nothing said of it


@pytest.fixture
def slow(tmp_path: Path) -> Iterator[Workspace]:
    (tmp_path / "slow.py").write_text(FLOW)
    workspace = Workspace(tmp_path)
    workspace.load()
    yield workspace
    workspace.close()


async def test_the_detail_pane_says_the_store_is_full(
    slow: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(time.time())
    monkeypatch.setattr(RunModel, "clock", clock)
    app = FlowtopApp(slow, watch=False, run_processes=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await start_and_wait_for_the_retry(pilot, app)  # due in a minute
        monkeypatch.setattr(store_room, "free_bytes", lambda folder: 0)  # the disk fills
        clock.now += 120  # its retry is long overdue
        # old: "a slot of a concurrency limit on its tags, or its run's process (stopped or busy)"
        full = f"the disk of {slow.state_dir} is full (0 bytes free), so its run's process"
        await wait_for(
            pilot,
            lambda: f"Waiting for: room in the run store: {full}" in pane_text(app),
            "the pane to say the store's disk is full",
            timeout=30,
        )
        assert "stopped or busy" not in pane_text(app)
        app.shutdown(cancel=True)  # its process would wait out its retries


def pane_text(app: FlowtopApp) -> str:
    """The screen right of the flow list, its lines joined by a space (the pane wraps)."""
    return " ".join(line.partition("▕")[2].strip() for line in screen_text(app).splitlines())
