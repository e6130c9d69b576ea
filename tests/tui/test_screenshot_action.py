"""The palette's Screenshot on a machine with no Downloads folder (a server over SSH)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.tui.app import FlowtopApp
from pilot_kit import wait_for

from .conftest import FakeWorkspace


async def test_a_screenshot_with_no_downloads_folder_goes_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual saves into ~/Downloads and said only "Failed to save screenshot" where
    there was none."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    app = FlowtopApp(FakeWorkspace(tmp_path, {}), watch=False)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        app.action_screenshot()
        await wait_for(pilot, lambda: list(home.glob("*.svg")), "the screenshot in the home folder")
        said = [n.message for n in app._notifications]
        assert not [m for m in said if "Failed" in m], said
