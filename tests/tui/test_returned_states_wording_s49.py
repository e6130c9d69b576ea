"""A flow that RETURNED states that did not all complete: the detail pane said "The flow
function raised FailedRun: 1/2 states failed." while the run header, ``flowtop run`` and
history say "flow returned states: 1/2 states failed." (``looks.returned_states``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.engine.events import ErrorInfo
from flowtop.engine.states import StateType
from flowtop.looks import returned_states, run_error_text
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import TaskRow
from flowtop.tui.widgets.detail_pane import body_text
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace


def test_the_pane_says_returned_where_the_run_returned_states() -> None:
    row = TaskRow("load", 0, StateType.FAILED, 1)
    returned = ErrorInfo("FailedRun", "1/3 states failed.")
    text = body_text(row, None, flow_error=returned).plain
    assert "The flow function returned states: 1/3 states failed." in text
    assert "raised" not in text
    raised = body_text(row, None, flow_error=ErrorInfo("FailedRun", "declined")).plain
    assert "The flow function raised FailedRun: declined" in raised


def test_one_rule_says_which_error_was_returned() -> None:
    assert returned_states("FailedRun", "2/2 states cancelled.")
    assert not returned_states("ValueError", "1/2 states failed.")
    assert not returned_states("FailedRun", "declined")
    assert (
        run_error_text("FailedRun", "1/2 states failed.")
        == "flow returned states: 1/2 states failed."
    )


async def test_a_flow_returning_a_failed_state_reads_as_returned_on_screen(tmp_path: Path) -> None:
    @task
    def ok() -> int:
        return 1

    @task
    def bad() -> int:
        raise ValueError("x")

    @flow(name="grouped")
    def grouped() -> Any:
        return [ok(return_state=True), bad(return_state=True)]

    app = FlowtopApp(FakeWorkspace(tmp_path, {"grouped": grouped}))
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                app.store.latest_for("grouped") is not None
                and app.store.latest_for("grouped").state is StateType.FAILED
            ),
            "grouped to fail",
        )
        await pilot.pause(0.05)
        text = screen_text(app)
        assert "The flow function returned states: 1/2 states failed." in text  # detail pane
        assert "raised FailedRun" not in text
