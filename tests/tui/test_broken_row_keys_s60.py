"""Keys on a file's row and in an empty folder (rv402 §4, §11, §12).

`h` on `✗ broken.py` opened the history of the flow shown before (`History · flow
doomed`), which a user reads as broken.py's; it now says what every other key there says,
and the footer leaves it out, with `/ Filter  s Sort` (the table there has no rows). An
empty folder beside a ``./flows`` of flow files says where they are, and its footer no
longer offers `h History` with no run to show. `c` on a flow with no live run, while
another flow's run is live in the window, names the flow ("Nothing is running here")."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.history import HistoryScreen
from pilot_kit import screen_text, toasts_said, wait_for, wait_for_text

from .conftest import FakeHistory, FakeLoadError, FakeWorkspace

SIZE = (120, 36)


def footer(app: FlowtopApp) -> str:
    return screen_text(app).splitlines()[-1]


def labels(app: FlowtopApp) -> list[str]:
    entries, always = app.footer_entries()
    return [label for _, label in entries + always]


async def h_on_the_last_row(pilot, app: FlowtopApp) -> list[str]:
    """`End` in the flows list (the file's row), then `h`: what it said."""
    app.flow_list.focus()
    await pilot.press("home", "end")
    await wait_for(pilot, lambda: app.selected_error is not None, "the file's row")
    with toasts_said(app) as said:
        await pilot.press("h")
        await wait_for(pilot, lambda: said, "h's answer")
    assert not isinstance(app.screen, HistoryScreen)
    return said


async def test_h_on_a_file_that_failed_to_load_says_so_and_is_not_offered(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        said = await h_on_the_last_row(pilot, app)
        assert said == [
            "broken.py failed to load, so it has no flow yet: fix it and save "
            "(its error is shown here)"
        ]
        await wait_for(pilot, lambda: "h History" not in footer(app), "the flows footer")
        assert "History" not in labels(app)
        await pilot.press("right")  # the table, `No flow selected`: nothing to filter or sort
        await wait_for(pilot, lambda: app.focused is app.table, "the table's focus")
        await wait_for(pilot, lambda: "→ Tasks" not in footer(app), "the table's footer")
        line = footer(app)
        assert "/ Filter" not in line and "s Sort" not in line and "h History" not in line
        assert not {"Filter", "Sort", "Reverse sort", "History"} & set(labels(app))
        await pilot.press("up")  # back on a flow: `h` and the rest are offered again
        await wait_for(pilot, lambda: app.selected_error is None, "a flow's row")
        await wait_for(pilot, lambda: "h History" in footer(app), "h back in the footer")


async def test_h_on_a_file_whose_flows_stay_listed_points_at_them(tmp_path: Path) -> None:
    """A file that loaded before keeps its flows listed, with their runs: `h` there says
    to select one (it does not say "it has no flow yet")."""
    from .conftest import Calls, demo_flow

    path = tmp_path / "demo.py"  # the flow ``demo``'s file, broken since it loaded
    errors = {path: FakeLoadError(path, 3, "SyntaxError: invalid syntax")}
    app = FlowtopApp(FakeWorkspace(tmp_path, {"demo": demo_flow(Calls())}, errors))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        said = await h_on_the_last_row(pilot, app)
        assert said == [
            "demo.py failed to load; its flows stay listed as they last loaded (demo): "
            "select one for its history"
        ]


async def test_r_on_a_file_whose_flows_stay_listed_points_at_them_as_h_does(
    tmp_path: Path,
) -> None:
    """`r` there said "it has no flow yet" of a file whose flows stay listed, where `h`
    named them: both keys word a file's row one way (``file_rows.file_row_said``)."""
    from .conftest import Calls, demo_flow

    path = tmp_path / "demo.py"
    errors = {path: FakeLoadError(path, 3, "SyntaxError: invalid syntax")}
    app = FlowtopApp(FakeWorkspace(tmp_path, {"demo": demo_flow(Calls())}, errors))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.flow_list.focus()
        await pilot.press("home", "end")
        await wait_for(pilot, lambda: app.selected_error is not None, "the file's row")
        with toasts_said(app) as said:
            await pilot.press("r")
            await wait_for(pilot, lambda: said, "r's answer")
        assert said == [  # (fx74: it said "select one to run it", and `r` there refused)
            "demo.py failed to load; its flows stay listed as they last loaded (demo): "
            "they run once it loads: fix it and save"
        ]


async def test_h_on_a_broken_settings_file_says_it_holds_no_flow(
    workspace: FakeWorkspace,
) -> None:
    toml = workspace.root / "flowtop.toml"
    workspace.errors = {toml: FakeLoadError(toml, 2, "[defaults]: max_retries must be an integer")}
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        said = await h_on_the_last_row(pilot, app)
        assert said == [
            "flowtop.toml holds settings, not a flow: select a flow in the list for its history"
        ]


class OneRun(FakeHistory):
    def count(self, flow: str | None = None) -> int:
        return 1


@pytest.mark.parametrize("runs", [0, 1])
async def test_an_empty_folder_offers_h_only_with_a_run_to_show(tmp_path: Path, runs: int) -> None:
    workspace = FakeWorkspace(tmp_path, {})
    if runs:  # its flows were deleted since they ran: their runs are still worth a look
        workspace.history = OneRun()
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, app, "No flows found")
        await wait_for(pilot, lambda: "? Help" in footer(app), "the footer")
        assert ("h History" in footer(app)) is bool(runs), footer(app)


async def test_an_empty_folder_beside_flows_says_where_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`flowtop .` where the flows are in ./flows (PATH defaults to it only when none is
    given): the header said "add a .py file", no word of ./flows."""
    (tmp_path / "flows").mkdir()
    for name in ("etl.py", "report.py", "__init__.py"):  # (``__init__.py`` is no flow file)
        (tmp_path / "flows" / name).write_text("")
    monkeypatch.chdir(tmp_path)
    app = FlowtopApp(FakeWorkspace(tmp_path, {}))
    async with app.run_test(size=SIZE) as pilot:
        text = await wait_for_text(pilot, app, "No flows found")
        assert "(./flows holds 2 flow files: flowtop flows)" in " ".join(text.split()), text


async def test_c_on_a_flow_with_no_live_run_names_it(workspace: FakeWorkspace) -> None:
    """`c` on `demo` while `waiting`'s run is live in the window said "Nothing is running
    here", of a window where something plainly ran."""
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.flow_list.select_flow("waiting")
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                app.table.run is not None
                and app.table.run.rows["waiter"].state is StateType.AWAITING_RETRY
            ),
            "the retry wait",
        )
        app.flow_list.select_flow("demo")
        await wait_for(pilot, lambda: app.selected_flow == "demo", "demo shown")
        with toasts_said(app) as said:
            await pilot.press("c")
            await wait_for(pilot, lambda: said, "c's answer")
        assert said == ["demo has no live run"]
