"""One flow's runs keep Flow and # as the others scroll (fx71e), as a run's page keeps
Task and all flows' runs kept them: at 40×12, `h` then `→` six times showed `Started
Duration  Rerun of` alone, which run each row was out of sight."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from flowtop.tui.screens.history import HistoryScreen
from pilot_kit import screen_text, wait_for, wait_for_text

from .snapshot_apps import HostApp, make_history


async def test_one_flows_runs_keep_flow_and_number_scrolled_right(tmp_path: Path) -> None:
    history = make_history(tmp_path)
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    try:
        async with app.run_test(size=(40, 12)) as pilot:
            await wait_for_text(pilot, app, "→ more columns")
            table = app.screen.query_one("#runs", DataTable)
            for _ in range(6):
                await pilot.press("right")
            await wait_for(pilot, lambda: table.scroll_x > 0, "the table scrolled")
            await pilot.pause()
            assert table.fixed_columns == 2  # old: 0
            lines = screen_text(app).splitlines()
            assert lines[1].split()[:2] == ["Flow", "#"], lines
            rows = {tuple(line.split()[:2]) for line in lines[2:4]}
            assert rows == {("etl", "1"), ("etl", "2")}, lines  # old: `2026-…  0.5s  #1`
            assert "Rerun of" in lines[1], lines  # scrolled to the last column
    finally:
        history.close()
