"""`r`, `f`, `t` and the run form's Run on a flow whose file failed to load since it did.

A file saved broken keeps its flows listed as they last loaded: the run keys launched
them, and each press recorded a run that "did not start" (``run #2 ✗ Failed``, then
``run #3 (rerun of #2)``). A flow listed by its runs (its file broken as the monitor
opened) was refused with a toast. Both ask one question now: while the file does not
load, each key says why and records no run; once it loads again, they run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flow_texts import SINK
from flowtop import flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.messages import WorkspaceReloaded
from flowtop.tui.screens.run_form import RunForm
from flowtop.workspace import RemoteWorkspace
from pilot_kit import toasts_said, wait_for

from .conftest import FakeLoadError, FakeWorkspace, hosted_folder

SIZE = (120, 30)


@pytest.fixture
def hosted(tmp_path: Path) -> Iterator[RemoteWorkspace]:
    """A folder of one flow whose task fails, in a flow host of its own."""
    with hosted_folder(tmp_path, {"sink.py": SINK}) as workspace:
        yield workspace


async def saved(pilot: Any, app: FlowtopApp, workspace: RemoteWorkspace, text: str) -> None:
    """``sink.py`` saved as ``text``, and the watcher's reload of it heard."""
    path = workspace.root / "sink.py"
    path.write_text(text, encoding="utf-8")
    change = await asyncio.to_thread(workspace.reload_paths, [path])
    app.post_message(WorkspaceReloaded(change))
    await pilot.pause()


def newest(app: FlowtopApp) -> int | None:
    run = app.store.latest_for("sink")
    return None if run is None else run.number


async def test_run_keys_on_a_flow_whose_file_broke_say_so_and_record_no_run(
    hosted: RemoteWorkspace,
) -> None:
    app = FlowtopApp(hosted, load=True, run_processes=True, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.selected_flow == "sink", "the flow", 20)
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                (run := app.store.latest_for("sink")) is not None and run.state is StateType.FAILED
            ),
            "the first run to fail",
            30,
        )
        assert newest(app) == 1
        await saved(pilot, app, hosted, SINK + "def broken(:\n")
        await wait_for(pilot, lambda: hosted.errors, "the file broken")
        assert "sink" in hosted.shapes  # kept as it last loaded
        app.table.focus()
        for key in ("r", "f", "t"):
            with toasts_said(app) as said:
                await pilot.press(key)
                # old: `r` and `f` launched a run that did not start
                await wait_for(pilot, lambda: said or newest(app) != 1, f"{key}'s answer", 20)
            assert newest(app) == 1, key
            assert len(said) == 1, said
            assert said[0].startswith("sink cannot run: its file sink.py failed to load ("), said
            assert "sink.py:11:" in said[0] and "SyntaxError" in said[0], said
        await saved(pilot, app, hosted, SINK)
        await wait_for(pilot, lambda: not hosted.errors, "the file fixed")
        await pilot.press("r")  # it loads again: it runs
        await wait_for(pilot, lambda: newest(app) == 2, "the run once fixed", 30)
        app.shutdown()


def regional() -> Any:
    @task
    def report(region: str) -> str:
        return region

    @flow(name="regional")
    def regional(region: str = "eu") -> str:
        return report(region)

    return regional


async def test_the_run_forms_run_on_a_file_broken_meanwhile_runs_nothing(
    tmp_path: Path,
) -> None:
    """The form opened on a flow that loaded; its file saved broken before Run: said."""
    workspace = FakeWorkspace(tmp_path, {"regional": regional()})
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the run form")
        path = tmp_path / "regional.py"
        workspace.errors = {path: FakeLoadError(path, 4, "SyntaxError: invalid syntax")}
        with toasts_said(app) as said:
            await pilot.press("enter")
            await wait_for(pilot, lambda: said or app.store.latest_for("regional"), "Run's answer")
        assert app.store.latest_for("regional") is None  # old: it ran
        assert said == [
            "regional cannot run: its file regional.py failed to load "
            "(regional.py:4: SyntaxError: invalid syntax); fix it and save to run it "
            "(h lists its runs)"
        ]
        with toasts_said(app) as said:
            await pilot.press("R")  # and the form does not open on it
            await wait_for(pilot, lambda: said, "R's answer")
        assert not isinstance(app.screen, RunForm)
        assert said[0].startswith("regional cannot run: its file regional.py"), said
    for runner in workspace.runners:
        runner.shutdown(wait=True)
