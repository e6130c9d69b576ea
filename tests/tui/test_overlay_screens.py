"""What is on screen around the command palette and a dialog.

With the palette open (ctrl+p) the footer still showed the main screen's keys (`r Run
f Rerun failed`…), which type into the palette's search there. And on a 16-colour
terminal the screen behind a dialog or the palette, dimmed by blending it with the
theme's background, came out black (or dark grey) on black.
"""

from __future__ import annotations

from textual.command import CommandPalette

from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.confirm import ConfirmScreen
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace

SIZE = (100, 24)


def footer(app: FlowtopApp) -> str:
    return screen_text(app).splitlines()[-1]


async def test_the_palette_footer_shows_the_palettes_keys(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "r Run" in footer(app), "the main footer")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await wait_for(pilot, lambda: "esc Close" in footer(app), "the palette's footer")
        assert footer(app).split() == ["↑↓", "Choose", "⏎", "Run", "esc", "Close"]
        await pilot.press("escape")
        await wait_for(
            pilot, lambda: not isinstance(app.screen, CommandPalette), "the palette to close"
        )
        await wait_for(pilot, lambda: "r Run" in footer(app), "the main footer back")


async def test_16_colours_leave_the_screen_behind_a_dialog_as_it_is(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=False)
    app.colour_mode = "ansi16"  # headless has no terminal to ask
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(ConfirmScreen("Cancel run #1 of demo?"))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert app.screen.styles.background.a == 0  # old: the theme's background at 60%
        await pilot.press("n")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        assert app.screen.styles.background.a == 0


async def test_full_colour_still_dims_the_screen_behind_a_dialog(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(ConfirmScreen("Cancel run #1 of demo?"))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert 0 < app.screen.styles.background.a < 1
