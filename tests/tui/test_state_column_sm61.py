"""The task table's STATE column gives way to the task names on a narrow terminal.

STATE kept its 17 cells at every width: at 45 columns (33 beside the flows list) TASK
had 9 cells, ``extract_customer_rows`` reading ``extr…rows`` beside ``✓ Completed``
and 6 blank cells. Now STATE shortens to its symbol and a short word (``⊘ Upstream``,
``⟳ in 2.1s``) while a name would be cut, the time goes, then the word (the symbol
stays), then TRY; cells the names leave over widen it again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.engine import Flow, StateType, task
from flowtop.tui.app import FlowtopApp
from flowtop.tui.widgets.column_fit import (
    STATE_SHORT,
    STATE_SYMBOL,
    STATE_WIDTH,
    TIME_WIDTH,
    Content,
    layout_columns,
    state_cell,
)
from pilot_kit import screen_text, wait_for, wait_for_run

from .conftest import FakeWorkspace

S = StateType


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        ("✓ Completed", STATE_SHORT, "✓ Completed"),
        ("⊘ Upstream failed", STATE_WIDTH, "⊘ Upstream failed"),
        ("⊘ Upstream failed", STATE_SHORT, "⊘ Upstream"),
        ("⊘ Upstream failed", 14, "⊘ Upstream"),
        ("⟳ Retry in 2.1s", STATE_SHORT, "⟳ in 2.1s"),
        ("⟳ Retry in 10m00s", STATE_SHORT, "⟳ in 10m00s"),
        ("⟳ Overdue 6m44s", STATE_SHORT, "⟳ Overdue"),
        ("⟳ Awaiting worker", STATE_SHORT, "⟳ Awaiting"),
        ("· Not run", STATE_SHORT, "· Not run"),
        ("✓ Completed", STATE_SYMBOL, "✓"),
        ("⚡ Interrupted", STATE_SYMBOL, "⚡"),
    ],
)
def test_a_state_cell_shortens_to_its_symbol_and_a_word_then_its_symbol(
    text: str, width: int, shown: str
) -> None:
    assert state_cell(text, width) == shown


def test_at_45_columns_state_gives_way_to_a_long_name() -> None:
    columns = layout_columns(33, 5, Content(21, 0, 0))  # old: STATE 17, TASK 9
    assert columns.state == STATE_SHORT and columns.task >= 15, columns


def test_names_that_fit_leave_state_whole() -> None:
    columns = layout_columns(33, 5, Content(9, 0, 0))
    assert (columns.task, columns.state) == (9, STATE_WIDTH), columns
    wide = layout_columns(60, 5, Content(21, 0, 0))
    assert (wide.state, wide.time) == (STATE_WIDTH, TIME_WIDTH), wide


def test_narrower_the_symbol_stays_and_try_goes_last() -> None:
    columns = layout_columns(26, 5, Content(21, 0, 0))
    assert (columns.state, columns.time, columns.attempts) == (STATE_SYMBOL, 0, 5), columns
    assert columns.task == 17
    tiny = layout_columns(12, 5, Content(21, 0, 0))
    assert (tiny.state, tiny.attempts) == (STATE_SYMBOL, 0), tiny


def failing_flow() -> Flow:
    @task
    def extract_customer_rows() -> int:
        raise ValueError("warehouse down")

    @task
    def load_into_warehouse(rows: int) -> int:
        return rows

    with Flow("etl") as flow:
        load_into_warehouse(extract_customer_rows())
    return flow


async def test_at_45_columns_a_user_reads_more_of_the_names_and_short_states(
    tmp_path: Path,
) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"etl": failing_flow()}), watch=False)
    async with app.run_test(size=(45, 14)) as pilot:
        await wait_for(pilot, lambda: len(app.table.keys) == 2, "the rows")
        await pilot.press("r")
        await wait_for_run(pilot, app, S.FAILED)
        await wait_for(pilot, lambda: "⊘ Upstream" in screen_text(app), "the short state")
        text = screen_text(app)
        for line in ("extract…er_rows ✗ Failed    1/1+3", "load_in…rehouse ⊘ Upstream  0/1+3"):
            assert line in text, text  # old: `extr…rows ✗ Failed`, `load…ouse ⊘ Upstream failed`


def test_the_scrollbar_s_cell_comes_from_state_s_spare_words_before_a_name() -> None:
    """Laid out on the table's whole width, then narrowed by its scrollbar: at 54 columns
    the mapped calls' 14-cell names were cut to 12 beside a 15-cell STATE."""
    columns = layout_columns(42, 3, Content(14, 0, 0))
    assert (columns.task, columns.state) == (14, 15), columns
    narrowed = columns.narrowed(2)
    assert (narrowed.task, narrowed.state) == (14, 13), narrowed  # old: (12, 15)
    assert columns.narrowed(4).state == STATE_SHORT  # (no further: then TASK gives)
    assert (columns.narrowed(5).task, columns.narrowed(5).state) == (9, 15)
