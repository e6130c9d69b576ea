"""Two loose ends of the empty flows folder (session 59).

- A reload that deleted the last flow file left the old flow selected: its header, rows
  and task on screen until a key redrew the header. The empty folder's state shows at
  once: its hint in the header, ``No flow selected`` in the table, no task in the pane.
- In an empty folder the footer hides `/ s S ← → a` (they act on nothing), yet `s`
  typed anyway sorted the empty table and toasted "Sorted by…": a key hidden because
  it cannot act does not act (``check_action`` says False for it).
"""

from __future__ import annotations

from pathlib import Path

from flowtop.tui.app import FlowtopApp
from flowtop.tui.keymap import ARRANGING_ACTIONS
from flowtop.workspace.changes import WorkspaceChanged
from pilot_kit import screen_text, toasts_said, wait_for, wait_for_text

from .conftest import Calls, FakeWorkspace, demo_flow
from .test_reload_toasts_hanging import push


async def test_deleting_the_last_flow_file_shows_the_empty_folder_at_once(
    tmp_path: Path,
) -> None:
    ws = FakeWorkspace(tmp_path, {"demo": demo_flow(Calls())})
    app = FlowtopApp(ws)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.selected_flow == "demo", "demo selected")
        await wait_for_text(pilot, app, "extract")
        path = ws.flow_files["demo"]
        ws.flows, ws.flow_files = {}, {}
        said = await push(pilot, app, ws, WorkspaceChanged(paths=(path,), removed=("demo",)))
        assert said == "Removed flow demo"
        # no key pressed: the reload itself shows the empty folder
        await wait_for(pilot, lambda: "No flows found" in str(app.header.render()), "the hint")
        await wait_for_text(pilot, app, "No flow selected")
        assert app.selected_flow is None and app.selected_error is None
        assert app.table.run is None
        # (the screen, but the toast that names the flow removed)
        shown = [str(app.header.render()), str(app.detail.title_line.render())]
        shown.append(str(app.detail.body.render()))
        shown += [line.partition("▌")[0] for line in screen_text(app).splitlines()]
        for stale in ("extract", "flaky", "demo"):
            assert not [line for line in shown if stale in line], "\n".join(shown)


async def test_deleting_the_last_failing_file_shows_the_empty_folder_at_once(
    tmp_path: Path,
) -> None:
    """The same with the one file listed ``✗`` (and selected) as it is deleted."""
    path = tmp_path / "broken.py"
    path.write_text("(\n", encoding="utf-8")
    ws = FakeWorkspace(tmp_path, {}, {path: "broken.py:1: SyntaxError: '(' was never closed"})
    app = FlowtopApp(ws)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        app.flow_list.focus()
        app._select_error(str(path))
        await wait_for_text(pilot, app, "never closed")
        path.unlink()
        ws.errors = {}
        await push(pilot, app, ws, WorkspaceChanged(paths=(path,)))
        await wait_for(pilot, lambda: "No flows found" in str(app.header.render()), "the hint")
        assert app.selected_error is None
        assert "never closed" not in screen_text(app)


async def test_keys_hidden_in_an_empty_folder_do_not_act(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {}))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: "No flows found" in str(app.header.render()), "the hint")
        for action in ARRANGING_ACTIONS:
            assert not app.check_action(action, ()), action
        with toasts_said(app) as said:
            await pilot.press("s", "S", "a", "slash", "left", "right")
            await pilot.pause()
        assert not said, said
        assert app.table.sort == "definition" and not app.table.sort_reverse
        assert not app.auto_rerun
        assert app.focused is not app.filter_box


async def test_the_same_keys_act_once_a_flow_is_listed(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"demo": demo_flow(Calls())}))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.selected_flow == "demo", "demo selected")
        for action in ARRANGING_ACTIONS:
            assert app.check_action(action, ()), action
        with toasts_said(app) as said:
            await pilot.press("s")
            await wait_for(pilot, lambda: said, "the sort's toast")
        assert said[-1].startswith("Sorted by"), said
