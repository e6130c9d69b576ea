"""Toasts on the main screen show no piece of scrollbar at their right edge.

Textual's toast rack scrolls (``overflow-y: scroll``): at 40×12 two toasts are taller than
the screen, and a piece of the rack's scrollbar showed beside them. Under dialogs the
rack had lost it already (``flowtop.tcss``); on the main screen it had not.
"""

from __future__ import annotations

import pytest
from textual.widgets._toast import Toast, ToastRack

from flowtop.tui.app import FlowtopApp
from pilot_kit import wait_for

from .conftest import FakeWorkspace


@pytest.mark.parametrize("size", [(40, 12), (120, 36)])
async def test_toasts_on_the_main_screen_have_no_scrollbar(
    workspace: FakeWorkspace, size: tuple[int, int]
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=size, notifications=True) as pilot:
        app.flow_list.select_flow("demo")
        await pilot.pause()
        app.notify("Reloaded flows/etl.py (1 flow), which import flows/flaky_api.py", timeout=60)
        app.notify("A warning long enough to take two lines of its toast here", timeout=60)
        shown = lambda: [t for t in app.screen.query(Toast) if t.region.area]  # noqa: E731 - a probe
        await wait_for(pilot, lambda: len(shown()) == 2, "both toasts shown")
        await pilot.pause()
        rack = app.screen.query_one(ToastRack)
        assert not rack.show_vertical_scrollbar
        assert rack.scroll_y == rack.max_scroll_y  # the newest toast scrolled to, as before
        newest = shown()[-1].region
        assert newest.right <= size[0] and newest.bottom <= size[1] - 1  # above the keys
