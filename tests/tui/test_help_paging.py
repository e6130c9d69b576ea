"""Page down in the help screen shows the next rows, skipping none.

The keys scroll between a docked title and hint; paged by the scroll's whole height, a
page went as many rows too far as those take: at 80×24 ``h History`` and ``? Help`` were
never shown by paging."""

from __future__ import annotations

from flowtop.tui.app import FlowtopApp
from flowtop.workspace import Workspace
from pilot_kit import screen_text


async def test_page_down_in_the_help_screen_skips_no_key(bundled_workspace: Workspace) -> None:
    app = FlowtopApp(bundled_workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        first = screen_text(app)
        assert "Switch run" in first and "Past runs from the history" not in first
        await pilot.press("pagedown")
        await pilot.pause()
        assert "Past runs from the history" in screen_text(app)  # the row after the page
