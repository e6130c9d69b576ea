"""`h` on the row of a settings file whose table stops a flow's runs says whose and why
(ms62), as `r` there does (``not_a_flow_said``): it said only "holds settings, not a
flow", while that flow's runs do not start."""

from __future__ import annotations

from pathlib import Path

from flowtop.tui.app import FlowtopApp
from flowtop.tui.widgets.flow_list import FlowList
from flowtop.workspace.load_error import LoadError
from pilot_kit import toasts_said, wait_for, wait_for_text

from .conftest import Calls, FakeWorkspace, demo_flow

BAD = '[flows."demo".tasks."load"]: max_retries must be an integer >= 0, got float 4.5'


async def test_h_on_it_says_which_flow_does_not_run_and_why(tmp_path: Path) -> None:
    path = tmp_path / ".flowtop" / "overrides.toml"
    path.parent.mkdir()
    path.write_text('[flows."demo".tasks."load"]\nmax_retries = 4.5\n', encoding="utf-8")
    error = LoadError(path, 2, None, BAD, stops_flow="demo")
    ws = FakeWorkspace(tmp_path, {"demo": demo_flow(Calls())})
    ws.settings_errors.append(error)
    app = FlowtopApp(ws)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        app.query_one(FlowList).focus()
        await pilot.press("end")
        await wait_for_text(pilot, app, "stops demo's runs")
        with toasts_said(app) as said:
            await pilot.press("h")
            await wait_for(pilot, lambda: said, "the toast")
        assert said[-1] == (
            "overrides.toml holds settings, not a flow: select a flow in the list for its "
            f"history. demo does not run until its table is fixed: {error}"
        )
