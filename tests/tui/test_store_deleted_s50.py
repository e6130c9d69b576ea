"""After ``.flowtop`` is deleted under an open monitor, it shows only what the store holds.

The monitor kept showing the finished runs of the deleted store (``quick run #3`` beside
the new store's #1), and ``f`` on one said "no longer in the history (pruned)". It now
drops them, says once that the store was deleted, and a rerun of a run that went with
its store says so.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.run_control import RunControlError, StoreControl
from flowtop.workspace import Workspace, store_client
from flowtop.workspace.history import History
from pilot_kit import screen_text, wait_for

FLOW = """
    from flowtop import Flow, task

    @task
    def one() -> int:
        return 1

    with Flow("quick") as flow:
        one()
"""


def _finished_runs(db: Path, count: int) -> list[str]:
    """``count`` completed runs of ``quick`` recorded in the store ``db``, by id."""
    history = History(db)
    ids = [f"{number:012x}" for number in range(1, count + 1)]
    try:
        for number, run_id in enumerate(ids, 1):
            history.sink(
                [
                    RunStarted(run_id, "quick", number, ("one",), (1,), ("",), None, 1000.0),
                    RunFinished(run_id, "quick", number, StateType.COMPLETED, {}, 0.1, 1001.0),
                ]
            )
        assert history.flush(10)
    finally:
        history.close()
    return ids


def _folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The workspace, the current folder (paths are said from there)."""
    (tmp_path / "quick.py").write_text(textwrap.dedent(FLOW).lstrip())
    monkeypatch.chdir(tmp_path)
    return tmp_path


async def test_the_monitor_drops_the_runs_of_a_deleted_store_and_says_so_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path, monkeypatch)
    _finished_runs(folder / ".flowtop" / "history.db", 3)
    looks_every = 0.1  # the client's look at the store file (``REAP_EVERY``, a second)
    monkeypatch.setattr(store_client, "REAP_EVERY", looks_every)
    workspace = Workspace(folder)
    workspace.load()
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    said: list[str] = []
    try:
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
            app.flow_list.select_flow("quick")
            await wait_for(
                pilot, lambda: app.store.latest_for("quick") is not None, "run #3 shown", 10
            )
            real_notify = app.notify

            def notify(message: str, **kw: Any) -> None:
                said.append(message)
                real_notify(message, **kw)

            app.notify = notify  # type: ignore[method-assign]  # (to count what is said)
            shutil.rmtree(folder / ".flowtop")
            await wait_for(pilot, lambda: not app.store.runs, "the old runs to go", 10)
            await pilot.pause(5 * looks_every)  # the client looks again: said once, not per look
            assert app.table.run is not None and app.table.run.run_id is None  # as it would run
            assert "run #3" not in screen_text(app)
            gone = [s for s in said if "was deleted" in s]
            assert gone == [
                "The run store .flowtop/history.db was deleted, and the runs it recorded "
                "with it: the next run makes a new one"
            ], said
            app.shutdown(cancel=True)
    finally:
        workspace.close()


def test_a_rerun_of_a_run_gone_with_its_store_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``f`` or ``t`` pressed before the screen dropped the run (the client looks once a
    second): refused as a run pruned from the history."""
    folder = _folder(tmp_path, monkeypatch)
    run_ids = _finished_runs(folder / ".flowtop" / "history.db", 3)
    workspace = Workspace(folder)
    workspace.load()
    control = StoreControl(workspace, lambda events: None)
    try:
        shutil.rmtree(folder / ".flowtop")
        shown = RunModel.from_started(
            RunStarted(run_ids[-1], "quick", 3, ("one",), (1,), ("",), None, 1000.0)
        )
        shown.apply(RunFinished(run_ids[-1], "quick", 3, StateType.FAILED, {}, 0.1, 1001.0))
        for rerun in (control.rerun_failed, lambda run: control.rerun_task(run, "one")):
            try:
                rerun(shown)
            except RunControlError as exc:
                said = exc.say(lambda action: "r")
            else:
                raise AssertionError("a rerun of a run in no store was started")
            # (deleted, then made again by the rerun's own try: "replaced" as often)
            went = "Run #3 of quick went with its run store (.flowtop/history.db was "
            assert said.startswith(went), said
            assert said.endswith(" since): press r to run the flow"), said
    finally:
        control.close(cancel=False)
        workspace.close()


def test_a_run_live_when_its_store_went_stays_on_screen_saying_why() -> None:
    """Only the ended runs are dropped: a live one is ended next (``RunInterrupted``),
    and stays shown with why it can no longer be followed, as before."""
    from flowtop.tui.run_store import RunStore
    from flowtop.workspace.run_log import RunInterrupted
    from flowtop.workspace.store_notices import StoreGone

    store = RunStore()
    done, live = "0000000000a1", "0000000000a2"
    store.apply_batch(
        [
            RunStarted(done, "quick", 1, ("one",), (1,), ("",), None, 1000.0),
            RunFinished(done, "quick", 1, StateType.COMPLETED, {}, 0.1, 1001.0),
            RunStarted(live, "slow", 1, ("one",), (1,), ("",), None, 1002.0),
        ]
    )
    why = "its run store .flowtop/history.db was deleted or replaced while it ran"
    store.apply_batch(
        [StoreGone("gone", 1003.0), RunInterrupted(live, why, 1003.0, flow="slow", run=1)]
    )
    assert list(store.runs) == [live]
    shown = store.latest_for("slow")
    assert shown is not None and not shown.is_live and why in shown.note
    assert store.latest_for("quick") is None
