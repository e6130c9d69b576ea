"""A past run's Last error says what the main screen's LAST ERROR says of the same task.

On the main screen a task that failed twice and then completed keeps `ConnectionError: …`
in LAST ERROR, and an upstream-failed or cancelled task says why (`upstream task 'extract'
failed`); opened from the history (`h`, Enter), the same run's Last error was blank for
all three, so a flaky task could not be told from a steady one there.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace.history_records import AttemptRecord, RunDetail, RunRecord, TaskRecord
from pilot_kit import wait_for

from .snapshot_apps import T0, HostApp

RUN = RunRecord(
    run_id="run-1",
    flow="etl",
    number=3,
    state="FAILED",
    started=T0,
    finished=T0 + 9,
    duration=9.0,
    rerun_of=None,
    rerun_of_number=None,
    counts={"COMPLETED": 2, "FAILED": 1, "UPSTREAM_FAILED": 1, "CANCELLED": 1},
    tasks=5,
)


def attempt(number: int, state: str, error: str | None = None) -> AttemptRecord:
    return AttemptRecord(
        number, state, T0 + number, 0.5, None if error else "1", "ConnectionError" if error
        else None, error, None, "", 2.0 if error else None, "",
    )  # fmt: skip


def task(key: str, state: str, *attempts: AttemptRecord, message: str = "") -> TaskRecord:
    failed = state == "FAILED"
    return TaskRecord(
        key, state, len(attempts), 4, "", None, False, message,
        "ValueError" if failed else None, "bad row 7" if failed else None,
        T0, 0.5, T0 + 0.5, attempts,
    )  # fmt: skip


DETAIL = RunDetail(
    RUN,
    (
        task("steady", "COMPLETED", attempt(1, "COMPLETED")),
        task(
            "flaky",
            "COMPLETED",
            attempt(1, "FAILED", "connection reset"),
            attempt(2, "FAILED", "connection refused"),
            attempt(3, "COMPLETED"),
        ),
        task("load", "FAILED", attempt(1, "FAILED")),
        task("report", "UPSTREAM_FAILED", message="upstream task 'load' failed"),
        task("notify", "CANCELLED", message="cancelled by the user"),
    ),
)


def last_errors(app: HostApp) -> dict[str, str]:
    table = app.screen.query_one("#tasks", DataTable)
    column = table.ordered_columns[-1].key
    cells = {str(row.value): table.get_cell(row, column) for row in table.rows}
    return {key: cell.plain if isinstance(cell, Text) else str(cell) for key, cell in cells.items()}


async def test_last_error_names_a_retried_tasks_error_and_why_a_task_did_not_run() -> None:
    app = HostApp(lambda: RunDetailScreen(DETAIL))
    async with app.run_test(size=(160, 20)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#tasks"), "the run's tasks")
        await wait_for(pilot, lambda: len(last_errors(app)) == 5, "every task's row")
        assert last_errors(app) == {
            "steady": "",
            "flaky": "ConnectionError: connection refused",  # its last attempt's error
            "load": "ValueError: bad row 7",
            "report": "upstream task 'load' failed",
            "notify": "cancelled by the user",
        }


async def test_a_narrow_page_cuts_those_errors_too() -> None:
    """Fitted to the room there is, as the task's own error is (``_fit_cells``)."""
    app = HostApp(lambda: RunDetailScreen(DETAIL))
    async with app.run_test(size=(160, 20)) as pilot:
        await wait_for(pilot, lambda: len(last_errors(app)) == 5, "every task's row")
        await pilot.resize_terminal(70, 20)
        await wait_for(pilot, lambda: last_errors(app)["flaky"].endswith("…"), "the error cut")
        assert last_errors(app)["flaky"].startswith("Conn")
