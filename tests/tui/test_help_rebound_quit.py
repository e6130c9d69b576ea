"""The help answers to the quit and help keys as ``[keys]`` rebinds them, and ctrl+q quits
from it, as its hint says.

A rebound quit key (``"flowtop.quit" = "Q"``) did nothing on the help screen: the app's
quit is off there (its `q` closes the help instead), and only `q` itself was the help's.
The hint still said `q` closes it. And ctrl+q, which the hint says quits, did nothing
there either: it is the app's quit too.
"""

from __future__ import annotations

from pathlib import Path

from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.help import HelpScreen
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace


async def test_rebound_quit_and_help_keys_close_the_help_and_its_hint_names_them(
    tmp_path: Path,
) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {}))
    async with app.run_test(size=(100, 30)) as pilot:
        app.set_keymap({"flowtop.quit": "Q", "flowtop.help": "f1"})
        for close in ("Q", "f1"):
            await pilot.press("f1")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
            help_screen = app.screen
            assert isinstance(help_screen, HelpScreen)
            rows = {name: tip for _, name, tip in help_screen.rows}
            assert rows["Quit"].endswith("; on this screen Q closes the help, ^q quits")
            assert rows["Help"].endswith("; on this screen f1 closes the help")
            assert "f1 or Q closes" in screen_text(app)
            await pilot.press(close)
            await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), f"{close}")
        assert app.is_running


async def test_ctrl_q_quits_from_the_help(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert "^q quits" in screen_text(app)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, "flowtop to quit")
