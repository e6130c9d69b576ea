"""The detail pane's heading was fitted to its width only when asked again: a finished
task's is not (only a live one is, each tick), so opened at 40×12 and widened to 120×36
the pane read ` broken  ✗ Failed  atte…` until the selection changed. It fits again."""

from __future__ import annotations

from flowtop.tui.app import FlowtopApp
from pilot_kit import wait_for

from .conftest import FakeWorkspace, run_demo


def heading(app: FlowtopApp) -> str:
    return str(app.detail.title_line.render()).rstrip()


async def test_a_finished_task_s_heading_fits_again_after_a_resize(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=(40, 12)) as pilot:
        await run_demo(pilot, app)
        assert app.table.move_to("broken")
        await wait_for(pilot, lambda: heading(app).startswith("broken  "), "its heading")
        assert heading(app).endswith("…") and "attempt 1/1" not in heading(app)
        await pilot.resize_terminal(120, 36)
        await wait_for(
            pilot, lambda: heading(app) == "broken  ✗ Failed  attempt 1/1", "the whole heading"
        )
        await pilot.resize_terminal(40, 12)  # and narrower again: cut again
        await wait_for(pilot, lambda: heading(app).endswith("…"), "the heading cut again")
