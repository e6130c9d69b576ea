"""Three of the monitor's trade-offs a review left: alike flow names cut alike in a
narrow flows pane, a first error narrowing POLICY mid-run, and a flow opening on the
row number the cursor had in the flow left.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.engine import Flow, exponential_backoff, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.widgets.column_fit import POLICY_CAP
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace

S = StateType


def pages_flow(name: str, n: int) -> Flow:
    """``fetch_page`` … ``fetch_page-N``, each a task that returns at once."""

    @task
    def fetch_page() -> int:
        return 1

    flow = Flow(name)
    for i in range(1, n + 1):
        flow.add_task(fetch_page, key="fetch_page" if i == 1 else f"fetch_page-{i}")
    return flow


def flows_pane(app: FlowtopApp) -> list[str]:
    """The flows pane's lines, stripped."""
    pane = app.flow_list.region
    lines = screen_text(app).splitlines()[pane.y : pane.bottom]
    return [line[pane.x : pane.right - 1].strip() for line in lines]


async def test_alike_flow_names_are_cut_in_the_middle_on_a_narrow_terminal(
    tmp_path: Path,
) -> None:
    """At 40 columns the pane has 7 cells for a name: ``fanout-10`` and ``fanout-1000``
    both read ``fanout…``. Cut in the middle, their numbers tell them apart; a name no
    other reads like keeps its start (``region…``)."""
    flows = {name: pages_flow(name, 2) for name in ("fanout-10", "fanout-1000", "regional-report")}
    app = FlowtopApp(FakeWorkspace(tmp_path, flows), watch=False)
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for(pilot, lambda: "Not run" in screen_text(app), "the rows")
        await wait_for(pilot, lambda: flows_pane(app)[0] == "· fan…-10", "the names cut")
        assert flows_pane(app)[:3] == ["· fan…-10", "· f…-1000", "· region…"]
        await pilot.resize_terminal(120, 36)  # room: every name whole
        await wait_for(pilot, lambda: flows_pane(app)[0] == "· fanout-10", "whole names")
        assert flows_pane(app)[:3] == ["· fanout-10", "· fanout-1000", "· regional-report"]
        await pilot.resize_terminal(40, 12)
        await wait_for(pilot, lambda: flows_pane(app)[1] == "· f…-1000", "cut again")
        await pilot.press("left", "down")  # the highlighted name too (drawn without colour)
        await wait_for(pilot, lambda: app.selected_flow == "fanout-1000", "the next flow")
        assert flows_pane(app)[:2] == ["· fan…-10", "· f…-1000"]


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def retrying(tmp_path: Path, gate: threading.Event) -> Iterator[FakeWorkspace]:
    """``fetch`` fails once ``gate`` is set and waits a minute for its retry; its
    policy reads wider than ``POLICY_CAP``."""

    @task(
        retry_on=[ConnectionError, TimeoutError, ValueError],
        max_retries=4,
        retry_delay=exponential_backoff(60, 2, max_delay=600),
    )
    def fetch() -> int:
        gate.wait(15)
        raise ConnectionError("GET /orders: connection reset by peer")

    with Flow("orders") as flow:
        fetch()
    ws = FakeWorkspace(tmp_path, {"orders": flow})
    yield ws
    gate.set()
    for runner in ws.runners:
        runner.shutdown(wait=True)


def widths(app: FlowtopApp) -> tuple[int, ...]:
    table = app.table
    return table.columns(table.scrollable_content_region.width).widths()


async def test_a_first_error_moves_no_column_at_200_columns(
    retrying: FakeWorkspace, gate: threading.Event
) -> None:
    """POLICY took 64 cells beside an empty LAST ERROR through a live run, and the
    first retry's error narrowed it to 36: every column after it jumped mid-run. A live
    run keeps LAST ERROR's room from its start; a flow not run yet still has the room."""
    app = FlowtopApp(retrying, watch=False)
    async with app.run_test(size=(200, 36)) as pilot:
        await wait_for(pilot, lambda: "fetch " in screen_text(app), "the rows")
        assert widths(app)[4] > POLICY_CAP  # not run yet: the policy has LAST ERROR's room
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.rows["fetch"].state is S.RUNNING,
            "fetch to run",
        )
        live = widths(app)
        assert live[4] == POLICY_CAP
        gate.set()
        await wait_for(pilot, lambda: "Retry in" in screen_text(app), "fetch's retry wait")
        await wait_for(pilot, lambda: "ConnectionError: GET" in screen_text(app), "its error")
        assert widths(app) == live


async def test_another_flow_opens_at_its_first_row_or_where_the_cursor_was_in_it(
    tmp_path: Path,
) -> None:
    """The cursor on row 7 of one flow put it on row 7 of the next flow shown (the same
    task, where both had one): a flow opens at its first row, or at the row the cursor
    last had in it; another run of the same flow keeps the cursor's task."""
    flows = {"first": pages_flow("first", 12), "second": pages_flow("second", 12)}
    app = FlowtopApp(FakeWorkspace(tmp_path, flows), watch=False)
    async with app.run_test(size=(100, 36)) as pilot:
        table = app.table
        await wait_for(pilot, lambda: "fetch_page-12" in screen_text(app), "the rows")
        assert table.move_to("fetch_page-7")
        app.flow_list.select_flow("second")
        await wait_for(pilot, lambda: app.selected_flow == "second", "the second flow")
        assert table.cursor_key == "fetch_page"  # its first row, not row 7
        assert table.move_to("fetch_page-3")
        app.flow_list.select_flow("first")
        await wait_for(pilot, lambda: app.selected_flow == "first", "the first flow again")
        assert table.cursor_key == "fetch_page-7"  # where it was in this flow
        app.flow_list.select_flow("second")
        await wait_for(pilot, lambda: app.selected_flow == "second", "the second flow again")
        assert table.cursor_key == "fetch_page-3"
        await pilot.press("r")  # a run of the flow shown: the cursor keeps its task
        await wait_for(pilot, lambda: table.run is not None and table.run.run_id, "the run")
        assert table.cursor_key == "fetch_page-3"
        await wait_for(
            pilot,
            lambda: table.run is not None and table.run.state is S.COMPLETED,
            "the run to end",
        )
