"""The monitor's columns and panes are sized by what they hold (``column_fit``).

A user session found the task table's widths coming from a formula of its width alone:
at 120 columns POLICY was cut at 19 cells (an edited one read ``≠ 5× backoff 30s…``,
its new value out of sight) beside a LAST ERROR empty on most rows; at 80 TASK was 14
cells, so ``check_freshness`` read ``check_f…shness`` with room to spare elsewhere; TASK
went 24 → 25 cells when a filter hid the scrollbar; and the flows pane stayed 19
columns wide at 120, so ``warehouse-nightly`` read ``warehouse-nigh…``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.engine import Flow, Retry, exponential_backoff, task
from flowtop.engine.events import ErrorInfo
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel, TaskRow
from flowtop.tui.widgets import column_fit
from flowtop.tui.widgets.column_fit import (
    POLICY_CAP,
    Content,
    ContentMeter,
    layout_columns,
)
from pilot_kit import screen_text, wait_for

from .conftest import Calls, FakeWorkspace, reload

S = StateType
LONG_NAME = "load_customer_dimension_snapshot"  # 32 cells: TASK_CAP


def warehouse_flow(calls: Calls) -> Flow:
    """``check_freshness`` waits 30 s for its retry (a live run that lasts), with a
    policy of 19 cells: ``5× backoff 30s×2^(n-1)``."""

    @task(max_retries=5, retry_delay=exponential_backoff(30, 2))
    def check_freshness() -> int:
        if calls.bump("check_freshness") == 1:
            raise Retry("warehouse not refreshed yet")
        return 1

    @task
    def publish(fresh: int) -> int:
        return fresh

    with Flow("warehouse-nightly") as flow:
        publish(check_freshness())
    return flow


def pages_flow(n: int) -> Flow:
    """``fetch_page`` … ``fetch_page-N``: more rows than the table shows (a scrollbar)."""

    @task
    def fetch_page() -> int:
        return 1

    flow = Flow("pages")
    for i in range(1, n + 1):
        flow.add_task(fetch_page, key="fetch_page" if i == 1 else f"fetch_page-{i}")
    return flow


@pytest.fixture
def warehouse(tmp_path: Path, calls: Calls) -> Iterator[FakeWorkspace]:
    ws = FakeWorkspace(tmp_path, {"warehouse-nightly": warehouse_flow(calls)})
    yield ws
    for runner in ws.runners:
        runner.shutdown(wait=True)


def table_line(app: FlowtopApp, key: str) -> str:
    """The table's line of task ``key``, from the table's left edge."""
    left = app.table.region.x
    return next(ln[left:] for ln in screen_text(app).splitlines() if ln[left:].startswith(key))


def widths(app: FlowtopApp) -> tuple[int, ...]:
    table = app.table
    return table.columns(table.scrollable_content_region.width).widths()


async def test_an_edited_policy_shows_whole_at_120_columns_and_ticks_move_no_column(
    warehouse: FakeWorkspace,
) -> None:
    app = FlowtopApp(warehouse, watch=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: "Retry in" in table_line(app, "check_freshness"),
            "check_freshness waiting for its retry",
        )
        warehouse.set_override("warehouse-nightly", "check_freshness", max_retries=1, retry_delay=2)
        await reload(pilot, app, warehouse, "Reloaded settings")
        edited = "≠ 5× backoff 30s×2^(n-1) → 1× 2s "  # whole
        await wait_for(pilot, lambda: edited in table_line(app, "check_freshness"), "the cell")
        line = table_line(app, "check_freshness")
        assert "Retry: warehouse…" in line  # LAST ERROR keeps ERROR_KEEP cells

        shown, before = line, widths(app)
        for _ in range(2):  # the countdown ticks: no column moves
            await wait_for(
                pilot,
                lambda: table_line(app, "check_freshness") != shown,  # noqa: B023 - read at once
                "the countdown to tick",
            )
            shown = table_line(app, "check_freshness")
            assert widths(app) == before


async def test_at_80_columns_a_task_name_shows_whole(tmp_path: Path, calls: Calls) -> None:
    flow = pages_flow(20)  # rows past the table's foot: a scrollbar
    check = warehouse_flow(calls).nodes["check_freshness"].task
    flow.add_task(check, key="check_freshness")
    ws = FakeWorkspace(tmp_path, {"pages": flow})
    app = FlowtopApp(ws, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "fetch_page " in screen_text(app), "the rows")
        assert app.table.max_scroll_y > 0
        await pilot.press("G")
        await wait_for(pilot, lambda: "check_" in screen_text(app), "the last row")
        line = table_line(app, "check_")  # it read `check_f…shness`: TASK was 14 cells
        assert line.startswith("check_freshness ·"), line


async def test_a_filter_moves_no_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = FakeWorkspace(tmp_path, {"pages": pages_flow(60)})
    app = FlowtopApp(ws, watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: "fetch_page-2 " in screen_text(app), "the rows")
        table = app.table
        assert table.max_scroll_y > 0  # a scrollbar beside the rows
        before = widths(app)
        assert before[0] == len("fetch_page-60")  # TASK as wide as the longest name
        measured: list[int] = []
        widest_name = column_fit.widest_name
        monkeypatch.setattr(
            column_fit, "widest_name", lambda run: measured.append(1) or widest_name(run)
        )
        await pilot.press("slash", *"page-6")
        await wait_for(pilot, lambda: len(table.keys) == 2, "the filter to leave two rows")
        await wait_for(pilot, lambda: table.max_scroll_y == 0, "the scrollbar to go")
        assert widths(app)[:-1] == before[:-1]  # TASK went 24 → 25 cells
        assert widths(app)[-1] >= before[-1]  # LAST ERROR takes the scrollbar's cell
        assert not measured  # the widths are the run's rows', not the filter's


async def test_the_flows_pane_fits_the_longest_flow_name(warehouse: FakeWorkspace) -> None:
    app = FlowtopApp(warehouse, watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: "warehouse-nightly" in screen_text(app), "its name")
        # (19 columns: `warehouse-nigh…`)
        flows = app.flow_list
        assert flows.region.width == len("· warehouse-nightly") + 3  # padding, its border
        await pilot.resize_terminal(50, 14)  # at most 30% of a narrow terminal
        await wait_for(pilot, lambda: flows.region.width == 15, "the pane to narrow")
        assert "warehouse…" in screen_text(app)
        await pilot.resize_terminal(120, 36)
        await wait_for(pilot, lambda: flows.region.width == 22, "the pane to widen again")


async def test_a_short_flow_name_leaves_the_table_more_room(tmp_path: Path) -> None:
    ws = FakeWorkspace(tmp_path, {"pages": pages_flow(3)})
    app = FlowtopApp(ws, watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: "fetch_page-2 " in screen_text(app), "the rows")
        assert app.flow_list.region.width == 12  # `· pages` at 12 cells, the least
        assert app.table.region.width == 120 - 12


def test_a_big_flows_policies_are_measured_over_a_sample_and_widened_when_drawn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 100,000-task flow's policies (a call of the app's ``policy_source`` each, 0.3 s
    in all) are not measured before its first frame: its first ``SAMPLE`` rows are, and
    a row past them drawn with a wider policy widens the column."""
    monkeypatch.setattr(column_fit, "SAMPLE", 3)
    keys = [f"t{i}" for i in range(8)]
    texts = dict.fromkeys(keys, "1× 2s")
    texts["t7"] = "5× backoff 30s×2^(n-1)"
    asked: list[str] = []

    def policy_of(row: TaskRow) -> str:
        asked.append(row.key)
        return texts[row.key]

    meter = ContentMeter()
    run = RunModel("f", keys, run_id="r1")
    run.state = S.COMPLETED  # (a live run keeps LAST ERROR's room whatever its rows hold)
    meter.measure(run, policy_of)
    assert asked == ["t0", "t1", "t2"]
    assert meter.content == Content(2, len("1× 2s"), 0)
    assert not meter.saw("1× 2s", "")  # as measured: nothing to lay out again
    assert meter.saw(texts["t7"], "")  # t7 drawn: POLICY as wide as its policy
    assert meter.content.policy == len(texts["t7"])
    assert meter.saw("1× 2s", "ValueError: boom") and meter.content.error == column_fit.ERROR_KEEP


