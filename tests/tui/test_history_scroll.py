"""The history on a narrow terminal: `→` scrolls a column at a time, and the heading's
`→ more columns` goes once no column is past the right edge.

At 60 columns `→` scrolled one cell per press (some 30 presses to reach Duration), and
the hint stayed after the user had scrolled all the way right.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from flowtop.tui.screens import HistoryScreen

from .snapshot_apps import HostApp, make_history


@pytest.fixture
def history(tmp_path: Path) -> Iterator[Any]:
    store = make_history(tmp_path)
    yield store
    store.close()


def heading(app: HostApp) -> str:
    return str(app.screen.query_one("#heading", Static).render())


async def test_right_scrolls_a_column_and_the_hint_goes_at_the_edge(history: Any) -> None:
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#runs", DataTable)
        assert heading(app).endswith(" · → more columns")
        # the first column past Flow and #, which stay (fx71e: they scrolled away)
        first = table.ordered_columns[table.fixed_columns].get_render_width(table)
        await pilot.press("right")
        await pilot.pause()
        assert table.scroll_x == min(first, table.max_scroll_x)  # old: 1
        presses = 1
        while table.scroll_x < table.max_scroll_x and presses < len(table.ordered_columns):
            await pilot.press("right")
            presses += 1
        await pilot.pause()
        assert table.scroll_x == table.max_scroll_x, presses
        assert heading(app).endswith(" · ← more columns"), heading(app)  # old: → stayed
        await pilot.press("left")
        await pilot.pause()
        assert table.scroll_x < table.max_scroll_x
        assert heading(app).endswith(" · ← → more columns")  # past both edges again
        for _ in table.ordered_columns:
            await pilot.press("left")
        await pilot.pause()
        assert table.scroll_x == 0


async def test_right_does_nothing_where_every_column_fits(history: Any) -> None:
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#runs", DataTable)
        await pilot.press("right")
        await pilot.pause()
        assert table.scroll_x == 0 and not heading(app).endswith("more columns")


async def test_the_hint_goes_however_the_table_was_scrolled_right(history: Any) -> None:
    """A mouse wheel or the scrollbar too: the hint says what is past the edge now."""
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#runs", DataTable)
        table.scroll_to(x=table.max_scroll_x, animate=False)
        await pilot.pause()
        assert heading(app).endswith(" · ← more columns"), heading(app)  # old: → stayed
        table.scroll_to(x=0, animate=False)
        await pilot.pause()
        assert heading(app).endswith(" · → more columns")
