"""An attempt that completed with a result its ``retry_predicate`` rejected, in the
monitor's detail pane and the history screen's run page.

Such an attempt is retried with no error (SPEC §3 rule 2). The detail pane marked it ✗,
as if it had failed, and never said why it was retried; the run page said ``✗ Failed,
retried``. It reads ⟳, completed and rejected, now.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from flowtop import Flow, task
from flowtop.engine import Runner
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.run_detail import attempts_text
from flowtop.workspace.history import History
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace

S = StateType
REASON = "retry_predicate returned True → 'pending'"


def polling_flow(delay: float) -> Flow:
    """``poll`` returns "pending" twice, then "ok"; its predicate retries "pending"."""
    calls = itertools.count(1)

    @task(max_retries=5, retry_delay=delay, retry_predicate=lambda s: s.result == "pending")
    def poll() -> str:
        return "pending" if next(calls) < 3 else "ok"

    flow = Flow("poller")
    flow.add_task(poll)
    return flow


def pane_lines(app: Any) -> list[str]:
    """The detail pane's rows (right of the table's edge), as the terminal shows them."""
    return [line.split("▕", 1)[1].strip() for line in screen_text(app).splitlines() if "▕" in line]


def attempt_lines(app: Any) -> list[str]:
    return [line for line in pane_lines(app) if line.startswith("#")]


async def run_until(pilot: Any, app: FlowtopApp, state: StateType) -> None:
    await wait_for(
        pilot,
        lambda: app.table.run is not None and app.table.run.rows["poll"].state is state,
        f"poll {state.value}",
    )
    await pilot.pause(0.05)


async def test_the_detail_pane_marks_a_rejected_attempt_and_says_why(tmp_path: Path) -> None:
    workspace = FakeWorkspace(tmp_path, {"poller": polling_flow(0)})
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("r")
            await run_until(pilot, app, S.COMPLETED)
            first, second, last = attempt_lines(app)
            for line in (first, second):
                assert "  ⟳  " in line and line.endswith(REASON), line
                assert "✗" not in line
            assert "  ✓  " in last and last.endswith("→ 'ok'")
    finally:
        for runner in workspace.runners:
            runner.shutdown(wait=True)


async def test_a_rejected_attempt_keeps_its_reason_when_a_cancel_ends_its_wait(
    tmp_path: Path,
) -> None:
    """The cancel's message took the place of the retry's reason on the attempt."""
    workspace = FakeWorkspace(tmp_path, {"poller": polling_flow(60)})
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("r")
            await run_until(pilot, app, S.AWAITING_RETRY)
            (waiting,) = attempt_lines(app)
            assert "  ⟳  " in waiting and waiting.endswith(REASON), waiting
            await pilot.press("c", "y")
            await run_until(pilot, app, S.CANCELLED)
            (cancelled,) = attempt_lines(app)
            assert "  ⟳  " in cancelled and cancelled.endswith(REASON), cancelled
            assert any(line.startswith("cancelled during the 1m") for line in pane_lines(app))
    finally:
        for runner in workspace.runners:
            runner.shutdown(wait=True)


def test_the_run_page_reads_a_rejected_attempt_as_completed(tmp_path: Path) -> None:
    """The history screen's page of a run (what ``flowtop history --run`` prints)."""
    db = tmp_path / ".flowtop" / "history.db"
    history = History(db)
    runner = Runner(2, sinks=[history.sink])
    try:
        result = runner.start(polling_flow(0)).result(timeout=30)
        runner.bus.flush(timeout=10)
        assert history.flush(10)
    finally:
        runner.shutdown()
        history.close()
    text = attempts_text(StoreReader(db).run_detail(result.run_id).task("poll")).plain
    assert "✗" not in text and "Failed" not in text
    assert text.count("⟳ Completed, retried · ") == 2
    assert text.count("retry_predicate returned True\n") == 2
    assert text.count("result: 'pending'") == 2
    assert "Attempt 3 · ✓ Completed · " in text
