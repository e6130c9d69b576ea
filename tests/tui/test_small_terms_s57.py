"""The monitor on small terminals and 16-colour ones (explorer rv354's findings).

- On TERM=screen the history screens' cursor row and the retry editor's Save were bright
  white on cyan (~2:1), where the main table uses the terminal's own blue.
- The history tables cut the column at the right edge mid-value with no `…` (`0.51ms`
  read `0.51m`, `Duratio`), and in all flows' runs one `→` scrolled the flow away.
- The retry editor at 40x12: the focused field's label scrolled out of view.
- An empty LAST ERROR kept its 10 cells while POLICY was cut (`3× 0.5s…`).
- The flows pane is capped at 30% of a narrow terminal; the docs promised a third.
- The command palette covered its footer under 24 rows.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Button, DataTable

from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens import HistoryScreen, RetryEditor
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.tui.widgets.column_fit import Content, layout_columns
from flowtop.workspace import Workspace
from flowtop.workspace.history_records import RunDetail, RunRecord, TaskRecord
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace, LoadWorkspace
from .snapshot_apps import T0, HostApp
from .test_history_screen_scroll import Runs

#: ANSI colour numbers: the terminal's own blue, and its bright white.
BLUE, BRIGHT_WHITE = 4, 15


async def settle(pilot: Any, frames: int = 4) -> None:
    for _ in range(frames):
        await pilot.pause()


# -- 16 colours: the cursor row and Save in the terminal's own blue ----------------------


def ansi16_app(workspace: FakeWorkspace) -> FlowtopApp:
    app = FlowtopApp(workspace, watch=False)
    app.colour_mode = "ansi16"
    return app


async def test_on_16_colours_the_history_cursor_row_is_white_on_blue(
    workspace: FakeWorkspace,
) -> None:
    app = ansi16_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(HistoryScreen(Runs(3), "etl"))  # type: ignore[arg-type]
        await wait_for(pilot, lambda: app.screen.query("#runs"), "the runs list")
        table = app.screen.query_one("#runs", DataTable)
        await wait_for(pilot, lambda: table.row_count == 3 and table.has_focus, "its rows")
        cursor = table.get_component_rich_style("datatable--cursor")
        assert cursor.bgcolor is not None and cursor.bgcolor.number == BLUE, cursor
        assert cursor.color is not None and cursor.color.number == BRIGHT_WHITE, cursor


async def test_on_16_colours_the_retry_editor_s_save_is_white_on_blue(
    workspace: FakeWorkspace,
) -> None:
    app = ansi16_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(RetryEditor(workspace, "demo", "flaky"))  # type: ignore[arg-type]
        await wait_for(pilot, lambda: app.screen.query("#save"), "the editor")
        await settle(pilot)
        save = app.screen.query_one("#save", Button).rich_style
        assert save.bgcolor is not None and save.bgcolor.number == BLUE, save
        assert save.color is not None and save.color.number == BRIGHT_WHITE, save


# -- history tables: a value cut by the right edge ends in `…` ---------------------------


def task_record(key: str, duration: float) -> TaskRecord:
    return TaskRecord(
        key, "COMPLETED", 1, 1, "3× 0s on Retry only", "1", False, "", None, None,
        T0, duration, T0 + duration,
    )  # fmt: skip


RUN = RunRecord(
    "run-1", "slow", 1, "COMPLETED", T0, T0 + 48.3, 48.3, None, None, {"COMPLETED": 2}, 2
)
DETAIL = RunDetail(RUN, (task_record("always_fails", 0.00051), task_record("sleeper", 30.1)))


def table_lines(app: Any, table_id: str) -> list[str]:
    """The screen's lines the table ``table_id`` takes, as wide as it is shown."""
    region = app.screen.query_one(table_id, DataTable).region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return [line[region.x : region.right] for line in lines]


