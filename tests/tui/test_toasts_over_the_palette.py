"""A toast shown while the command palette is open is seen.

Textual draws the palette's list as an overlay, over everything on the screen, its own
toasts too: a reload's toast that came while the palette was open was drawn under the
list. The list now ends above the toasts' band (and on a short screen the toasts there
are one line each, so the list keeps rows to choose from).
"""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette
from textual.geometry import Region
from textual.widgets._toast import Toast

from flowtop.tui.app import FlowtopApp
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace

SAID = "Reloaded flows/etl.py"


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (40, 12)])
async def test_a_toast_shows_beside_the_palette_s_list(
    workspace: FakeWorkspace, size: tuple[int, int]
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        results = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: results.region.area > 0, "its list")
        app.notify(f"{SAID} (1 flow), which imports flows/flaky_api.py", timeout=60)

        def toasts() -> list[Region]:
            return [toast.region for toast in app.screen.query(Toast) if toast.region.area]

        await wait_for(pilot, toasts, "the toast")
        await pilot.pause()
        await pilot.pause()  # (the list fitted above it)
        (toast,) = toasts()
        assert not toast.overlaps(results.region), (toast, results.region)
        assert SAID in screen_text(app)
        assert results.region.height >= 3  # a command still in sight
        app.clear_notifications()
        await wait_for(pilot, lambda: not toasts(), "the toast gone")
        await pilot.pause()
        await pilot.pause()
        assert results.region.bottom >= toast.y  # the list has its rows back
