"""At 60×20 the TASK column was 8 cells (54×20 since the flows pane fits its names), and
200 mapped calls (``fetch_item-2`` … ``fetch_item-200``) all read ``fetch_i…``: no row
could be told from another. A long name is now cut in the middle, keeping the number it
ends in: ``fet…-200``."""

from __future__ import annotations

import pytest

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.formats import cut_name
from flowtop.tui.app import FlowtopApp
from pilot_kit import screen_text, wait_for, wait_for_run

from .conftest import FakeWorkspace

S = StateType
N = 200


def mapped_flow() -> Flow:
    """``fetch_item``, ``fetch_item-2`` … ``fetch_item-200``, as ``.map`` names its calls."""
    flow = Flow("many")
    for i in range(1, N + 1):
        key = "fetch_item" if i == 1 else f"fetch_item-{i}"

        @task(name=key)
        def fetch_item() -> int:
            return 1

        flow.add_task(fetch_item, key=key)
    return flow


async def test_mapped_calls_keep_their_numbers_in_a_narrow_task_column(tmp_path) -> None:
    ws = FakeWorkspace(tmp_path, {"many": mapped_flow()})
    app = FlowtopApp(ws, watch=False)
    try:
        # (at 54 columns, TASK 8 cells while STATE kept 17 cells, the names show whole
        # since STATE shortens for them, at 40 too (sm61): at 30 TASK is cut again)
        async with app.run_test(size=(30, 20)) as pilot:
            await pilot.press("r")
            await wait_for_run(pilot, app, S.COMPLETED)
            await pilot.press("G")  # the last rows: fetch_item-19x, -200
            table = app.table

            def width() -> int:
                return table.columns(table.scrollable_content_region.width).task

            def shown_names() -> list[str]:
                left, top = table.region.x, table.region.y + 1
                rows = screen_text(app).splitlines()[top:][: table.region.height - 1]
                return [row[left : left + width()] for row in rows if "✓" in row]

            # (under load the last rows are drawn some pauses after the key)
            await wait_for(pilot, lambda: len(shown_names()) >= 5, "five completed rows shown")
            await wait_for(
                pilot, lambda: shown_names()[-1].endswith("-200"), "the last row, -200, shown"
            )
            assert width() < len("fetch_item-200")
            names = shown_names()
            assert names[-1] == cut_name("fetch_item-200", width())  # it read "fetch_i…"
            assert names[-1].endswith("…-200"), names  # as every other row did
            assert len(set(names)) == len(names)  # each row tells its call
            assert all(name.endswith(f"-{N - len(names) + i + 1}") for i, name in enumerate(names))
    finally:
        for runner in ws.runners:
            runner.shutdown(wait=True)


@pytest.mark.parametrize(
    ("name", "width", "shown"),
    [
        ("fetch_item-10", 8, "fetc…-10"),
        ("fetch_item-200", 8, "fet…-200"),
        ("fetch_item-2", 12, "fetch_item-2"),  # it fits: as it is
        ("extract_orders", 8, "extr…ers"),  # no number: its start and its end
        ("fetch_item-12345", 8, "f…-12345"),  # the number whole, its start given up first
        ("fetch_item-1234567", 8, "…1234567"),
        ("fetch_item-123456789", 8, "fetc…789"),  # a number too long to keep whole
        ("日本語のタスク-12", 9, "日本…-12 "),  # cells, not characters (a wide one is padded)
        ("fetch_item-10", 3, "fe…"),
    ],
)
def test_a_long_name_is_cut_in_its_middle(name: str, width: int, shown: str) -> None:
    from rich.cells import cell_len

    from flowtop.formats import cut_name

    assert cut_name(name, width) == shown
    assert cell_len(cut_name(name, width)) <= width


def test_a_wide_character_that_does_not_fit_leaves_its_cell_at_the_end() -> None:
    """At 60 columns a name of wide characters read ``🚀火 …垃圾``: the cell a wide
    character could not fill was a space before the ellipsis, splitting the name."""
    from rich.cells import cell_len

    from flowtop.formats import cut_name
    from flowtop.tui.widgets.task_table import fit

    name = "🚀火箭部署环境配置垃圾"
    assert cut_name(name, 10) == "🚀火…垃圾 "
    assert fit("🚀火箭部署环境", 10) == "🚀火箭部… "
    for width in range(4, 20):
        assert cell_len(cut_name(name, width)) == width
        assert " …" not in cut_name(name, width)
