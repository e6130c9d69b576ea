"""The monitor's main screen and a parent ``@flow``'s subflow runs, reruns and narrow
headers (rv408 §4, §7, §9).

A parent with a task of its own showed only that task (`prep ✓`): its failed subflow
appeared nowhere, beside `f Rerun failed`. One with none listed its subflows without
their states, cut after four lines: of 30, the failed one was off screen. A rerun's
header said `(rerun)` and its reused task `reused from the source run`, where the other
commands name the run. Below 70 columns a subflow run's `(child of …)` pushed its state
and time off the header.
"""

from __future__ import annotations

import re
from pathlib import Path

from flowtop import flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from pilot_kit import wait_for, wait_for_text

from .conftest import FakeWorkspace

DOWN: set[str] = set()


@task(max_retries=0)
def fetch(region: str) -> int:
    if region in DOWN:
        raise RuntimeError(f"{region} is down")
    return len(region)


@flow(name="extract-region")
def extract_region(region: str) -> int:
    return fetch(region)


@task
def prep() -> int:
    return 0


@flow(name="tolerant")
def tolerant() -> bool:
    prep()
    return all(extract_region(r, return_state=True).is_completed() for r in ("eu", "apac"))


@flow(name="fanout")
def fanout() -> None:
    for n in range(30):
        extract_region(f"r{n}", return_state=True)


@flow(name="daily")
def daily() -> None:
    prep()
    fetch("apac")


def app_for(tmp_path: Path) -> FlowtopApp:
    flows = {"tolerant": tolerant, "fanout": fanout, "daily": daily}
    return FlowtopApp(FakeWorkspace(tmp_path, {**flows, "extract-region": extract_region}))


def header(app: FlowtopApp) -> str:
    return app.header.render().plain  # type: ignore[attr-defined]


async def ended(pilot: object, app: FlowtopApp, flow_name: str, number: int) -> None:
    await wait_for(
        pilot,
        lambda: (
            app.table.run is not None
            and app.table.run.flow == flow_name
            and app.table.run.number == number
            and app.table.run.state is not None
            and not app.table.run.is_live
        ),
        f"run #{number} of {flow_name} to end",
    )


async def test_a_parent_with_a_task_of_its_own_names_its_subflow_runs(tmp_path: Path) -> None:
    DOWN.clear()
    DOWN.add("apac")
    app = app_for(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.flow_list.select_flow("tolerant")
        await pilot.press("r")
        await ended(pilot, app, "tolerant", 1)
        assert app.table.run is not None and app.table.run.state is StateType.COMPLETED
        text = await wait_for_text(pilot, app, "(1 subflow failed, handled by the flow)")
        assert "subflows: ✗ extract-region #2, ✓ extract-region #1" in text, text


async def test_thirty_subflow_runs_say_their_states_the_failed_one_first(tmp_path: Path) -> None:
    DOWN.clear()
    DOWN.add("r17")
    app = app_for(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.flow_list.select_flow("fanout")
        await pilot.press("r")
        await ended(pilot, app, "fanout", 1)
        text = await wait_for_text(pilot, app, "its subflows ran as runs of their own")
        assert "its subflows ran as runs of their own: ✗ extract-region #18," in text, text


async def test_a_rerun_names_its_source_run_in_its_header_and_detail(tmp_path: Path) -> None:
    DOWN.clear()
    DOWN.add("apac")
    app = app_for(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.flow_list.select_flow("daily")
        await pilot.press("r")
        await ended(pilot, app, "daily", 1)
        DOWN.clear()
        await pilot.press("f")
        await ended(pilot, app, "daily", 2)
        assert "run #2 (rerun of #1)" in header(app)
        assert app.table.move_to("prep")
        await wait_for_text(pilot, app, "Why: reused from run #1", "#1  ↺ reused from run #1")


async def test_a_narrow_subflow_header_keeps_its_state_and_time(tmp_path: Path) -> None:
    DOWN.clear()
    app = app_for(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.flow_list.select_flow("tolerant")
        await pilot.press("r")
        await ended(pilot, app, "tolerant", 1)
        app.flow_list.select_flow("extract-region")
        await wait_for(pilot, lambda: "(child of tolerant #1)" in header(app), "the child's header")
        for width in (70, 60, 50, 40):
            await pilot.resize_terminal(width, 20)
            await wait_for(pilot, lambda w=width: app.screen.size.width == w, f"{width} columns")
            await pilot.pause()
            line = header(app).splitlines()[0]
            # (at 40 the state's word gives way too, its symbol kept, as docs/monitor.md says)
            state = "✓ Completed" if width > 40 else "✓( Completed)?"
            assert re.search(rf"run #\d+ .*{state}  \d[\d.]*m?s", line), (width, line)
