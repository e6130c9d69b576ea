"""`f` on a ``@flow`` run that completed with failed tasks its flow handled.

The header read `✗ 1 failed` and `f` said only "Run #1 of tolerant has nothing to rerun":
it now says why (the flow completed, handling them), and still starts nothing.
"""

from __future__ import annotations

from pathlib import Path

from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from pilot_kit import wait_for

from .conftest import FakeWorkspace


async def test_f_says_the_flow_handled_its_failed_tasks(tmp_path: Path) -> None:
    @task
    def ok() -> int:
        return 1

    @task
    def bad() -> int:
        raise ValueError("x")

    @flow(name="tolerant")
    def tolerant() -> int:
        bad(return_state=True)  # looked at, and let go
        return ok()

    app = FlowtopApp(FakeWorkspace(tmp_path, {"tolerant": tolerant}))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                (run := app.store.latest_for("tolerant")) is not None
                and run.state is StateType.COMPLETED
            ),
            "tolerant to complete",
        )
        first = app.store.latest_for("tolerant")
        await pilot.press("f")
        await wait_for(pilot, lambda: app._notifications, "a toast")
        said = [n.message for n in app._notifications]
        assert said[-1] == (
            "Run #1 of tolerant has nothing to rerun: it completed, its flow handling its "
            "1 failed task"
        ), said
        assert app.store.latest_for("tolerant") is first
