"""A broken file fixed while its error is shown: the list moves to the flow it defines.

It moved to the flow selected before the error instead (the one the cursor passed on its
way down to the ``✗`` row), so a user who fixed their file and pressed ``r`` ran another
flow.
"""

from __future__ import annotations

from flowtop.engine import Flow, task
from flowtop.tui.app import FlowtopApp
from pilot_kit import wait_for

from .conftest import FakeChange, FakeWorkspace

SIZE = (120, 36)


def fixed_flow() -> Flow:
    @task
    def download() -> str:
        return "ok"

    flow = Flow("fixed")
    flow.add_task(download)
    return flow


async def test_a_fixed_file_selects_its_own_flow(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        app.flow_list.focus()
        app.flow_list.select_flow("waiting")  # passed on the way down
        await wait_for(pilot, lambda: app.selected_flow == "waiting", "waiting selected")
        await pilot.press("end")
        [broken] = workspace.errors
        await wait_for(pilot, lambda: app.selected_error == str(broken), "the error shown")
        workspace.errors.clear()
        workspace.flows["fixed"] = fixed_flow()
        workspace.flow_files["fixed"] = broken
        app.apply_change(FakeChange("Reloaded broken.py (1 flow)", flows=["fixed"]))
        await wait_for(pilot, lambda: app.selected_error is None, "the error gone")
        highlighted = app.flow_list.highlighted_option
        assert app.selected_flow == "fixed"
        assert highlighted is not None and highlighted.id == "flow:fixed"
