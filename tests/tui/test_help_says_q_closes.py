"""The help lists `q Quit`, yet `q` there closes the help (as README's keys say: `?` and
`q` on the help screen close it, so `?q` typed to check a key leaves flowtop open). The
rows of the keys that close the help now say so, and which key quits from it.
"""

from __future__ import annotations

from pathlib import Path

from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.help import HelpScreen
from pilot_kit import wait_for

from .conftest import FakeWorkspace


async def test_the_help_rows_of_q_and_question_mark_say_they_close_it(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        rows = {keys: (name, tip) for keys, name, tip in app.screen.rows}
        assert rows["q"][0] == "Quit"
        assert rows["q"][1].endswith("; on this screen q closes the help, ^q quits")
        assert rows["?"][1] == "Every key; on this screen ? closes the help"
        assert "closes" not in rows["esc"][1]  # Esc's own rows are about other places
        await pilot.press("q")  # does what its row says
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), "q to close it")
        assert app.is_running
