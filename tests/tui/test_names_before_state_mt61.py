"""Task names before STATE and LAST ERROR at narrow widths (rv408 §10).

At 80 columns a 38-character task name was cut to 22 cells (``extract_cus…_warehouse``)
beside a full ``⟳ Retry in 2.5s`` and a 10-cell LAST ERROR (``Connectio…``), against
docs/monitor.md's order: the policy goes, then the error, then, while task names would
be cut, STATE shortens. At 50 columns the detail pane's title cut ``extract`` to
``ex…ct`` and kept ``attemp…``: the name is what identifies the row.
"""

from __future__ import annotations

from pathlib import Path

from flowtop import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import TaskRow
from flowtop.tui.widgets.column_fit import STATE_WIDTH, Content, layout_columns
from flowtop.tui.widgets.detail_pane import title_text
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace

LONG = "extract_customer_orders_from_warehouse"  # 38 cells: cut at TASK_CAP, 32


def test_the_error_goes_and_state_shortens_before_a_long_name_is_cut() -> None:
    live = Content(len(LONG), 20, 16)  # a live run keeps LAST ERROR's room
    for width in range(58, 80):
        columns = layout_columns(width, 5, live)
        if columns.task < 32 and not columns.policy:  # a name cut: no error, STATE short
            assert columns.error == 0 and columns.state < STATE_WIDTH, (width, columns)
        if columns.state == STATE_WIDTH:
            assert columns.task >= 32 or columns.policy, (width, columns)
    assert layout_columns(61, 5, live).task == 32  # the table at 80 columns


def test_the_detail_title_cuts_the_attempt_before_the_task_name() -> None:
    row = TaskRow("extract", 0, StateType.AWAITING_RETRY, 4)
    row.attempt, row.retry_due = 1, 100.4
    title = title_text(row, 100.0, width=30).plain
    assert title.startswith("extract  ⟳ Retry in 0.4s"), title
    assert len(title) <= 30, title


@task(max_retries=0)
def extract_customer_orders_from_warehouse() -> None:
    raise ConnectionError("warehouse connection reset by peer while reading")


@task
def transform_orders_into_daily_summary() -> int:
    return 1


async def test_at_80_columns_a_long_task_name_keeps_its_cells(tmp_path: Path) -> None:
    with Flow("long-names") as flow:
        transform_orders_into_daily_summary()
        extract_customer_orders_from_warehouse()
    app = FlowtopApp(FakeWorkspace(tmp_path, {"long-names": flow}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.state is StateType.FAILED,
            "the run to fail",
        )
        await wait_for(pilot, lambda: "extract_cus" in screen_text(app), "the rows")
        text = screen_text(app)
        assert "extract_customer…_from_warehouse" in text, text  # 32 cells, TASK_CAP
