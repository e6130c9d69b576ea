"""The footer after a run none of whose tasks ran (`r`, then `c` and `y` while its flow
file imported): its tasks all read `· Not run`, yet it offered `f Rerun failed` and `t
Rerun task`. Either reruns every task: `f` says `Run again`, and `t` is left out.
"""

from __future__ import annotations

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from pilot_kit import footer_labels, screen_text, wait_for

from .conftest import FakeWorkspace

SIZE = (120, 30)
NOTE = "cancelled by the user while its flow file imported"


async def test_after_a_run_cancelled_while_importing_f_runs_again_and_t_is_left_out(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.selected_flow == "demo"
        app.buffer.append_batch(
            [
                RunStarted("r1", "demo", 1, (), (), (), ts=1.0),
                RunFinished("r1", "demo", 1, StateType.CANCELLED, {}, 0.0, 1.0, note=NOTE),
            ]
        )
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.run_id == "r1",
            "the cancelled run shown",
        )
        await wait_for(pilot, lambda: footer_labels(app).get("f") == "Run again", "f's words")
        assert "t" not in footer_labels(app), footer_labels(app)
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "f Run again" in footer and "Rerun" not in footer, footer
        await pilot.press("left")  # the flows pane's footer says so too
        await wait_for(pilot, lambda: app.focused is app.flow_list, "the flows pane")
        assert footer_labels(app).get("f") == "Run again", footer_labels(app)


async def test_after_a_run_that_ran_its_tasks_f_reruns_failed(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        keys = tuple(app.table.keys)
        app.buffer.append_batch(
            [
                RunStarted("r1", "demo", 1, keys, (1,) * len(keys), ("",) * len(keys), ts=1.0),
                RunFinished("r1", "demo", 1, StateType.CANCELLED, {}, 0.0, 1.0),
            ]
        )
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.run_id == "r1",
            "the cancelled run shown",
        )
        await wait_for(pilot, lambda: footer_labels(app).get("f") == "Rerun failed", "f's words")
        assert footer_labels(app).get("t") == "Rerun task", footer_labels(app)
