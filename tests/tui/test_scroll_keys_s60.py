"""`j k g G` in the panes that scroll, and the Enter key's name where ⏎ cannot be drawn.

1. README: "`↑↓` `PgUp/PgDn` `Home/End` (`j k g G`) … scroll the help screen (`?`), the
   detail pane and a run's attempts". In the detail pane (Enter on a task) and a past
   run's attempts pane (Tab on its page) `j k g G` did nothing; the arrows scrolled.
2. With the attempts pane focused, `?` listed Textual's scroll bindings (`^pgup Page
   Left`, no description, no `j k g G`), not flowtop's rows (`↑ / k  Up  Up a line`).
3. On the Linux console (``TERM=linux``) ⏎ is not in the font and was drawn as `?`, the
   help key: the footer read `? Keep filter`, `? Open run`. It says `enter` there, as
   `esc` is spelled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.printable import key_shown_on
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.help import HelpScreen
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.tui.widgets.key_scroll import KeyScroll
from flowtop.workspace.history_records import AttemptRecord, RunDetail, RunRecord, TaskRecord
from pilot_kit import screen_text, wait_for, wait_for_run, wait_for_text

from .conftest import FakeWorkspace
from .snapshot_apps import T0


def chatty_flow() -> Flow:
    @task
    def chatty() -> None:
        for line in range(200):
            print(f"line {line}")

    flow = Flow("chatty")
    flow.add_task(chatty)
    return flow


def chatty_page() -> RunDetail:
    output = "".join(f"line {n}\n" for n in range(200))
    attempt = AttemptRecord(1, "COMPLETED", T0, 1.0, "None", None, None, None, output, None, "")
    record = TaskRecord(
        "chatty", "COMPLETED", 1, 1, "", "None", False, "", None, None, T0, 1.0, T0 + 1, (attempt,)
    )
    run = RunRecord("run-1", "chatty", 1, "COMPLETED", T0, T0 + 1, 1.0, None, None, {}, 1)
    return RunDetail(run, (record,))


async def scrolls_with_letters(pilot: Any, pane: KeyScroll) -> None:
    """`j j j` three lines down, `k` one up, `G` to the end, `g` to the top."""
    await wait_for(pilot, lambda: pane.max_scroll_y > 10, "something to scroll")
    assert pane.scroll_y == 0
    await pilot.press("j", "j", "j")
    await wait_for(pilot, lambda: pane.scroll_y == 3, "three lines down")
    await pilot.press("k")
    await wait_for(pilot, lambda: pane.scroll_y == 2, "a line up")
    await pilot.press("G")
    await wait_for(pilot, lambda: pane.scroll_y == pane.max_scroll_y, "the end")
    await pilot.press("g")
    await wait_for(pilot, lambda: pane.scroll_y == 0, "the top")


async def test_j_k_g_G_scroll_the_detail_pane(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"chatty": chatty_flow()}))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for_run(pilot, app, StateType.COMPLETED)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is app.detail, "the detail pane's focus")
        await scrolls_with_letters(pilot, app.detail)
        assert app.focused is app.detail  # the keys scrolled, they did not leave the pane


async def open_attempts(pilot: Any, app: FlowtopApp) -> KeyScroll:
    """A past run's page over the main screen, its attempts pane focused (Tab)."""
    await pilot.pause()
    app.push_screen(RunDetailScreen(chatty_page()))
    await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "the run's page")
    await wait_for(pilot, lambda: "line 0" in screen_text(app), "the attempt's output")
    await pilot.press("tab")
    attempts = app.screen.query_one("#attempts", KeyScroll)
    await wait_for(pilot, lambda: app.screen.focused is attempts, "the attempts' focus")
    return attempts


async def test_j_k_g_G_scroll_a_past_runs_attempts(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"chatty": chatty_flow()}))
    async with app.run_test(size=(100, 30)) as pilot:
        attempts = await open_attempts(pilot, app)
        await scrolls_with_letters(pilot, attempts)


async def test_the_help_over_the_attempts_lists_flowtops_scroll_keys(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"chatty": chatty_flow()}))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_attempts(pilot, app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert isinstance(app.screen, HelpScreen)
        rows = {keys: (description, tip) for keys, description, tip in app.screen.rows}
        assert rows["↑ / k"] == ("Up", "Up a line")
        assert rows["↓ / j"] == ("Down", "Down a line")
        assert rows["home / g"][0] == "First"
        assert rows["end / G"][0] == "Last"
        assert all(tip for _, tip in rows.values()), rows  # Textual's had none
        assert "^pgup" not in rows and "Scroll Up" not in screen_text(app)


# -- 3: the Enter key's name on the Linux console -----------------------------------------


@pytest.mark.parametrize(
    ("term", "enter"), [("linux", "enter"), ("linux-16color", "enter"), ("xterm-256color", "⏎")]
)
def test_a_key_the_console_cannot_draw_is_named(term: str, enter: str) -> None:
    assert key_shown_on("⏎", {"TERM": term}) == enter
    assert key_shown_on("shift+⏎", {"TERM": term}) == f"shift+{enter}"
    assert key_shown_on("↑", {"TERM": term}) == "↑"  # in the console's font
    assert key_shown_on("esc", {"TERM": term}) == "esc"


async def test_the_footer_and_help_name_enter_on_the_linux_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", "linux")
    app = FlowtopApp(FakeWorkspace(tmp_path, {"chatty": chatty_flow()}))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.get_key_display(Binding("enter", "open_task")) == "enter"
        await pilot.press("slash")
        shown = await wait_for_text(pilot, app, "Keep filter")
        assert "enter Keep filter" in shown and "⏎" not in shown
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.focused is app.table, "the table")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert isinstance(app.screen, HelpScreen)
        keys = {description: keys for keys, description, _ in app.screen.rows}
        assert keys["Keep filter"] == "enter"
        assert keys["Task detail"] == "enter"


async def test_enter_keeps_its_glyph_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    app = FlowtopApp(FakeWorkspace(tmp_path, {"chatty": chatty_flow()}))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        assert "⏎ Keep filter" in await wait_for_text(pilot, app, "Keep filter")
