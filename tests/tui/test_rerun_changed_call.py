"""`f` on a completed run of a static flow whose code changed a task's call since:
``extract("/orders")`` saved as ``extract("/customers")`` reruns ``extract`` and what it
feeds, as ``flowtop run --rerun-of N`` does.

The monitor said "Run #1 of sales has nothing to rerun": it looked only for tasks the
code added, and this edit adds none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.run_control import InProcessControl, RunControlError
from pilot_kit import wait_for

from .conftest import FakeWorkspace, reload
from .test_rerun_added_task import a_rerun_of, completed

S = StateType


def sales_flow(calls: Counter[str], table: str) -> Flow:
    """``report(extract(table))``: ``table`` is the constant the edit changes."""

    @task
    def extract(path: str) -> list[str]:
        calls[f"extract {path}"] += 1
        return [path]

    @task
    def report(rows: list[str]) -> str:
        calls["report"] += 1
        return f"{len(rows)} rows"

    with Flow("sales") as flow:
        report(extract(table))
    return flow


@pytest.fixture
def calls() -> Counter[str]:
    return Counter()


@pytest.fixture
def sales(tmp_path: Path, calls: Counter[str]) -> Iterator[FakeWorkspace]:
    ws = FakeWorkspace(tmp_path, {"sales": sales_flow(calls, "/orders")})
    yield ws
    for runner in ws.runners:
        runner.shutdown(wait=True)


async def test_f_on_a_completed_run_reruns_a_task_whose_call_changed(
    sales: FakeWorkspace, calls: Counter[str]
) -> None:
    app = FlowtopApp(sales, watch=True)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        first = await completed(pilot, app)
        sales.flows["sales"] = sales_flow(calls, "/customers")
        await reload(pilot, app, sales, "Reloaded sales.py (1 flow)")
        await pilot.press("f")
        said = [n.message for n in app._notifications]
        assert not any("nothing to rerun" in message for message in said), said
        rerun = await a_rerun_of(pilot, app, first)
        assert not rerun.rows["extract"].reused and not rerun.rows["report"].reused
        assert calls == {"extract /orders": 1, "extract /customers": 1, "report": 2}


async def test_f_on_a_completed_run_of_unchanged_code_still_reruns_nothing(
    sales: FakeWorkspace, calls: Counter[str]
) -> None:
    app = FlowtopApp(sales, watch=True)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        first = await completed(pilot, app)
        sales.flows["sales"] = sales_flow(calls, "/orders")  # saved, the call as it was
        await reload(pilot, app, sales, "Reloaded sales.py (1 flow)")
        await pilot.press("f")
        refusal = "Run #1 of sales has nothing to rerun"
        await wait_for(
            pilot, lambda: any(n.message == refusal for n in app._notifications), "the refusal"
        )
        assert app.table.run is first
        assert calls == {"extract /orders": 1, "report": 1}


def test_the_control_reruns_a_changed_call_and_refuses_an_unchanged_one(
    sales: FakeWorkspace, calls: Counter[str]
) -> None:
    """``InProcessControl.rerun_failed`` (the app's runs in this process) decides alike."""
    control = InProcessControl(sales, lambda events: None)
    first = control.start("sales")
    control.handles[str(first.run_id)].final_result()
    with pytest.raises(RunControlError, match="Run #1 of sales has nothing to rerun"):
        control.rerun_failed(first)

    sales.flows["sales"] = sales_flow(calls, "/customers")
    rerun = control.rerun_failed(first)
    assert control.handles[str(rerun.run_id)].final_result().state is S.COMPLETED
    assert calls == {"extract /orders": 1, "extract /customers": 1, "report": 2}
