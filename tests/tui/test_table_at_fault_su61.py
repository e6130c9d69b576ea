"""A value at fault in one flow's task table of ``.flowtop/overrides.toml`` stops that
flow's runs only: the file loaded and the other flows run with the rest of it. Its row
read ``✗ failed to load`` and "the last good settings stay in use", and `r` on it said
only that it holds settings: it now says whose runs it stops, and why."""

from __future__ import annotations

from pathlib import Path

from flowtop.tui.app import FlowtopApp
from flowtop.tui.file_rows import file_problem
from flowtop.tui.widgets.flow_list import FlowList
from flowtop.workspace.load_error import LoadError
from pilot_kit import screen_text, toasts_said, wait_for, wait_for_text

from .conftest import Calls, FakeWorkspace, demo_flow

BAD = '[flows."demo".tasks."load"]: max_retries must be an integer >= 0, got float 4.5'


def bad_table(tmp_path: Path) -> LoadError:
    path = tmp_path / ".flowtop" / "overrides.toml"
    path.parent.mkdir()
    path.write_text('[flows."demo".tasks."load"]\nmax_retries = 4.5\n', encoding="utf-8")
    return LoadError(path, 2, None, BAD, stops_flow="demo")


def test_its_row_says_whose_runs_it_stops(tmp_path: Path) -> None:
    error = bad_table(tmp_path)
    assert file_problem(error) == "stops demo's runs: a value at fault in its table"
    gone = LoadError(error.path, 2, None, BAD, unused=True, stops_flow="old")
    assert file_problem(gone) == "part of it is not in use"  # no such flow: it stops nothing
    assert LoadError.from_json(error.to_json()) == error  # as the flow host sends it


async def test_its_pane_and_r_on_it_say_why_its_flow_does_not_run(tmp_path: Path) -> None:
    error = bad_table(tmp_path)
    ws = FakeWorkspace(tmp_path, {"demo": demo_flow(Calls())})
    ws.settings_errors.append(error)
    app = FlowtopApp(ws)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        app.query_one(FlowList).focus()
        await pilot.press("end")
        await wait_for_text(pilot, app, "stops demo's runs")
        text = " ".join(screen_text(app).split())
        assert "failed to load" not in text
        assert "The last good settings stay in use" not in text
        assert "the other flows run with it. Runs of demo do not start" in text
        with toasts_said(app) as said:
            await pilot.press("r")
            await wait_for(pilot, lambda: said, "the toast")
        assert said[-1] == (
            "overrides.toml holds settings, not a flow: select a flow in the list to run it. "
            f"demo does not run until its table is fixed: {error}"
        )
