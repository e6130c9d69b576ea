"""A flow named with an emoji that takes its emoji presentation (U+FE0F after a narrow
character, `🌩️`) in the retry editor's title and the history screen's heading.

The flows list, header and table draw it in its text presentation (U+FE0E: one cell in
every terminal, as Rich measures it: ``printable.drawn_as_measured``); the editor's title
and the history heading kept U+FE0F, which Textual counts two cells and tmux one: the
editor's right border stood a column out on that row, and old characters were left.
"""

from __future__ import annotations

from pathlib import Path

from flowtop.engine import Flow, task
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.history import HistoryScreen
from flowtop.tui.screens.retry_editor import RetryEditor
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace

NAME = "storm \u26c8\ufe0f"  # ⛈️: narrow by default, emoji by its selector
SHOWN = "storm \u26c8\ufe0e"


def storm() -> Flow:
    @task
    def fetch() -> int:
        return 1

    with Flow(NAME) as flow:
        fetch()
    return flow


async def test_the_editor_title_and_history_heading_draw_the_emoji_as_one_cell(
    tmp_path: Path,
) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {NAME: storm()}))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.selected_flow == NAME, "the flow")
        # the header of a flow not run yet too (old: its hint's line kept U+FE0F)
        await wait_for(pilot, lambda: f"{SHOWN}  not run yet" in screen_text(app), "header")
        app.table.focus()
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the editor")
        # old: `Retry settings · storm ⛈️ / fetch`, its border a column out in tmux
        await wait_for(
            pilot, lambda: f"Retry settings · {SHOWN} / fetch" in screen_text(app), "title"
        )
        await pilot.press("escape")
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "the history")
        await wait_for(pilot, lambda: f"flow {SHOWN}" in screen_text(app), "the heading")
