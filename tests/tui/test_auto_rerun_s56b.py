"""Auto-rerun (`a`) reruns a flow's failed tasks when what they would run with changed.

A settings file saved (a table for another flow, a mere ``touch``) reran the selected
flow's failed tasks whatever it changed: their side effects repeated for nothing. And
settings saved while the flow's run was live were never tried: the run ended failed on
its old settings and no rerun followed, the toast silent about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.auto_rerun import changed_for, ran_with_other, rerun_keys
from flowtop.tui.model import RunModel
from flowtop.tui.screens.retry_editor import RetryEditor
from flowtop.workspace.settings import Settings
from pilot_kit import toasts_said, wait_for

from .conftest import Calls, FakeChange, FakeLoadError, FakeWorkspace, run_demo, wait_in_retry

SIZE = (120, 36)
SAVED_LIVE = "Auto-rerun is on: run #1 of waiting keeps the settings it started with"


def recorded(app: FlowtopApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The flows auto-rerun is asked to rerun, each still rerun as it would be."""
    reruns: list[str] = []
    real = app._auto_rerun

    def rerun(name: str) -> None:
        reruns.append(name)
        real(name)

    monkeypatch.setattr(app, "_auto_rerun", rerun)
    return reruns


async def settings_saved(
    pilot, app: FlowtopApp, workspace: FakeWorkspace, flows: Sequence[str] = ()
) -> list[str]:
    """What the watcher does after a settings file is saved: a reload naming no flow
    (no code changed); or, given ``flows``, after their flow file is saved (a reload
    naming them); the toasts it brought."""
    assert workspace.changes is not None
    said_as = f"Reloaded {flows[0]}.py" if flows else "Reloaded settings"
    with toasts_said(app) as said:
        workspace.changes.put_nowait(FakeChange(said_as, flows=list(flows)))
        await wait_for(pilot, lambda: said_as in said, "the reload's toast")
        await pilot.pause()
    return said


