"""The `?` screen on a narrow terminal puts each key's description under its name: in
three columns at 40×12 the descriptions came a word a line ("Start a / new run / of the /
select…")."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from flowtop.tui.screens.help import HelpScreen
from pilot_kit import screen_text

from .snapshot_apps import HostApp

KEYS = [Binding("r", "run", "Run", tooltip="Start a new run of the selected flow")]


@pytest.mark.parametrize(
    ("size", "lines"),
    [
        ((40, 12), ["r Run ", "  Start a new run of the selected "]),
        ((100, 30), ["r  Run  Start a new run of the selected flow "]),
    ],
)
async def test_a_description_reads_whole_at_any_width(
    size: tuple[int, int], lines: list[str]
) -> None:
    app = HostApp(lambda: HelpScreen(KEYS))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(app)
        for line in lines:
            assert line in text, text
