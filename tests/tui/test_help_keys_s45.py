"""The help screen scrolls by the keys it lists, each key of a burst one line.

It lists `↓ / j  Down` (and `g`/`G` for the first and last row), but `j`, `k`, `g` and
`G` did nothing there. And a key scrolled from where the previous one was headed only
after the next frame: twenty `Down` keys read in one burst (over SSH, a held key)
scrolled one line, where five sent apart scrolled five. ``pilot.press`` lets a frame
pass between keys, so the burst is posted here as the terminal's reader posts it.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.containers import VerticalScroll

from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.help import HelpScreen
from flowtop.workspace import Workspace
from pilot_kit import wait_for


@pytest.fixture
async def help_app(bundled_workspace: Workspace) -> FlowtopApp:
    return FlowtopApp(bundled_workspace, watch=False)


def burst(app: FlowtopApp, *keys: str) -> None:
    """Keys that arrive in one read: all queued before the app handles the first."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


def offset(app: FlowtopApp) -> int:
    assert isinstance(app.screen, HelpScreen)
    return round(app.screen.query_one("#dialog", VerticalScroll).scroll_y)


def bottom(app: FlowtopApp) -> int:
    return round(app.screen.query_one("#dialog", VerticalScroll).max_scroll_y)


async def test_each_key_of_a_burst_scrolls_the_help_one_line(help_app: FlowtopApp) -> None:
    async with help_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(help_app.screen, HelpScreen), "the help")
        await pilot.pause()
        assert bottom(help_app) > 20  # room to scroll twenty lines at 80×24
        await pilot.press(*["down"] * 20)
        assert offset(help_app) == 20
        burst(help_app, *["up"] * 12)
        await wait_for(pilot, lambda: offset(help_app) != 20, "the help to scroll")
        await pilot.pause()
        assert offset(help_app) == 8  # old: 19
        burst(help_app, "pagedown", "pagedown", "home", "down")
        await pilot.pause()
        await pilot.pause()
        assert offset(help_app) == 1  # in key order: home before down


async def test_j_k_g_and_G_scroll_the_help(help_app: FlowtopApp) -> None:
    async with help_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(help_app.screen, HelpScreen), "the help")
        await pilot.pause()
        await pilot.press(*["j"] * 5)
        assert offset(help_app) == 5  # old: 0
        await pilot.press("k", "k")
        assert offset(help_app) == 3
        await pilot.press("G")
        assert offset(help_app) == bottom(help_app) > 3
        burst(help_app, "g", "j")
        await pilot.pause()
        await pilot.pause()
        assert offset(help_app) == 1
        assert isinstance(help_app.screen, HelpScreen)  # none of them closed it
