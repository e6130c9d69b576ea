"""Auto-rerun (`a`) takes a flow-file fix saved while the flow's run is live (rv403 §2).

The fix saved while ``load`` counted down its retries reloaded the flow, and auto-rerun
asked to rerun it at once: its run was live, so nothing reran, then or as the run ended
failed. A settings save at the same moment reran once the run ended; a code save now
does the same.
"""

from __future__ import annotations

import pytest

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from pilot_kit import wait_for

from .conftest import Calls, FakeWorkspace, wait_in_retry
from .test_auto_rerun_s56b import SIZE, recorded, settings_saved

CODE_LIVE = "Auto-rerun is on: run #1 of waiting runs the code it started with"


async def code_saved(pilot, app: FlowtopApp, workspace: FakeWorkspace) -> list[str]:
    """What the watcher does after ``waiting``'s flow file is saved; the toasts it brought."""
    return await settings_saved(pilot, app, workspace, flows=["waiting"])


async def test_a_fix_saved_while_the_run_is_live_reruns_once_it_fails(
    workspace: FakeWorkspace, calls: Calls
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_in_retry(pilot, app)  # `waiter`: 3× 1m, its first attempt failed
        live = app.table.run
        await pilot.press("a")
        said = await code_saved(pilot, app, workspace)
        assert any(toast.startswith(CODE_LIVE) for toast in said), said
        again = await code_saved(pilot, app, workspace)  # saved again: said once
        assert not any(toast.startswith(CODE_LIVE) for toast in again)

        await pilot.press("x")  # give up: the run ends failed, on its old code
        await wait_for(
            pilot,
            lambda: app.store.latest_for("waiting") is not live,
            "the rerun with the saved code",  # old: never
        )
        rerun = app.store.latest_for("waiting")
        assert rerun is not None and rerun.rerun_of == live.run_id
        assert live.state is StateType.FAILED
        await wait_for(pilot, lambda: calls.counts["waiter"] == 2, "the rerun's attempt")


async def test_a_fix_saved_while_the_run_is_live_reruns_nothing_if_it_completes(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_in_retry(pilot, app)
        live = app.table.run
        await pilot.press("a")
        await code_saved(pilot, app, workspace)
        reruns = recorded(app, monkeypatch)  # (from the run's end on)
        await pilot.press("n")  # the retry now: it succeeds
        await wait_for(pilot, lambda: live.state is StateType.COMPLETED, "the run to complete")
        await pilot.pause()
        assert reruns == []
        assert app.store.latest_for("waiting") is live


async def test_a_fix_saved_beside_task_settings_the_run_had_reruns(
    workspace: FakeWorkspace, calls: Calls
) -> None:
    """Settings changed and put back while the run was live rerun nothing by themselves
    (``test_auto_rerun_s56b``); a code save meanwhile still reruns."""
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_in_retry(pilot, app)
        live = app.table.run
        await pilot.press("a")
        await code_saved(pilot, app, workspace)
        workspace.overrides[("waiting", "waiter")] = {"max_retries": 0}
        await settings_saved(pilot, app, workspace)
        workspace.overrides.clear()  # put back: 3× 1m, as the run has it
        await settings_saved(pilot, app, workspace)
        await pilot.press("x")
        await wait_for(pilot, lambda: app.store.latest_for("waiting") is not live, "the rerun")
        rerun = app.store.latest_for("waiting")
        assert rerun is not None and rerun.rerun_of == live.run_id


async def test_turning_auto_rerun_off_drops_the_pending_rerun(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_in_retry(pilot, app)
        live = app.table.run
        await pilot.press("a")
        await code_saved(pilot, app, workspace)
        reruns = recorded(app, monkeypatch)  # (from the run's end on)
        await pilot.press("a")  # off
        await pilot.press("x")
        await wait_for(pilot, lambda: live.state is StateType.FAILED, "the run to fail")
        await pilot.pause()
        assert reruns == []
        assert app.store.latest_for("waiting") is live
