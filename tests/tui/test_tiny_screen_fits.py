"""At 40×12 the run header, the filter line, the task table and the detail pane fit in
their column during a live run.

The detail pane's least height was 5 rows: with the table at its 60% (a few tasks) the
column's parts took 2 + 6 + 5 = 13 of its 11 rows. The pane ran under the footer: its
last lines could never be scrolled into view, and its scrollbar's foot was cut off, so
its thumb floated alone beside the table's last rows.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.containers import Vertical

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from pilot_kit import wait_for

from .conftest import FakeWorkspace

TINY = (40, 12)


def slow_flow(tasks: int, release: threading.Event) -> Flow:
    """``tasks`` tasks side by side, each running until ``release``."""
    flow = Flow("slow")
    for n in range(tasks):

        @task(name=f"step{n}")
        def step() -> None:
            release.wait(30)

        flow.add_task(step)
    return flow


def running(app: FlowtopApp) -> bool:
    """The run shows, its tasks running (as many as the workers take) or waiting for one."""
    run = app.table.run
    return run is not None and any(row.state is StateType.RUNNING for row in run.rows.values())


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


@pytest.mark.parametrize(("tasks", "filtered"), [(4, False), (6, False), (6, True)])
async def test_a_live_runs_panes_fit_their_column_at_40x12(
    tmp_path: Path, release: threading.Event, tasks: int, filtered: bool
) -> None:
    workspace = FakeWorkspace(tmp_path, {"slow": slow_flow(tasks, release)})
    app = FlowtopApp(workspace)
    try:
        async with app.run_test(size=TINY, notifications=True) as pilot:
            app.flow_list.select_flow("slow")
            await pilot.pause()
            await pilot.press("r")
            await wait_for(pilot, lambda: running(app), "the run to show")
            if filtered:
                await pilot.press("slash", "s", "t", "e", "p")  # matches every task
            await pilot.pause()
            column = app.query_one("#right", Vertical)
            assert column.virtual_size.height <= column.size.height  # nothing runs past it
            assert column.region.contains_region(app.detail.region), app.detail.region
            assert app.detail.scrollable_content_region.height >= 1  # a line of it shows
    finally:
        release.set()
        for runner in workspace.runners:
            runner.shutdown(wait=True)
