"""Three defects of the monitor's tables (session 58).

- TRY kept 5 cells for budgets under 10 (``3/4``), so at 80 columns the bundled
  predicate flow's POLICY read ``3× 0.5s if predica…``, one cell short, where the row's
  texts fitted the table.
- In the history screen, `a` back from all flows' runs to one flow's left the Flow and
  State columns as wide as all flows' cells until the terminal was resized.
- A monitor opened after a settings change showed a finished run's TRY against its own
  budget (``1/5``) beside the next run's policy (``1× …``), with no ``≠``: a monitor
  open while the settings changed marks it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from textual.widgets import DataTable

import fork_cli
from flowtop.engine.events import TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.screens import HistoryScreen
from flowtop.tui.widgets.column_fit import (
    GAP,
    STATE_WIDTH,
    TASK_MIN,
    TIME_WIDTH,
    Content,
    layout_columns,
)
from flowtop.tui.widgets.task_table import TaskTable
from flowtop.workspace import Workspace
from flowtop.workspace.history_records import RunDetail, RunRecord
from pilot_kit import screen_text, wait_for, wait_for_run

from .snapshot_apps import HostApp

S = StateType
PREDICATE_POLICY = "3× 0.5s if predicate"


def table_lines(app: FlowtopApp) -> list[str]:
    """The task table's lines as on screen (header first), from its left edge."""
    region = app.table.region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return [line[region.x : region.right] for line in lines]


def shown_flow(app: FlowtopApp) -> str | None:
    return app.table.run.flow if app.table.run is not None else None


def room_needed(table: TaskTable, policy: str) -> int:
    """The cells a row needs for ``policy`` whole beside every other column's widest text
    (no LAST ERROR: the flows have not run)."""
    run = table.run
    assert run is not None
    rows = [run.rows[key] for key in run.order]
    task = max(TASK_MIN, *(cell_len(row.key) for row in rows))
    tries = max(cell_len("TRY"), *(len(row.attempt_text()) for row in rows))
    policy_column = max(cell_len("POLICY"), cell_len(policy))
    return task + STATE_WIDTH + tries + TIME_WIDTH + policy_column + 4 * GAP


def check_exact(table: TaskTable, width: int) -> None:
    """At a table ``width``: the last column ends at its right edge, and a row's POLICY
    is whole wherever the row's texts fit (``room_needed``), else cut there with `…`."""
    run = table.run
    assert run is not None
    tries, share = run.try_widths, (run.long_try_rows, len(run.order))
    columns = table._fit(width, tries, share)  # (``columns`` lays out the table's own width)
    shown = [size for size in columns.widths() if size]
    assert sum(shown) + GAP * (len(shown) - 1) == width, (run.flow, width, columns)
    for key in run.order:
        row = run.rows[key]
        line = table.render_row(row, columns, width, Style(), cursor=False).text
        policy = table.policy_text(row)
        if room_needed(table, policy) <= width:
            assert policy in line, (run.flow, width, line)
        elif columns.policy:
            assert line.endswith("…") and cell_len(line) == width, (run.flow, width, line)


async def test_policy_is_whole_wherever_the_row_fits_at_60_to_120_columns(
    bundled_workspace: Workspace,
) -> None:
    """Each table width a terminal of 60-120 columns gives (the flows pane beside it
    takes 18-20 of them); on screen at 60, 80 and 120."""
    app = FlowtopApp(bundled_workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "predicate-flow" in screen_text(app), "the flows")
        for flow in ("predicate-flow", "etl", "retry-on-flow", "example-flow"):
            app._select_flow(flow)
            await wait_for(pilot, lambda f=flow: shown_flow(app) == f, flow)
            for width in range(40, 103):
                check_exact(app.table, width)
        app._select_flow("predicate-flow")
        for width in (60, 80, 120):
            await pilot.resize_terminal(width, 24)
            await wait_for(pilot, lambda w=width: app.table.region.right == w, f"{width} columns")
            await wait_for(  # (fitted a frame after the resize)
                pilot,
                lambda: (
                    (PREDICATE_POLICY in table_lines(app)[1])
                    == (app.table.scrollable_content_region.width >= 59)
                ),
                f"the policy whole at {width} columns exactly when it fits",
            )


async def test_at_80_columns_the_predicate_flow_s_policy_is_whole_before_and_after_a_run(
    bundled_workspace: Workspace,
) -> None:
    app = FlowtopApp(bundled_workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "predicate-flow" in screen_text(app), "the flows")
        app.flow_list.select_flow("predicate-flow")
        await wait_for(pilot, lambda: "poll_job" in screen_text(app), "its task")
        assert PREDICATE_POLICY in table_lines(app)[1], table_lines(app)  # old: `predica…`
        await pilot.press("r")
        await wait_for_run(pilot, app, S.COMPLETED)
        await wait_for(  # (the columns are fitted again a frame after the run's end)
            pilot,
            lambda: table_lines(app)[1].rstrip().endswith(PREDICATE_POLICY),
            "the policy whole after the run",
        )
        assert "3/4" in table_lines(app)[1]


