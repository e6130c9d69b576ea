"""Esc and the key typed right after it, read together (typed quickly, or batched by an
SSH link), act as both keys in turn.

A terminal sends Esc as the byte that also starts Alt+key, so Textual reads ``ESC j`` in
one read as ``alt+j``. flowtop binds no Alt key: that key did nothing at all, and in a
dialog's field it typed ``j``. Now an unbound ``alt+j`` is Esc, then ``j``.
"""

from __future__ import annotations

from textual import events
from textual._xterm_parser import XTermParser

from flowtop.tui.app import FlowtopApp
from flowtop.tui.keymap import escape_then
from flowtop.tui.screens.confirm import ConfirmScreen
from pilot_kit import wait_for

from .conftest import FakeWorkspace, wait_in_retry


def read_at_once(app: FlowtopApp, data: str) -> None:
    """The keys a terminal's ``data`` reads as, sent to the app as one read: all queued
    before the app handles the first (Textual's own parser, as its driver runs it)."""
    parser = XTermParser()
    for token in [*parser.feed(data), *parser.feed("")]:
        assert isinstance(token, events.Key), token
        app.post_message(token)


def test_what_the_terminal_sends_for_esc_then_a_letter() -> None:
    """The premise: Textual reads ``ESC j`` as ``alt+j`` and ``ESC G`` as ``alt+shift+g``."""

    def read(data: str) -> list[tuple[str, str | None]]:
        parser = XTermParser()
        return [(k.key, k.character) for k in [*parser.feed(data), *parser.feed("")]]

    assert read("\x1bj") == [("alt+j", "j")]
    assert read("\x1bG") == [("alt+shift+g", "G")]


def test_which_alt_keys_are_esc_then_a_key() -> None:
    assert escape_then("alt+j", "j", bound=()) == "j"
    assert escape_then("alt+shift+g", "G", bound=()) == "G"
    assert escape_then("alt+j", "j", bound={"alt+j"}) is None  # a binding of its own
    assert escape_then("alt+up", None, bound=()) is None  # a real Alt+↑: no Esc in it
    assert escape_then("j", "j", bound=()) is None


async def test_esc_j_in_a_filtered_table_clears_the_filter_then_moves(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"load", "enter")
        await wait_for(pilot, lambda: app.table.keys == ["load"], "the filter to keep load")
        read_at_once(app, "\x1bj")
        await wait_for(pilot, lambda: not app.table.filter_text, "the filter cleared")
        await pilot.pause()
        keys = app.table.keys
        assert app.table.cursor_key == keys[keys.index("load") + 1]
        assert app.focused is app.table


async def test_esc_then_a_key_in_the_detail_pane_goes_back_then_acts(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is app.detail, "the detail pane")
        first = app.table.cursor_key
        read_at_once(app, "\x1bj")
        await wait_for(pilot, lambda: app.focused is app.table, "back in the table")
        await pilot.pause()
        assert app.table.cursor_key == app.table.keys[app.table.keys.index(first or "") + 1]
        read_at_once(app, "\x1bG")  # upper case: Esc (nothing to leave), then G: the last row
        await wait_for(pilot, lambda: app.table.cursor_key == app.table.keys[-1], "G")
        assert app.table.cursor_key == app.table.keys[-1]


async def test_c_esc_j_leaves_the_cancel_question_and_the_run(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_in_retry(pilot, app)
        read_at_once(app, "c\x1bj")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmScreen)
        assert len(app.screen_stack) == 1
        assert app.table.run is not None and app.table.run.is_live
