"""`f` on a ``@flow`` run that completed with failed tasks its flow handled.

The header read `✗ 1 failed` and `f` said only "Run #1 of tolerant has nothing to rerun",
where ``flowtop run --rerun-of 1`` reruns the failed task: `f` now does too (rv375 §5;
``tests/tui/test_rerun_completed_flow_s58.py``).
"""

from __future__ import annotations

from pathlib import Path

from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from pilot_kit import wait_for

from .conftest import FakeWorkspace


async def test_f_reruns_the_failed_tasks_the_flow_handled(tmp_path: Path) -> None:
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
        await pilot.press("f")
        await wait_for(
            pilot,
            lambda: (
                (run := app.store.latest_for("tolerant")) is not None
                and run.number == 2
                and run.state is StateType.COMPLETED
            ),
            "the rerun to complete",
        )
        rerun = app.store.latest_for("tolerant")
        assert rerun is not None and rerun.counts[StateType.FAILED] == 1  # bad ran again
