"""The quit dialog's footer at 40×12: every answer, and `Cancel it` for one run.

The dialog ran past the screen's foot there, so the screen scrolled, and its scrollbar
took two columns from the footer: `s Stay` fell off it. And the footer said `c Cancel
them` with one live run, where the dialog's button said `Cancel it (c)`.
"""

from __future__ import annotations

import pytest

from flowtop.tui.screens.quit import QuitScreen
from pilot_kit import screen_text, wait_for

from .snapshot_apps import HostApp


def footer(app: HostApp) -> str:
    return screen_text(app).splitlines()[-1]


@pytest.mark.parametrize("live", [["etl #1"], ["etl #1", "report #2"]])
async def test_every_answer_is_in_the_footer_at_40_by_12(live: list[str]) -> None:
    app = HostApp(lambda: QuitScreen(list(live)))
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        cancel = "c Cancel it" if len(live) == 1 else "c Cancel them"
        assert footer(app).split() == ["k", "Keep", "running", *cancel.split(), "s", "Stay"]
        assert app.screen.max_scroll_y == 0  # the dialog fits: its question scrolls, if any
        text = screen_text(app)
        for label in ("Keep running (k)", "Stay (s)"):
            assert label in text, text


async def test_the_footer_follows_the_runs_as_they_end() -> None:
    live = ["etl #1", "report #2"]
    app = HostApp(lambda: QuitScreen(list(live), still_live=lambda: list(live)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "c Cancel them" in footer(app)
        live.pop()
        await wait_for(pilot, lambda: "c Cancel it " in footer(app), "the footer to follow", 5)


async def test_no_keep_in_the_footer_where_quitting_cancels() -> None:
    """Runs in this process end with it: `k` keeps nothing, and does nothing."""
    app = HostApp(lambda: QuitScreen(["etl #1"], can_keep=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Keep" not in footer(app) and "c Cancel it" in footer(app)
        assert "s Stay" in footer(app)
