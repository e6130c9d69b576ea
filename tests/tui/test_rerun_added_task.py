"""`f` and `t` on a task the code added since the flow's newest run: it runs, and what
feeds it is reused, as ``flowtop run --rerun-of N`` (``--task NEW``) runs it.

`f` on a completed run said "nothing to rerun" beside a ``· Not run  not in this run``
row, and `t` on that row said "press r", where the command line reused the rest and ran
only the new task.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace, reload

S = StateType


def report_flow(calls: Counter[str], *, with_total: bool) -> Flow:
    """``report(extract())``, and with ``with_total`` a ``total`` fed by ``extract`` too."""

    @task
    def extract() -> list[int]:
        calls["extract"] += 1
        return [1, 2, 3]

    @task
    def report(rows: list[int]) -> str:
        calls["report"] += 1
        return f"{len(rows)} rows"

    @task
    def total(rows: list[int]) -> int:
        calls["total"] += 1
        return sum(rows)

    with Flow("sales") as flow:
        rows = extract()
        report(rows)
        if with_total:
            total(rows)
    return flow


@pytest.fixture
def calls() -> Counter[str]:
    return Counter()


@pytest.fixture
def sales(tmp_path: Path, calls: Counter[str]) -> Iterator[FakeWorkspace]:
    ws = FakeWorkspace(tmp_path, {"sales": report_flow(calls, with_total=False)})
    yield ws
    for runner in ws.runners:
        runner.shutdown(wait=True)


def footer(app: FlowtopApp) -> str:
    return screen_text(app).splitlines()[-1]


async def completed(pilot: Pilot[None], app: FlowtopApp) -> RunModel:
    """Run ``sales`` (``r``) to its end: it completes."""
    await pilot.press("r")
    await wait_for(
        pilot,
        lambda: app.table.run is not None and app.table.run.state is S.COMPLETED,
        "the first run",
    )
    assert app.table.run is not None
    return app.table.run


async def add_total(
    pilot: Pilot[None], app: FlowtopApp, ws: FakeWorkspace, calls: Counter[str]
) -> None:
    """Save ``sales`` with ``total`` added: the watcher reloads it."""
    ws.flows["sales"] = report_flow(calls, with_total=True)
    await reload(pilot, app, ws, "Reloaded sales.py (1 flow)")


async def a_rerun_of(pilot: Pilot[None], app: FlowtopApp, first: RunModel) -> RunModel:
    """The rerun of ``first`` that the key started, once it completed."""
    await wait_for(
        pilot,
        lambda: (
            app.table.run is not first
            and app.table.run is not None
            and app.table.run.state is S.COMPLETED
        ),
        "the rerun to complete",
    )
    assert app.table.run is not None
    return app.table.run


async def test_f_on_a_completed_run_runs_a_task_added_since(
    sales: FakeWorkspace, calls: Counter[str]
) -> None:
    app = FlowtopApp(sales, watch=True)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        first = await completed(pilot, app)
        await wait_for(pilot, lambda: "r Run" in footer(app), "the footer")
        assert "f Rerun failed" not in footer(app), footer(app)  # nothing new yet
        await pilot.press("f")  # typed anyway: says so, starts nothing
        await wait_for(pilot, lambda: app._notifications, "a toast")
        said = [n.message for n in app._notifications]
        assert said[-1] == "Run #1 of sales has nothing to rerun", said
        assert app.table.run is first

        await add_total(pilot, app, sales, calls)
        await wait_for(pilot, lambda: "f Rerun failed" in footer(app), "f for the new task")
        await pilot.press("f")
        rerun = await a_rerun_of(pilot, app, first)
        assert rerun.rows["total"].state is S.COMPLETED
        assert rerun.rows["extract"].reused and rerun.rows["report"].reused
        assert calls == {"extract": 1, "report": 1, "total": 1}


async def test_t_on_a_task_added_since_runs_it_with_what_feeds_it_reused(
    sales: FakeWorkspace, calls: Counter[str]
) -> None:
    app = FlowtopApp(sales, watch=True)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        first = await completed(pilot, app)
        await add_total(pilot, app, sales, calls)
        assert app.table.move_to("total")
        await wait_for(pilot, lambda: "t Rerun task" in footer(app), "t on the new task")
        await pilot.press("t")
        rerun = await a_rerun_of(pilot, app, first)
        assert rerun.rows["total"].state is S.COMPLETED
        assert rerun.rows["extract"].reused and rerun.rows["report"].reused
        assert calls == {"extract": 1, "report": 1, "total": 1}
