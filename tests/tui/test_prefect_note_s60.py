"""rv403 §4 and §7, in the monitor.

- A Prefect file (drop-in mode off) saved into a folder of flows: the reload toast said
  "No flow changed (pf.py)", which reads as if it had loaded and nothing in it changed.
  It says why it was not read, and how to read it (as ``flowtop run pf.py`` does).
- ``r`` on a flow whose file is gone said "it is listed for its runs, which go on" when
  its only run had ended: it says they stay in the history, and "go on" only of a live one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.workspace.workspace import Workspace
from pilot_kit import toasts_said, wait_for, wait_for_text

from .conftest import FakeChange, FakeWorkspace, load_flow_files

S = StateType
SIZE = (120, 36)

FLOW = "from flowtop import Flow, task\n\n@task\ndef a():\n    pass\n\nflow = Flow('{name}')\nflow.add_task(a)\n"
PREFECT = "from prefect import flow\n\n@flow(name='pf flow')\ndef pf(x: int = 1):\n    return x\n"
COMPAT = (
    "run flowtop with --prefect-compat, or set [workspace] prefect_compat = true in flowtop.toml"
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_saving_a_prefect_file_says_why_it_was_not_read(folder: Path) -> None:
    workspace = load_flow_files(folder, {"etl.py": FLOW.format(name="etl")})
    try:
        (folder / "pf.py").write_text(PREFECT)
        # old: "No flow changed (pf.py)"
        said = workspace.reload_paths([folder / "pf.py"]).summary()
        assert said == f"pf.py not read, as it imports prefect: {COMPAT}"
        (folder / "etl.py").write_text(FLOW.format(name="etl2"))
        both = workspace.reload_paths([folder / "pf.py", folder / "etl.py"]).summary()
        assert both.startswith("Reloaded etl.py (1 flow); ")
        assert both.endswith(f"; pf.py not read, as it imports prefect: {COMPAT}")
        (folder / "notes.py").write_text("x = 1\n")
        other = workspace.reload_paths([folder / "notes.py", folder / "pf.py"]).summary()
        assert (
            other == f"No flow changed (notes.py); pf.py not read, as it imports prefect: {COMPAT}"
        )
    finally:
        workspace.close()


def test_in_drop_in_mode_the_prefect_file_loads_and_nothing_more_is_said(folder: Path) -> None:
    (folder / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    workspace = load_flow_files(folder, {"etl.py": FLOW.format(name="etl")})
    try:
        (folder / "pf.py").write_text(PREFECT)
        assert workspace.reload_paths([folder / "pf.py"]).summary() == "Reloaded pf.py (1 flow)"
    finally:
        workspace.close()


def test_a_deleted_file_is_still_no_flow_changed(folder: Path) -> None:
    workspace = Workspace(folder)
    try:
        workspace.load()
        gone = folder / "pf.py"
        assert workspace.reload_paths([gone]).summary() == "No flow changed (pf.py)"
    finally:
        workspace.close()


async def test_r_on_a_gone_flow_whose_runs_ended_says_no_go_on(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.state is S.FAILED,
            "the demo run to fail",
        )
        workspace.flows.pop("demo")  # its file deleted
        app.apply_change(FakeChange("Removed demo", flows=["demo"]))
        await wait_for_text(pilot, app, "demo (gone)")
        with toasts_said(app) as said:
            await pilot.press("r")
            await wait_for(pilot, lambda: any("no longer" in m for m in said), "r's toast")
        (toast,) = [m for m in said if "no longer" in m]
        # old: "…: it is listed for its runs, which go on (and stay in the history)"
        assert toast == (
            "demo is no longer in any flow file here: it is listed for its runs,"
            " which stay in the history"
        )