def test_names_are_measured_when_rows_change_not_when_drawn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = RunModel("f", ["a", LONG_NAME], run_id="r1")
    meter = ContentMeter()
    meter.measure(run, lambda row: row.policy)
    assert meter.content.task == len(LONG_NAME) and not meter.stale(run)
    run.rows[LONG_NAME].code_mark = "gone"
    meter.measure(run, lambda row: row.policy)  # a reload marked it: ` (gone)` counts
    assert meter.content.task == len(LONG_NAME) + len(" (gone)")
    run.added += 1  # a @flow reached a new task
    assert meter.stale(run) and meter.stale(RunModel("f", ["a"]))


def test_a_first_error_gives_last_error_room_from_policy() -> None:
    """While no row has an error, LAST ERROR keeps only its title: POLICY takes the rest
    (up to ``POLICY_ROOMY``); once one has, POLICY is capped at ``POLICY_CAP``. (A live
    run keeps that room from its start: test_first_error_keeps_columns.)"""
    run = RunModel("f", ["fetch"], run_id="r1")
    run.state = S.FAILED
    meter = ContentMeter()
    meter.measure(run, lambda row: "5× backoff 0.5s×2^(n-1), max 4s on ConnectionError")
    quiet = layout_columns(100, content=meter.content)
    assert quiet.policy > POLICY_CAP and quiet.error == column_fit.ERROR_MIN
    row: TaskRow = run.rows["fetch"]
    row.error = ErrorInfo("ConnectionError", "reset by peer", "")
    assert meter.errors_changed([row])
    failed = layout_columns(100, content=meter.content)
    assert failed.policy == POLICY_CAP and failed.error > quiet.error
    assert not meter.errors_changed([row])  # measured: nothing more to move


@pytest.mark.parametrize("width", [*range(8, 130, 3), 160, 240])
@pytest.mark.parametrize(
    "content",
    [
        Content(0, 0, 0),
        Content(9, 64, 0),
        Content(32, 60, 40),
        Content(15, 32, 20),
        Content(60, 8, 3),
    ],
)
@pytest.mark.parametrize("try_width", [5, 17])
def test_fitted_columns_never_overflow_the_table(
    width: int, content: Content, try_width: int
) -> None:
    columns = layout_columns(width, try_width, content)
    shown = [w for w in columns.widths() if w > 0]
    assert sum(shown) + len(shown) - 1 <= width
    assert columns.task >= 6 and columns.state >= 1
