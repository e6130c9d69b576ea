"""`e` on a settings file's row in the flows list says what `e` does and where: it said
"select a flow in the list to run it", a word for the run keys."""

from __future__ import annotations

from flowtop.tui.app import FlowtopApp
from pilot_kit import toasts_said, wait_for

from .conftest import FakeLoadError, FakeWorkspace


async def test_e_on_a_settings_file_says_it_edits_a_task_of_a_flow(
    workspace: FakeWorkspace,
) -> None:
    toml = workspace.root / "flowtop.toml"
    workspace.errors = {toml: FakeLoadError(toml, 2, "[defaults]: max_retries must be an integer")}
    app = FlowtopApp(workspace)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        app.flow_list.focus()
        await pilot.press("end")
        await wait_for(pilot, lambda: app.selected_error == str(toml), "the file's row")
        with toasts_said(app) as said:
            await pilot.press("e")
            await wait_for(pilot, lambda: said, "the toast")
            await pilot.press("r")
            await wait_for(pilot, lambda: len(said) == 2, "the second toast")
        assert said == [
            "flowtop.toml holds settings, not a flow: e edits a task's retry settings; "
            "select a flow in the list, then its task",
            "flowtop.toml holds settings, not a flow: select a flow in the list to run it",
        ]
