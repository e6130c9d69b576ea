"""A ``@flow``'s own retry waiting out its delay: shown as such, and cancelled from the screen.

The retry is a live run from the moment the run before it fails; its header read
"(rerun) ▶ Running" with no tasks for the whole delay, as if it were stuck.
"""

from __future__ import annotations

from pathlib import Path

from flowtop import flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from pilot_kit import screen_text, wait_for

from .conftest import Calls, FakeWorkspace
from .test_app import SIZE

S = StateType


async def test_a_flow_retry_in_its_delay_says_when_it_starts_and_c_cancels_it(
    tmp_path: Path,
) -> None:
    calls = Calls()

    @task(max_retries=0)
    def load() -> None:
        calls.bump("load")
        raise ConnectionError("warehouse down")

    @flow(name="fn-wait", retries=1, retry_delay=30)
    def waits() -> None:
        load()

    app = FlowtopApp(FakeWorkspace(tmp_path, {"fn-wait": waits}))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.number == 2,
            "the flow's retry to show",
        )
        await wait_for(
            pilot,
            lambda: "⟳ Starts in 2" in screen_text(app).splitlines()[0],
            "the retry's countdown in the header",
        )
        header = screen_text(app).splitlines()[0]
        assert "run #2 (flow retry)" in header
        assert "⟳ Starts in 2" in header  # 29.x s of its 30 s delay left
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        retry = app.table.run
        await wait_for(pilot, lambda: retry.state is S.CANCELLED, "the retry to be cancelled")
        await wait_for(
            pilot, lambda: "■ Cancelled" in screen_text(app).splitlines()[0], "the header"
        )
        header = screen_text(app).splitlines()[0]
        assert "■ Cancelled  0s  cancelled in its 30s retry delay, so its body neve" in header
        assert retry.elapsed(0.0) == 0.0  # its wait was no work
    assert calls.counts == {"load": 1}  # the cancelled retry never ran its body
