"""An explorer's findings on the history screens and the TRY column.

A run page of 10,001 tasks filled its table 500 rows a frame for seconds with no sign
of it, and End (G) went to the last row so far (work-2500), not to the last one. The
runs list said ``· → more columns`` at 120 columns, every column fitting, until its
first refresh: it was worked out before the table was laid out (0 cells wide). The
main table's TRY took the long form, 12 cells more, for one row of 5,001 while 5,000
errors were cut 12 cells short.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens import run_detail
from flowtop.tui.screens.history import HistoryScreen
from flowtop.tui.screens.run_detail import MORE_HINT, RunDetailScreen
from flowtop.workspace.history_records import RunDetail, RunRecord, TaskRecord
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace
from .snapshot_apps import T0, HostApp

TASKS = 2_001


def work(n: int) -> TaskRecord:
    key = "work" if n == 1 else f"work-{n}"
    return TaskRecord(key, "COMPLETED", 1, 1, "", None, False, "", None, None, T0, 0.1, T0)


def big_run(tasks: int = TASKS) -> RunDetail:
    run = RunRecord(
        "run-1", "big", 1, "COMPLETED", T0, T0 + 1, 1.0, None, None, {"COMPLETED": tasks}, tasks
    )
    return RunDetail(run, tuple(work(n) for n in range(1, tasks + 1)))


def loading_sign(app: HostApp) -> str:
    return str(app.screen.query_one("#attempts", VerticalScroll).border_title or "")


def attempts_pane(app: HostApp) -> str:
    return str(app.screen.query_one("#attempt-text", Static).render())


class Pace:
    """Lets the run page add its next chunk of rows only as the test says (``allow``):
    headless, with no frame to draw, it filled 2,001 rows before a test could look."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.allowed = 0
        more_rows = RunDetailScreen._more_rows

        def paced(screen: RunDetailScreen) -> None:
            if self.allowed <= 0:
                screen.set_timer(0.01, screen._more_rows)  # asked again soon
                return
            self.allowed -= 1
            more_rows(screen)

        monkeypatch.setattr(run_detail, "ROWS_AT_ONCE", 20)
        monkeypatch.setattr(RunDetailScreen, "_more_rows", paced)

    def allow(self, chunks: int) -> None:
        self.allowed += chunks


async def test_a_big_runs_page_says_its_rows_still_come_and_end_goes_to_the_last_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pace = Pace(monkeypatch)
    app = HostApp(lambda: RunDetailScreen(big_run()))
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "the run page")
        table = app.screen.query_one("#tasks", DataTable)
        await wait_for(pilot, lambda: table.row_count == 20, "the first rows")
        await wait_for(pilot, lambda: loading_sign(app) == "loading 20 of 2,001 rows", "the sign")
        pace.allow(1)
        await wait_for(pilot, lambda: loading_sign(app) == "loading 40 of 2,001 rows", "more")
        await pilot.press("G")
        assert table.cursor_row == 39  # the last row so far
        pace.allow(TASKS)
        await wait_for(pilot, lambda: table.row_count == TASKS, "every row", 60)
        await pilot.pause()
        assert loading_sign(app) == ""  # the sign goes with the last row
        assert table.cursor_row == TASKS - 1, table.cursor_row  # it stayed on row 40
        await wait_for(pilot, lambda: attempts_pane(app).startswith("work-2001"), "its attempts")
        await pilot.press("k")  # the pane follows the cursor
        await wait_for(pilot, lambda: attempts_pane(app).startswith("work-2000"), "the row above")

    # Moved away from the last row since, the cursor stays where it was put.
    pace = Pace(monkeypatch)
    app = HostApp(lambda: RunDetailScreen(big_run()))
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "the run page")
        table = app.screen.query_one("#tasks", DataTable)
        await wait_for(pilot, lambda: table.row_count == 20, "the first rows")
        await pilot.press("G", "k")
        pace.allow(TASKS)
        await wait_for(pilot, lambda: table.row_count == TASKS, "every row", 60)
        await pilot.pause()
        assert table.cursor_row == 18
        assert attempts_pane(app).startswith("work-19")


class OneRunHistory:
    """One small run: every column of the runs list fits at 120 columns."""

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return [big_run(1).run]

    def count(self, flow: str | None = None) -> int:
        return 1

    def run_detail(self, run_id: str) -> RunDetail:
        return big_run(1)


async def test_the_runs_list_says_more_columns_only_when_some_are_past_its_edge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headings: list[str] = []
    update = Static.update

    def recorded(self: Static, *args: Any, **kwargs: Any) -> None:
        update(self, *args, **kwargs)
        if self.id == "heading":
            headings.append(str(self.render()))

    monkeypatch.setattr(Static, "update", recorded)
    for width in (120, 50):  # every column fits; Duration and Rerun of past the edge
        headings.clear()
        app = HostApp(lambda: HistoryScreen(OneRunHistory(), "big"))
        async with app.run_test(size=(width, 20)) as pilot:
            await wait_for(pilot, lambda: "1 run" in "".join(headings[-1:]), "the heading")
            await pilot.pause()
        if width == 50:
            assert headings[-1].endswith(MORE_HINT.strip()), headings
        else:  # not even for a frame, before the table was laid out
            assert not [said for said in headings if MORE_HINT.strip() in said], headings


def mostly_failing_flow(failing: int) -> Flow:
    """``fetch`` … ``fetch-N`` fail with a long error (no retries: TRY ``1/1``); one plain
    ``total`` retries on Retry only (TRY ``1/1 (+3 on Retry)``)."""

    @task(max_retries=0)
    def fetch() -> int:
        raise ConnectionError("upstream host shard-7.example.internal refused the connection")

    @task
    def total() -> int:
        return 0

    flow = Flow("mostly-failing")
    for i in range(1, failing + 1):
        flow.add_task(fetch, key="fetch" if i == 1 else f"fetch-{i}")
    flow.add_task(total, key="total")
    return flow


@pytest.fixture
def mostly_failing(tmp_path: Path) -> Iterator[FakeWorkspace]:
    ws = FakeWorkspace(tmp_path, {"mostly-failing": mostly_failing_flow(60)})
    yield ws
    for runner in ws.runners:
        runner.shutdown(wait=True)


async def test_one_row_of_many_does_not_take_last_errors_cells_for_the_long_try(
    mostly_failing: FakeWorkspace,
) -> None:
    app = FlowtopApp(mostly_failing, watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.state is StateType.FAILED,
            "the run to fail",
        )
        await pilot.pause()
        table = app.table
        columns = table.columns(table.scrollable_content_region.width)
        assert columns.compact and columns.attempts == len("1/1+3"), columns
        line = next(ln for ln in screen_text(app).splitlines() if "▕fetch " in ln)
        assert " 1/1   " in line and "ConnectionError: upstream host shard-" in line, line