async def test_a_settings_save_reruns_only_a_flow_whose_failed_tasks_it_changed(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        failed = app.table.run
        await pilot.press("a")
        reruns = recorded(app, monkeypatch)

        await settings_saved(pilot, app, workspace)  # `touch flowtop.toml`
        workspace.overrides[("waiting", "waiter")] = {"max_retries": 5}
        await settings_saved(pilot, app, workspace)  # another flow's table
        workspace.overrides[("demo", "extract")] = {"timeout": 9}
        await settings_saved(pilot, app, workspace)  # a task that completed: not rerun
        assert reruns == []
        assert calls.counts["broken"] == 1

        workspace.overrides[("demo", "broken")] = {"max_retries": 1}
        await settings_saved(pilot, app, workspace)
        assert reruns == ["demo"]
        await wait_for(
            pilot,
            lambda: app.table.run is not failed and app.table.run.rerun_of == failed.run_id,
            "the rerun with the new settings",
        )


async def test_settings_every_flow_runs_with_rerun_the_selected_flow(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``[defaults] workers`` or ``[variables]``: no flow's task settings say it, and a
    failure may be fixed by it; the selected flow reruns, as every settings save did."""
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        await pilot.press("a")
        reruns = recorded(app, monkeypatch)
        (tmp_path / "flowtop.toml").write_text('[variables]\nregion = "eu"\n', encoding="utf-8")
        await settings_saved(pilot, app, workspace)
        assert reruns == ["demo"]
        await wait_for(pilot, lambda: calls.counts["broken"] == 2, "the rerun")
        workspace.settings = Settings(workers=2)
        monkeypatch.setattr(app, "_auto_rerun", reruns.append)
        await settings_saved(pilot, app, workspace)
        assert reruns == ["demo", "demo"]
        await settings_saved(pilot, app, workspace)  # saved again as it was
        assert reruns == ["demo", "demo"]


async def edit_max_retries(pilot, app: FlowtopApp, value: str) -> list[str]:
    """`e` on the selected task, Max retries typed over, Enter; the toasts it brought."""
    with toasts_said(app) as said:
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the editor")
        await pilot.press(*value, "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, RetryEditor), "the save")
        await pilot.pause()
    return said


async def test_settings_saved_while_the_run_is_live_are_tried_once_it_fails(
    workspace: FakeWorkspace, calls: Calls
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_in_retry(pilot, app)  # `waiter`: 3× 1m, its first attempt failed
        live = app.table.run
        await pilot.press("a")
        said = await edit_max_retries(pilot, app, "0")
        assert any(toast.startswith(SAVED_LIVE) for toast in said), said
        reload_said = await settings_saved(pilot, app, workspace)  # the watcher's
        assert not any(toast.startswith(SAVED_LIVE) for toast in reload_said)  # said once

        await pilot.press("x")  # give up: the run ends failed, on its old settings
        await wait_for(
            pilot,
            lambda: app.store.latest_for("waiting") is not live,
            "the rerun with the new settings",
        )
        rerun = app.store.latest_for("waiting")
        assert rerun is not None and rerun.rerun_of == live.run_id
        assert live.state is StateType.FAILED


async def test_no_rerun_after_a_live_run_that_ran_with_the_settings_in_force(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings changed while the run was live, then put back as it started with
    them (or another window's rerun, started after the save, ran with them): its
    failure is no news, and nothing reruns."""
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_in_retry(pilot, app)
        live = app.table.run
        await pilot.press("a")
        reruns = recorded(app, monkeypatch)
        await edit_max_retries(pilot, app, "0")
        await settings_saved(pilot, app, workspace)
        workspace.overrides.clear()  # put back: 3× 1m, as the run has it
        await settings_saved(pilot, app, workspace)
        await pilot.press("x")
        await wait_for(pilot, lambda: live.state is StateType.FAILED, "the run to fail")
        await pilot.pause()
        assert reruns == []
        assert app.store.latest_for("waiting") is live


def failed_run(workspace: FakeWorkspace) -> RunModel:
    """A failed run of ``demo`` as the screen holds one: its tasks' policies as it ran."""
    shape = workspace.shapes["demo"]
    keys = list(shape.nodes)
    policies = [node.policy.summary for node in shape.nodes.values()]
    run = RunModel("demo", keys, run_id="r1", number=1, policies=policies)
    for key, row in run.rows.items():
        row.state = StateType.FAILED if key == "broken" else StateType.COMPLETED
    run.rows["report"].state = StateType.UPSTREAM_FAILED
    run.state = StateType.FAILED
    return run


@pytest.mark.parametrize(
    ("task", "values", "changed"),
    [
        ("broken", {"max_retries": 1}, True),
        ("report", {"retry_delay": 0.123456789}, True),
        ("extract", {"max_retries": 4}, False),  # completed: a rerun reuses it
        ("broken", {"max_retries": 0}, False),  # as the code has it, now from overrides
    ],
)
def test_which_settings_changes_count(
    workspace: FakeWorkspace, task: str, values: dict[str, object], changed: bool
) -> None:
    run, before = failed_run(workspace), workspace.shapes["demo"]
    workspace.overrides[("demo", task)] = values
    now = workspace.shapes["demo"]
    assert rerun_keys(run) == ["broken", "report"]
    assert changed_for(before, now, rerun_keys(run)) is changed
    assert ran_with_other(run, now, rerun_keys(run)) is changed


def test_the_rows_policy_a_run_does_not_say_counts_as_other(workspace: FakeWorkspace) -> None:
    run = failed_run(workspace)
    assert not ran_with_other(run, workspace.shapes["demo"], ["broken"])
    run.rows["broken"].policy = ""  # (a run from before runs said their policies)
    assert ran_with_other(run, workspace.shapes["demo"], ["broken"])


async def test_saving_a_completed_tasks_settings_says_no_rerun_follows(
    workspace: FakeWorkspace, calls: Calls
) -> None:
    """The toast promised a rerun "as soon as the new settings load" of any task's save;
    a rerun reuses a completed task, so its settings rerun nothing: said so."""
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        await pilot.press("a")
        assert app.table.move_to("extract")
        said = await edit_max_retries(pilot, app, "5")
        assert (
            "Auto-rerun is on, but extract completed in run #1 of demo: a rerun reuses its "
            "result, so these settings rerun nothing"
        ) in said
        assert app.table.move_to("broken")
        said = await edit_max_retries(pilot, app, "1")
        assert (
            "Auto-rerun is on: the failed tasks of demo rerun as soon as the new settings load"
        ) in said


async def test_no_auto_rerun_while_the_flow_s_file_fails_to_load(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Its run process could not import the file: the rerun was recorded as a run that
    did not start, once per save. It reruns once the file loads again (fx70e)."""
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        failed = app.table.run
        await pilot.press("a")
        reruns = recorded(app, monkeypatch)
        broken = workspace.flow_files["demo"]
        workspace.errors[broken] = FakeLoadError(broken, 3, "SyntaxError: invalid syntax")
        workspace.overrides[("demo", "broken")] = {"max_retries": 1}
        await settings_saved(pilot, app, workspace)
        assert reruns == ["demo"]
        assert app.store.latest_for("demo") is failed and calls.counts["broken"] == 1
        del workspace.errors[broken]
        workspace.overrides[("demo", "broken")] = {"max_retries": 2}
        await settings_saved(pilot, app, workspace)
        await wait_for(pilot, lambda: calls.counts["broken"] > 1, "the rerun once it loads")
