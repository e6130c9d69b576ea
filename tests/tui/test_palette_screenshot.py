"""The command palette's Screenshot, on a machine with no Downloads folder (SSH).

The palette's command called Textual's own save, not flowtop's ``action_screenshot``:
with no ``~/Downloads`` it said only "Failed to save screenshot". And the file was
named after the window title, ``flowtop_·__tmp_…svg``.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from flowtop.tui.app import FlowtopApp
from flowtop.tui.view_actions import screenshot_name
from pilot_kit import screen_text, wait_for

from .conftest import Calls, FakeWorkspace, demo_flow


def test_a_screenshot_name_is_plain_ascii() -> None:
    now = datetime(2026, 5, 4, 10, 30, 0, 123456)
    assert screenshot_name("etl", now) == "flowtop_etl_2026-05-04_10-30-00_123456.svg"
    assert screenshot_name("café · eu/2", now) == "flowtop_caf_eu_2_2026-05-04_10-30-00_123456.svg"
    assert screenshot_name("数据", now) == "flowtop_2026-05-04_10-30-00_123456.svg"
    assert screenshot_name(None, now) == "flowtop_2026-05-04_10-30-00_123456.svg"


async def test_the_palette_screenshot_goes_home_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    workspace = FakeWorkspace(tmp_path, {"demo": demo_flow(Calls())})
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p", *"screensh")
        found = "Save an SVG 'screenshot'"  # the command's help, once the search found it
        await wait_for(pilot, lambda: found in screen_text(app), "the palette's Screenshot")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app._notifications, "the screenshot's toast")
        saved = list(home.glob("*.svg"))
        assert len(saved) == 1
        assert re.fullmatch(r"flowtop_demo_[0-9_-]+\.svg", saved[0].name), saved[0].name
        said = [str(n.message) for n in app._notifications]
        assert len(said) == 1 and "Saved screenshot to" in said[0] and str(saved[0]) in said[0]
