"""Page down in the help screen shows the next rows, skipping none.

The keys scroll between a docked title and hint; paged by the scroll's whole height, a
page went as many rows too far as those take: at 80×24 ``h History`` and ``? Help`` were
never shown by paging."""

from __future__ import annotations

import shutil
from pathlib import Path

from flowtop.tui.app import FlowtopApp
from flowtop.workspace import Workspace
from pilot_kit import screen_text

ROOT = Path(__file__).resolve().parents[2]


async def test_page_down_in_the_help_screen_skips_no_key(tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    shutil.copytree(
        ROOT / "flows", folder, ignore=shutil.ignore_patterns(".flowtop", "__pycache__")
    )
    workspace = Workspace(folder)
    workspace.load()
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("question_mark")
            await pilot.pause()
            first = screen_text(app)
            assert "Switch run" in first and "Past runs from the history" not in first
            await pilot.press("pagedown")
            await pilot.pause()
            assert "Past runs from the history" in screen_text(app)  # the row after the page
    finally:
        workspace.close()
