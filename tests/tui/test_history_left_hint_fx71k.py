"""The history's heading says columns are out of sight either way (fx71k): at 40×12, `h`
then `→`, it said `→ more columns` until the last column showed, then nothing, though
State, Counts and Started were past the left edge."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from flowtop.tui.screens.history import HistoryScreen
from pilot_kit import screen_text, wait_for, wait_for_text

from .snapshot_apps import HostApp, make_history


def heading(app: HostApp) -> str:
    return screen_text(app).splitlines()[0]


async def test_scrolled_right_the_heading_says_columns_are_on_the_left(tmp_path: Path) -> None:
    history = make_history(tmp_path)
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    try:
        async with app.run_test(size=(40, 12)) as pilot:
            await wait_for_text(pilot, app, "→ more columns")
            assert "←" not in heading(app)
            table = app.screen.query_one("#runs", DataTable)
            await pilot.press("right")
            await wait_for(pilot, lambda: table.scroll_x > 0, "the table scrolled")
            await wait_for(pilot, lambda: "← → more columns" in heading(app), "both ways")
            for _ in range(len(table.columns)):
                await pilot.press("right")
            await wait_for(pilot, lambda: "Rerun of" in screen_text(app), "the last column")
            await wait_for(pilot, lambda: "← more columns" in heading(app), "the left way")
            assert "→" not in heading(app)  # old: no hint at all
            for _ in range(len(table.columns)):
                await pilot.press("left")
            await wait_for(pilot, lambda: table.scroll_x == 0, "back at the first column")
            await wait_for(pilot, lambda: "←" not in heading(app), "the left way gone")
            assert "→ more columns" in heading(app)
    finally:
        history.close()
