"""Tab typed in the same burst as the key that opens a form moves to the next field.

Over SSH `e3` Tab comes in one read. Tab moved the focus as the app read it, before the
form had focused its first field, and the form's own focus call came after and took the
focus back: the cursor stayed in the first field, whose `3` was selected again, so the
next key typed replaced it. Now the first field has focus at once, and a Tab read
before that waits behind the keys read before it.
"""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input

from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.retry_editor import RetryEditor
from flowtop.tui.screens.run_form import RunForm
from pilot_kit import wait_for

from .conftest import FakeWorkspace
from .test_run_form import scaled_flow


def burst(app: FlowtopApp, *keys: str) -> None:
    """Keys that arrive in one read: all queued before the app handles the first."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


def value(app: FlowtopApp, selector: str) -> str:
    return app.screen.query_one(selector, Input).value


async def test_tab_in_the_burst_that_opens_the_retry_editor(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.table.move_to("broken")
        burst(app, "e", "3", "tab")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the retry editor")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#field-retry_delay")
        await pilot.press("9")  # typed after the burst: into the field Tab moved to
        assert value(app, "#field-max_retries") == "3"
        assert value(app, "#field-retry_delay") == "9"
        await pilot.press("escape")
        burst(app, "e", "tab", "5", "shift+tab", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the retry editor")
        await pilot.pause()
        assert (value(app, "#field-max_retries"), value(app, "#field-retry_delay")) == ("1", "5")


async def test_tab_in_the_burst_that_opens_the_run_form(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"scaled": scaled_flow([])}), watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        burst(app, "r", "4", "tab")
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the run form")
        await pilot.pause()
        await pilot.press("2")
        assert (value(app, "#param-0"), value(app, "#param-1")) == ("4", "2")
