"""A refused Save in the retry editor shows the first wrong field's error (fx66g).

At 50×15 the editor showed "Max retries" alone over seven empty rows: its fields were
capped as the dialog opened, before it took the screen's height, and never grew back.
After `abc` and Enter it said ``Not saved: Max retries is wrong (see under it)``, and the
line under the field was out of sight until Tab was pressed. A refused Save now shows the
first wrong field's error, and focuses the field, at any size; the fields take the rows
the dialog has.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Static

from flowtop.tui.screens import RetryEditor
from flowtop.workspace import Workspace
from pilot_kit import screen_text, wait_for

from .editor_kit import drawn_whole, editor_field
from .snapshot_apps import make_main_app

SIZES = [(50, 15), (40, 12), (60, 15), (80, 24), (120, 36)]


async def open_editor(pilot: Any, app: Any) -> RetryEditor:
    """``e`` on ``extract`` in the monitor: its retry editor, its first field focused."""
    await pilot.pause()
    await pilot.press("right")
    assert app.table.move_to("extract"), app.table.keys
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen.focused, Input), "the first field")
    editor = app.screen
    assert isinstance(editor, RetryEditor)
    return editor


async def error_shown_whole(pilot: Any, app: Any, editor: RetryEditor, field: str) -> None:
    """The error under ``field`` is drawn whole, and stays so once the app is idle."""
    error = editor.query_one(f"#error-{field}", Static)
    await wait_for(pilot, lambda: drawn_whole(app, error), "the field's error shown")
    await pilot.pause()
    assert drawn_whole(app, error), screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_a_refused_save_shows_the_error_under_the_field(
    example_workspace: Workspace, size: tuple[int, int]
) -> None:
    app = make_main_app(example_workspace)
    async with app.run_test(size=size) as pilot:
        editor = await open_editor(pilot, app)
        await pilot.press(*"abc", "enter")
        await wait_for(pilot, lambda: "Not saved:" in screen_text(app), "the refusal")
        await error_shown_whole(pilot, app, editor, "max_retries")
        assert "must be a whole" in screen_text(app)
        assert app.screen.focused is editor_field(app, "max_retries")


@pytest.mark.parametrize("size", SIZES)
async def test_a_refused_save_focuses_a_later_wrong_field_with_its_error(
    example_workspace: Workspace, size: tuple[int, int]
) -> None:
    app = make_main_app(example_workspace)
    async with app.run_test(size=size) as pilot:
        editor = await open_editor(pilot, app)
        deadline = editor_field(app, "retry_deadline")
        deadline.value = "-5"  # typed earlier; the focus back on the first field
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Not saved:" in screen_text(app), "the refusal")
        await wait_for(pilot, lambda: app.screen.focused is deadline, "the focus on Deadline")
        await error_shown_whole(pilot, app, editor, "retry_deadline")


async def test_at_50x15_the_fields_take_the_rows_the_dialog_has(
    example_workspace: Workspace,
) -> None:
    app = make_main_app(example_workspace)
    async with app.run_test(size=(50, 15)) as pilot:
        editor = await open_editor(pilot, app)
        fields = editor.query_one("#fields")
        await wait_for(pilot, lambda: fields.size.height > 0, "the fields laid out")
        await pilot.pause()
        first = [editor_field(app, n) for n in ("max_retries", "retry_delay", "backoff_factor")]
        assert all(drawn_whole(app, f) for f in first), screen_text(app)