@pytest.mark.parametrize("width", [44, 60])
async def test_a_run_page_s_value_cut_by_the_edge_ends_in_an_ellipsis(width: int) -> None:
    app = HostApp(lambda: RunDetailScreen(DETAIL))
    async with app.run_test(size=(width, 20)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#tasks"), "the run's page")
        await settle(pilot)
        for _ in range(3):  # each column in turn at the right edge
            text = "\n".join(table_lines(app, "#tasks"))
            assert "0.51m " not in text + " " and "Duratio " not in text + " ", text
            for cut in ("0.51", "30.", "Durati", "Attempt"):
                for line in text.splitlines():
                    edge = line.rstrip("▁▂▃▄▅▆▇█▉▊▋▌▍▎▏ ")
                    assert not edge.endswith(cut), (cut, text)
            await pilot.press("right")
            await settle(pilot)


async def test_the_runs_list_at_40_columns_keeps_the_flow_and_cuts_with_ellipsis() -> None:
    runs = Runs(3)
    flows = ((3, "regional-report"), (2, "etl"), (1, "predicate-flow"))
    runs.records = [
        RunRecord(f"run-{n}", flow, n, "COMPLETED", T0 + n, T0 + n + 1, 1.0, None, None, {}, 3)
        for n, flow in flows
    ]
    app = HostApp(lambda: HistoryScreen(runs, None))  # type: ignore[arg-type]
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#runs"), "the runs list")
        table = app.screen.query_one("#runs", DataTable)
        await wait_for(pilot, lambda: table.row_count == 3, "its rows")
        await settle(pilot)
        for _ in range(4):
            lines = table_lines(app, "#runs")
            text = "\n".join(lines)
            assert "✓ Comple " not in text + " ", text
            for flow in ("regi", "etl", "pred"):  # every row says its flow and number
                assert any(line.lstrip().startswith(flow) for line in lines), text
            await pilot.press("right")
            await settle(pilot)


# -- the retry editor at 40x12: the focused field's label in view ------------------------

LONG_NAMES = """\
from flowtop import Flow, task

@task(max_retries=2, retry_delay=1)
def extract_customer_records_from_the_warehouse_and_check_them():
    return 1

with Flow("nightly-warehouse-customer-report") as flow:
    extract_customer_records_from_the_warehouse_and_check_them()
"""

WIDE_NAMES = """\
from flowtop import Flow, task

@task(max_retries=1, retry_delay=0.2)
def 数据提取_extract_customer_records_from_warehouse():
    return 1

with Flow("每日报告-nightly-warehouse-customer-report") as flow:
    数据提取_extract_customer_records_from_warehouse()
"""


@pytest.mark.parametrize(
    ("files", "flow", "task"),
    [
        (
            {"long.py": LONG_NAMES},
            "nightly-warehouse-customer-report",
            "extract_customer_records_from_the_warehouse_and_check_them",
        ),
        (
            {"wide.py": WIDE_NAMES},
            "每日报告-nightly-warehouse-customer-report",
            "数据提取_extract_customer_records_from_warehouse",
        ),
    ],
)
async def test_at_40x12_the_focused_field_shows_its_label(
    load_workspace: LoadWorkspace, files: dict[str, str], flow: str, task: str
) -> None:
    workspace: Workspace = load_workspace(files)
    app = HostApp(lambda: RetryEditor(workspace, flow, task))
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#field-max_retries"), "the editor")
        await settle(pilot)
        assert "Max retries" in screen_text(app), screen_text(app)
        for key, label in (("7", "Max retries"), ("tab", "Delay (s)"), ("3", "Delay (s)")):
            await pilot.press(key)
            await settle(pilot)
            assert label in screen_text(app), (key, screen_text(app))
        await pilot.press("shift+tab")
        await settle(pilot)
        assert "Max retries" in screen_text(app), screen_text(app)


# -- an empty LAST ERROR gives POLICY its room -------------------------------------------


@pytest.mark.parametrize(
    ("width", "task", "policy"),
    [(61, 8, 20), (62, 6, 18), (64, 6, 24)],
)
def test_an_empty_last_error_gives_way_before_policy_is_cut(
    width: int, task: int, policy: int
) -> None:
    columns = layout_columns(width, content=Content(task, policy, 0))
    assert columns.policy >= policy, columns
    shown = [size for size in columns.widths() if size]
    assert sum(shown) + len(shown) - 1 <= width  # with a cell between two columns


def test_with_an_error_shown_last_error_keeps_its_title() -> None:
    columns = layout_columns(58, content=Content(8, 20, 12))
    assert columns.error >= 10, columns


async def test_predicate_flow_s_policy_shows_whole_at_82_columns(
    bundled_workspace: Workspace,
) -> None:
    """(At 80 the pane beside the flows has 60 columns, one short of it.)"""
    app = FlowtopApp(bundled_workspace, watch=False)
    async with app.run_test(size=(82, 24)) as pilot:
        await wait_for(pilot, lambda: "predicate-flow" in screen_text(app), "the flows")
        app._select_flow("predicate-flow")
        await wait_for(pilot, lambda: "poll_job" in screen_text(app), "its tasks")
        await settle(pilot)
        assert "3× 0.5s if predicate" in screen_text(app), screen_text(app)


# -- the flows pane: the docs say the share the stylesheet gives it --------------------


def test_the_docs_say_the_flows_pane_s_share_as_the_stylesheet_sets_it() -> None:
    """The docs promised a third of a narrow terminal; ``flowtop.tcss`` gives 30%."""
    root = Path(__file__).parents[2]
    tcss = (root / "app/flowtop/tui/flowtop.tcss").read_text(encoding="utf-8")
    rule = re.search(r"#flows \{[^}]*max-width: (\d+)%", tcss)
    assert rule is not None
    docs = " ".join((root / "docs/monitor.md").read_text(encoding="utf-8").split())
    assert f"at most {rule[1]}% of a narrow terminal" in docs


# -- the command palette keeps its footer ------------------------------------------------


@pytest.mark.parametrize("size", [(80, 21), (80, 22), (80, 23), (60, 20), (40, 12)])
async def test_the_palette_s_footer_shows_on_a_short_screen(
    workspace: FakeWorkspace, size: tuple[int, int]
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        results = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: results.region.area > 0, "its list")
        await settle(pilot)
        last = screen_text(app).splitlines()[-1]
        assert "Close" in last, screen_text(app)
        assert results.region.height >= 3  # a command still in sight
