"""A click on a footer key runs it, as in Textual's own ``Footer``.

The footer (``KeyBar``) drew ``? Help`` and the rest as text: a click on one did
nothing. Now it presses that key, through the same bindings and checks as the keyboard:
a key that does nothing at the moment rings the bell instead.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType

from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.help import HelpScreen
from flowtop.tui.screens.retry_editor import RetryEditor
from flowtop.tui.widgets.key_bar import KeyBar
from pilot_kit import wait_for

from .conftest import FakeWorkspace


def cell_of(bar: KeyBar, entry: str) -> int:
    """A cell of ``entry`` (``? Help``) as the bar draws it: its label's last letter."""
    line = bar.render().plain
    assert f" {entry}" in line, line
    return line.index(f" {entry}") + len(entry)


async def test_clicking_a_footer_key_runs_its_action(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.table.move_to("broken")
        await pilot.click("#keys", offset=(cell_of(app.key_bar, "? Help"), 0))
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        keys = app.screen.query_one(KeyBar)  # drawn a frame after its screen shows
        await wait_for(pilot, lambda: " esc Close" in keys.render().plain, "the help's keys")
        await pilot.click("#dialog-keys", offset=(cell_of(keys, "esc Close"), 0))
        await wait_for(pilot, lambda: len(app.screen_stack) == 1, "the help to close")
        await pilot.click("#keys", offset=(cell_of(app.key_bar, "e Edit retry"), 0))
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the retry editor")
        assert app.screen.task_key == "broken"
        bar = app.screen.query_one(KeyBar)
        await wait_for(pilot, lambda: " esc Cancel" in bar.render().plain, "the editor's keys")
        await pilot.click("#dialog-keys", offset=(cell_of(bar, "esc Cancel"), 0))
        await wait_for(pilot, lambda: len(app.screen_stack) == 1, "the editor to cancel")
        assert app.focused is app.table


class BarApp(App[None]):
    """One bound key, shown in a ``KeyBar``, that ``enabled`` turns off (shown dimmed by
    Textual's footer: ``check_action`` answers None)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "count", "Count")]

    def __init__(self) -> None:
        super().__init__()
        self.enabled = True
        self.counted = 0
        self.bells = 0

    def compose(self) -> ComposeResult:
        yield KeyBar(lambda: ([("x", "Count"), ("↑↓", "Move")], []), id="bar")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True if action != "count" or self.enabled else None

    def action_count(self) -> None:
        self.counted += 1

    def bell(self) -> None:
        self.bells += 1


async def test_a_click_acts_only_where_the_key_would() -> None:
    app = BarApp()
    async with app.run_test(size=(40, 3)) as pilot:
        bar = app.query_one(KeyBar)
        await pilot.click("#bar", offset=(cell_of(bar, "x Count"), 0))
        await pilot.pause()
        assert (app.counted, app.bells) == (1, 0)
        await pilot.click("#bar", offset=(30, 0))  # past the entries: nothing
        await pilot.pause()
        assert (app.counted, app.bells) == (1, 0)
        app.enabled = False  # the key does nothing now: neither does its click
        await pilot.click("#bar", offset=(cell_of(bar, "x Count"), 0))
        await pilot.pause()
        assert (app.counted, app.bells) == (1, 1)
        await pilot.click("#bar", offset=(cell_of(bar, "↑↓ Move"), 0))  # a hint, no one key
        await pilot.pause()
        assert (app.counted, app.bells) == (1, 2)
