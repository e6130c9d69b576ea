"""A never-run flow's header counts the tasks its code has now: after a save that left
one of its five, the table listed one row under a header still saying ``5 tasks``."""

from __future__ import annotations

from flowtop import Flow, task
from flowtop.tui.app import FlowtopApp
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace, reload


async def test_a_reload_that_changes_a_never_run_flow_s_tasks_recounts_them(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: "5 tasks" in screen_text(app), "demo's 5 tasks")

        @task
        def only() -> int:
            return 1

        with Flow("demo") as smaller:
            only()
        workspace.flows["demo"] = smaller
        await reload(pilot, app, workspace, "Reloaded demo.py (1 flow)")
        await wait_for(pilot, lambda: "only" in screen_text(app), "the new row")
        header = screen_text(app).splitlines()[1]
        assert "1 task" in header and "5 tasks" not in header, header