# -- the history screen: `a` and the Flow column -------------------------------------------


def record(number: int, flow: str, parameters: dict[str, Any] | None = None) -> RunRecord:
    return RunRecord(
        f"run-{number:04d}", flow, number, "COMPLETED", 1000.0 + number, 1000.5 + number,
        0.5, None, None, {"COMPLETED": 1}, 1, parameters=parameters or {},
    )  # fmt: skip


class TwoFlows:
    """Runs of ``etl`` and of a flow whose long name and parameters fill its Flow cell."""

    def __init__(self) -> None:
        wide = {"regions": ["north-east-and-a-long-region", "west-coast-region"]}
        self.records = [
            record(3, "regional-report", wide),
            record(2, "etl"),
            record(1, "etl"),
        ]

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return [r for r in self.records if flow is None or r.flow == flow][:limit]

    def count(self, flow: str | None = None) -> int:
        return len(self.runs(flow))

    def run_detail(self, run_id: str) -> RunDetail:
        return RunDetail(next(r for r in self.records if r.run_id == run_id))


def flow_column(app: HostApp) -> int:
    table = app.screen.query_one("#runs", DataTable)
    return table.ordered_columns[0].get_render_width(table)


async def test_a_back_to_one_flow_s_runs_narrows_the_flow_column_at_once() -> None:
    app = HostApp(lambda: HistoryScreen(TwoFlows(), "etl"))  # type: ignore[arg-type]
    async with app.run_test(size=(120, 20)) as pilot:
        await wait_for(pilot, lambda: "flow etl · 2 runs" in screen_text(app), "etl's runs")
        one_flow = flow_column(app)
        await pilot.press("a")
        await wait_for(pilot, lambda: "all flows · 3 runs" in screen_text(app), "all runs")
        await wait_for(pilot, lambda: flow_column(app) > one_flow, "the Flow column to widen")
        await pilot.press("a")
        await wait_for(pilot, lambda: "flow etl · 2 runs" in screen_text(app), "etl's again")
        await wait_for(pilot, lambda: flow_column(app) == one_flow, "the Flow column to narrow")


# -- a monitor opened after a settings change ----------------------------------------------

FLOW_FILE = """\
from flowtop import Flow, task


@task(max_retries=1)
def fetch():
    return 1


with Flow("nightly") as flow:
    fetch()
"""


async def test_a_monitor_opened_after_a_settings_change_marks_the_run_s_own_policy(
    tmp_path: Path,
) -> None:
    """``flowtop run`` with ``max_retries = 4`` in flowtop.toml, which is then deleted:
    a monitor opened now shows TRY ``1/5`` beside the run's own policy and the next's."""
    (tmp_path / "nightly.py").write_text(FLOW_FILE)
    settings = tmp_path / "flowtop.toml"
    settings.write_text('[flows."nightly".tasks."fetch"]\nmax_retries = 4\n')
    done = fork_cli.run(
        ["run", ".", "--quiet"],
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    settings.unlink()
    workspace = Workspace(tmp_path)
    workspace.load()
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    try:
        async with app.run_test(size=(120, 24)) as pilot:
            await wait_for(pilot, lambda: app.store.latest_for("nightly") is not None, "run #1")
            app.flow_list.select_flow("nightly")
            await wait_for(pilot, lambda: "1/5" in screen_text(app), "the run's row")
            line = next(line for line in table_lines(app) if line.startswith("fetch"))
            assert "≠ 4× 0s → 1× 0s" in line, line  # old: `1× 0s` alone beside `1/5`
            assert "Retry policy for this run" in screen_text(app)  # the pane says it too
            app.shutdown(cancel=True)
    finally:
        workspace.close()


# -- the arithmetic itself -----------------------------------------------------------------


def test_a_short_policy_shows_whole_where_its_title_fits() -> None:
    """``3× 1s`` beside a 7-cell name at a 44-cell table (a 64-column terminal): POLICY
    was left out, as a policy cut under ``POLICY_MIN`` is, and TASK padded to the edge."""
    columns = layout_columns(44, 3, Content(7, 5, 0))
    assert (columns.task, columns.policy) == (7, 6), columns


def test_a_budget_said_only_by_a_task_s_events_widens_try() -> None:
    """A start that did not say its budgets (an older flowtop's): TRY is laid out as
    their events say them, ``10/12`` whole, now that it is as narrow as ``3/4`` needs."""
    run = RunModel("f", ["fetch"], run_id="r1", number=1, started=1000.0)
    assert run.try_widths == (3, 3)
    run.apply(TaskStateChanged("r1", "f", "fetch", S.RUNNING, 10, max_attempts=12, ts=1001.0))
    assert run.try_widths[0] >= len("10/12") and run.rows["fetch"].attempt_text() == "10/12"
