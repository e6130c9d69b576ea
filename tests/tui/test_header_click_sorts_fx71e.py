"""A click on a column's title in the task table sorts by that column (fx71e): it did
nothing, though the title shows the sort (`STATE ▲` after `s`). As `s` sorts, by the
column clicked (TASK: name, STATE: state, TIME: duration); clicked again, the other way,
as `S`. TRY, POLICY and LAST ERROR have no sort: a click there changes nothing."""

from __future__ import annotations

from typing import Any

from flowtop.tui.app import FlowtopApp
from pilot_kit import wait_for

from .conftest import FakeWorkspace

SIZE = (120, 36)


def header(app: FlowtopApp) -> str:
    """The table's title line as drawn."""
    return "".join(segment.text for segment in app.table.render_line(0))


async def click_title(pilot: Any, app: FlowtopApp, title: str) -> None:
    """A click on the middle of ``title`` in the table's title line."""
    x = header(app).index(title) + len(title) // 2
    await pilot.click(app.table, offset=(x, 0))
    await pilot.pause()


async def test_a_click_on_a_title_sorts_by_its_column(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        await wait_for(pilot, lambda: app.table.keys, "the demo's rows")
        table = app.table
        assert (table.sort, table.sort_reverse) == ("definition", False)
        await click_title(pilot, app, "TASK")
        assert (table.sort, table.sort_reverse) == ("name", False)  # old: definition
        assert "TASK ▲" in header(app)
        assert table.keys == sorted(table.keys)
        assert "sort: name ▲" in str(app.header.render())
        await click_title(pilot, app, "TASK")  # the sorted column again: the other way
        assert (table.sort, table.sort_reverse) == ("name", True)
        assert "TASK ▼" in header(app)
        assert table.keys == sorted(table.keys, reverse=True)
        await click_title(pilot, app, "STATE")
        assert (table.sort, table.sort_reverse) == ("state", False)
        await click_title(pilot, app, "TIME")
        assert (table.sort, table.sort_reverse) == ("duration", False)
        assert "TIME ▼" in header(app)  # longest first
        await click_title(pilot, app, "POLICY")
        assert (table.sort, table.sort_reverse) == ("duration", False)  # no sort by it
