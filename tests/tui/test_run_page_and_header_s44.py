"""A run's page in the history follows a live run; the run header keeps its time whole;
the history's counts are grouped as the main screen's are."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from flowtop.engine.states import StateType
from flowtop.tui.model import RunModel
from flowtop.tui.row_views import state_counts_text as counts_text
from flowtop.tui.screens import run_detail as run_page
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.tui.widgets.run_header import RunHeader
from flowtop.workspace.history_records import AttemptRecord, RunDetail, RunRecord, TaskRecord
from pilot_kit import screen_text, wait_for

from .snapshot_apps import HostApp

TASKS = 30  # more than the page's table shows at 100×20: it scrolls


def attempt(state: str, *, retry_in: float | None = None) -> AttemptRecord:
    error = "ValueError" if state == "FAILED" else None
    return AttemptRecord(1, state, 10.0, 0.5, None, error, "boom", None, "", retry_in, "")


def task(n: int, state: str, *attempts: AttemptRecord) -> TaskRecord:
    return TaskRecord(
        f"task-{n}", state, len(attempts), 4, "", None, False, "", None, None, 10.0, 1.0, 11.0,
        attempts,
    )  # fmt: skip


def etl_run(state: str, duration: float | None) -> RunRecord:
    return RunRecord("run-10", "etl", 10, state, 10.0, None, duration, None, None, {}, TASKS)


LIVE = RunDetail(
    etl_run("RUNNING", None),
    tuple(task(n, "AWAITING_RETRY", attempt("FAILED", retry_in=5.0)) for n in range(TASKS)),
)
ENDED = RunDetail(
    etl_run("FAILED", 17.0),
    tuple(task(n, "FAILED", attempt("FAILED"), attempt("FAILED")) for n in range(TASKS)),
)


class OneRunHistory:
    """The history of one run, as it is now (``detail``), counting its reads."""

    def __init__(self, detail: RunDetail) -> None:
        self.detail = detail
        self.reads = 0

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return [self.detail.run]

    def count(self, flow: str | None = None) -> int:
        return 1

    def run_detail(self, run_id: str) -> RunDetail:
        self.reads += 1
        return self.detail


async def test_a_live_runs_page_follows_it_until_it_ends_keeping_the_view(monkeypatch) -> None:
    """It read `▶ Running · … · unfinished` and `waiting to retry` for good, after the
    run had failed, until left and opened again."""
    monkeypatch.setattr(run_page, "REFRESH", 0.05)
    store = OneRunHistory(LIVE)
    app = HostApp(lambda: RunDetailScreen(LIVE, store))
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#tasks", DataTable)
        heading = app.screen.query_one("#heading", Static)
        # to the last row, past the rows shown (the table scrolled), then back up to row 25
        await pilot.press("end", *["up"] * (TASKS - 1 - 25))
        await pilot.pause()
        scrolled = table.scroll_y
        assert table.cursor_row == 25 and scrolled > 0
        assert "unfinished" in str(heading.render())
        store.detail = ENDED
        await wait_for(pilot, lambda: "✗ Failed" in str(heading.render()), "the run's end", 5)
        await pilot.pause()
        assert "17.0s" in str(heading.render()) and "unfinished" not in str(heading.render())
        assert (table.cursor_row, table.scroll_y) == (25, scrolled)  # the view kept
        assert str(table.get_row_at(25)[1]) == "✗ Failed"
        shown = str(app.screen.query_one("#attempt-text", Static).render())
        assert shown.startswith("task-25") and "waiting to retry" not in shown, shown
        reads = store.reads
        await pilot.pause(0.3)  # six refreshes' time: the run has ended, none reads
        assert store.reads == reads


class HeaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RunHeader()


LONG = "slow-flow-with-a-very-long-name-indeed"


@pytest.mark.parametrize(
    ("flow", "number", "ended", "width", "line"),
    [
        (LONG, 4, False, 58, "slow-flow-with-a-very-long-name…  run #4  ▶ Running  1m05s"),
        (LONG, 4, False, 34, "slow-fl…  run #4  ▶ Running  1m05s"),
        (LONG, 4, False, 28, "run #4  ▶ Running  1m05s"),  # no room for even `slow…`
        ("etl", 10, True, 40, "etl  run #10  ✗ Failed  1m05s  a long n…"),  # the note cut
        ("etl", 10, True, 26, "run #10  ✗ Failed  1m05s"),  # as at 40×12, beside the list
    ],
)
async def test_the_run_header_cuts_the_flow_name_before_the_runs_time(
    flow: str, number: int, ended: bool, width: int, line: str
) -> None:
    """`slow-flow-with-…  run #4  ▶ Running  1.…` at 60 columns, `etl  run #10  ✗ Failed
    1…` at 40: the name kept 16 cells and the time was cut."""
    app = HeaderApp()
    async with app.run_test(size=(width, 3)) as pilot:
        run = RunModel(flow, (), run_id="r", number=number)
        run.started = 0.0  # on the monitor's clock: 65 s before ``now``
        if ended:
            run.state, run.duration = StateType.FAILED, 65.0
            run.note = "a long note that gives way before the time does"
        app.query_one(RunHeader).show(flow, run, 65.0)
        await pilot.pause()
        shown = screen_text(app).splitlines()[0].rstrip()
    assert shown == line


def test_history_counts_are_grouped_as_the_main_screens() -> None:
    assert counts_text({"COMPLETED": 1001, "INTERRUPTED": 2000}) == "✓ 1,001  ⚡ 2,000"
