"""A flow file deleted and written again a moment later (``git stash``, a slow "safe
write") keeps the monitor's place: a selected flow that never ran left the list with its
file, the cursor moved to another flow, and it stayed there once the file was back."""

from __future__ import annotations

from flowtop.tui.app import FlowtopApp
from pilot_kit import toasts_said, wait_for

from .conftest import FakeChange, FakeWorkspace

SIZE = (120, 36)


async def saved(pilot, app: FlowtopApp, workspace: FakeWorkspace, what: str) -> None:
    """The watcher's reload of a batch of saves, and the list's word of its cursor."""
    assert workspace.changes is not None
    with toasts_said(app) as said:
        workspace.changes.put_nowait(FakeChange(what, flows=list(workspace.flows)))
        await wait_for(pilot, lambda: what in said, "the reload's toast")
    await pilot.pause()


async def test_a_never_run_flow_whose_file_came_back_is_selected_again(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        app.flow_list.select_flow("waiting")
        await wait_for(pilot, lambda: app.selected_flow == "waiting", "waiting selected")
        flow = workspace.flows.pop("waiting")  # rm waiting.py
        await saved(pilot, app, workspace, "Removed flow waiting")
        assert app.selected_flow == "demo"  # its place taken meanwhile
        workspace.flows["waiting"] = flow  # written again
        await saved(pilot, app, workspace, "Loaded waiting.py (1 flow)")
        assert app.selected_flow == "waiting"  # old: demo, for good
        option = app.flow_list.highlighted_option
        assert option is not None and option.id == "flow:waiting"
        assert app.table.run is not None and app.table.run.flow == "waiting"


async def test_the_cursor_moved_meanwhile_stays_where_it_was_put(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        app.flow_list.select_flow("waiting")
        await wait_for(pilot, lambda: app.selected_flow == "waiting", "waiting selected")
        flow = workspace.flows.pop("waiting")
        await saved(pilot, app, workspace, "Removed flow waiting")
        app.flow_list.focus()
        await pilot.press("down")  # to broken.py's error
        await wait_for(pilot, lambda: app.selected_error is not None, "the error selected")
        workspace.flows["waiting"] = flow
        await saved(pilot, app, workspace, "Loaded waiting.py (1 flow)")
        assert app.selected_error is not None and app.selected_error.endswith("broken.py")
