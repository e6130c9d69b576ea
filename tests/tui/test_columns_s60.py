"""Columns on narrow screens (rv402 §6, §7).

The history's tables a few cells too wide for the screen: `→` scrolled by those few
cells, not a column, so the column past the fixed ones lost its start with no `…`
(the run page's header read `tate`, its row `Completed` with no `✓`; the runs list at
80 columns `eted`, `d`, `lled`) and a second `→` did nothing. And at 45 columns the
main table's TASK (6 cells) cut a mapped call's number: `fetch_page-990` read `fet…90`,
as a call `fetch_page-90` would, `fetch_page-1000` `fet…00`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from flowtop.engine import Flow, RunFinished, RunStarted, StateType, TaskStateChanged, task
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.history import HistoryScreen
from flowtop.workspace.history import History
from pilot_kit import screen_text, wait_for, wait_for_run, wait_for_text

from .conftest import FakeWorkspace
from .snapshot_apps import T0, HostApp

S = StateType


def params_run(run_id: str, flow: str, number: int, state: S, ts: float) -> list[Any]:
    """A run of ``flow`` given ``n=4`` (a wide Flow cell: ``withparams with n=4``), its
    one task ``double`` ending ``state``."""

    def changed(task_state: S, at: float, **extra: Any) -> TaskStateChanged:
        return TaskStateChanged(run_id, flow, "double", task_state, 1, 4, ts=at, **extra)

    return [
        RunStarted(
            run_id,
            flow,
            number,
            ("double",),
            (4,),
            ("3× on Retry only",),
            ts=ts,
            parameters='{"n": 4}',
        ),
        changed(S.RUNNING, ts + 0.001),
        changed(state, ts + 0.002, duration=0.00004, result="8"),
        RunFinished(run_id, flow, number, state, {state.value: 1}, 0.004, ts=ts + 0.004),
    ]


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    store = History(tmp_path / ".flowtop" / "history.db")
    events = params_run("run-w1", "withparams", 1, S.COMPLETED, T0)
    events += params_run("run-s1", "slowretry", 1, S.FAILED, T0 + 10)
    store.sink(events)
    yield store
    store.close()


def shown_columns(table: DataTable[Any]) -> list[str]:
    """The header's titles as the table draws them (two blanks part two columns)."""
    header = "".join(segment.text for segment in table.render_line(0))
    return re.split(r"\s{2,}", header.strip())


async def press_right_to_the_end(pilot: Any, table: DataTable[Any]) -> list[list[str]]:
    """The header's titles after each `→`, pressed until one moves nothing."""
    seen = [shown_columns(table)]
    for _ in table.ordered_columns:
        before = table.scroll_x
        await pilot.press("right")
        await pilot.pause()
        if table.scroll_x == before:
            break
        seen.append(shown_columns(table))
    return seen


def whole(titles: list[str], table: DataTable[Any]) -> None:
    """Every title drawn is a column's whole title (or one the right edge cut in `…`)."""
    names = {str(column.label) for column in table.ordered_columns}
    for title in titles:
        assert title in names or title.endswith("…"), titles


async def test_the_run_page_scrolls_a_whole_column_when_a_few_cells_are_past_the_edge(
    history: History,
) -> None:
    app = HostApp(lambda: HistoryScreen(history, "withparams"))
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for_text(pilot, app, "withparams")
        await pilot.press("enter")
        await wait_for_text(pilot, app, "→ more columns", "double")
        table = app.screen.query_one("#tasks", DataTable)
        assert shown_columns(table)[:2] == ["Task", "State"]
        seen = await press_right_to_the_end(pilot, table)
        assert len(seen) == 2, seen  # one press hides State: every other column shows
        whole(seen[-1], table)  # old: `tate`, the row `Completed` with no ✓
        assert seen[-1][:2] == ["Task", "Attempts"], seen
        assert "more columns" not in screen_text(app)
        await pilot.press("left")
        await wait_for_text(pilot, app, "→ more columns")
        assert table.scroll_x == 0 and shown_columns(table)[:2] == ["Task", "State"]


async def test_all_flows_runs_scroll_a_whole_column_at_80_columns(history: History) -> None:
    app = HostApp(lambda: HistoryScreen(history, None))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, app, "withparams with n=4", "→ more columns")
        table = app.screen.query_one("#runs", DataTable)
        seen = await press_right_to_the_end(pilot, table)
        for titles in seen:
            whole(titles, table)  # old: the header blank over `eted` and `d`
        assert seen[1][:3] == ["Flow", "#", "Counts"], seen  # State hidden whole
        assert "→ more columns" not in screen_text(app)
        rows = [line for line in screen_text(app).splitlines() if "withparams" in line]
        assert rows and "Completed" not in rows[0] and "eted" not in rows[0], rows


async def test_a_wider_screen_takes_back_the_blank_past_the_last_column(
    history: History,
) -> None:
    """Scrolled past the table's end (blank at its right), made wide enough for every
    column: back at the first, no blank kept, no column fixed."""
    app = HostApp(lambda: HistoryScreen(history, None))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, app, "→ more columns")
        table = app.screen.query_one("#runs", DataTable)
        await press_right_to_the_end(pilot, table)
        assert table.scroll_x > 0
        await pilot.resize_terminal(120, 24)
        await wait_for(pilot, lambda: table.scroll_x == 0, "the table back at its first column")
        await pilot.pause()
        assert table.max_scroll_x == 0 and table.fixed_columns == 0
        assert shown_columns(table)[:3] == ["Flow", "#", "State"]


def mapped_flow() -> Flow:
    """A mapped task's calls as ``fanout-1000`` names them, more than the table shows
    (a scrollbar), then ``count``: TRY ``1/4`` and ``1/1+3`` once run."""

    @task(retry_on=[TimeoutError], max_retries=3)
    def fetch_page() -> int:
        return 1

    @task
    def count() -> int:
        return 1

    flow = Flow("fanout-1000")
    for n in (1, *range(2, 10), 99, 990, 1000):
        flow.add_task(fetch_page, key="fetch_page" if n == 1 else f"fetch_page-{n}")
    flow.add_task(count, key="count")
    return flow


def one_task_flow(name: str) -> Flow:
    @task
    def step() -> int:
        return 1

    flow = Flow(name)
    flow.add_task(step, key="step")
    return flow


async def test_a_narrow_task_column_keeps_a_mapped_calls_number(tmp_path: Path) -> None:
    """The flows pane as wide as it goes beside it (long flow names): TASK 12 cells."""
    flows = {"fanout-1000": mapped_flow()}
    flows |= {name: one_task_flow(name) for name in ("regional-report", "predicate-flow")}
    app = FlowtopApp(FakeWorkspace(tmp_path, flows), watch=False)
    async with app.run_test(size=(45, 16)) as pilot:
        await wait_for(pilot, lambda: len(app.table.keys) == 13, "the rows")
        await pilot.press("r")
        await wait_for_run(pilot, app, S.COMPLETED)
        await pilot.press("G")
        await wait_for_text(pilot, app, "count ")
        width = app.table.columns(app.table.scrollable_content_region.width).task
        # the case seen: TASK 6 cells at 45 columns; 12 since STATE shortens (sm61)
        assert width == 12
        text = screen_text(app)
        for name in ("fetch_p…-990", "fetch_…-1000", "fetch_pa…-99"):  # old: `fet…90`
            assert f"{name} " in text, text
