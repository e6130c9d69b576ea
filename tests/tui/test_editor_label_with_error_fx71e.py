"""At 40×12 a refused Save shows the wrong field's label with its error (fx71e).

`e`, `abc`, ctrl+s: the editor showed `abc`, `max retries must be a whole number, got
'abc'` and `Not saved: …`, but not `Max retries ← overrides*` above them (nor the field
itself, on a task called twice: its scope line took a row); so too once resized to 40×12
with the editor open. The policy line gives its rows to the fields meanwhile."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from flowtop.workspace import Workspace
from pilot_kit import screen_text, wait_for

from .editor_kit import drawn_whole, editor_field
from .snapshot_apps import make_main_app
from .test_editor_error_in_view_fx66g import open_editor


def field_label(app: Any, name: str) -> Static:
    """The label over (narrow) or beside field ``name``."""
    row = editor_field(app, name).parent
    assert row is not None
    return row.query_one(".label", Static)


async def label_and_error_shown(pilot: Any, app: Any) -> None:
    """Max retries' label, its field and its error drawn whole, and still so once idle."""
    field = editor_field(app, "max_retries")
    label = field_label(app, "max_retries")
    error = app.screen.query_one("#error-max_retries", Static)
    shown = (label, field, error)
    await wait_for(pilot, lambda: all(drawn_whole(app, w) for w in shown), "the label shown")
    await pilot.pause()
    assert all(drawn_whole(app, w) for w in shown), screen_text(app)
    assert "Max retries" in screen_text(app)


@pytest.mark.parametrize("opened_at", [(40, 12), (120, 36)])
async def test_a_refused_save_at_40x12_shows_the_fields_label(
    example_workspace: Workspace, opened_at: tuple[int, int]
) -> None:
    app = make_main_app(example_workspace)
    async with app.run_test(size=opened_at) as pilot:
        await open_editor(pilot, app)
        await pilot.press(*"abc", "ctrl+s")
        await wait_for(pilot, lambda: "Not saved:" in screen_text(app), "the refusal")
        if opened_at != (40, 12):
            await pilot.resize_terminal(40, 12)
        await label_and_error_shown(pilot, app)


async def test_the_policy_line_comes_back_with_the_field_fixed(
    example_workspace: Workspace,
) -> None:
    """Still wrong (`ab`): the label stays; right (`2`): the policy line is back, and the
    field keeps its label (it showed `2` alone)."""
    app = make_main_app(example_workspace)
    async with app.run_test(size=(40, 12)) as pilot:
        await open_editor(pilot, app)
        await pilot.press(*"abc", "ctrl+s")
        await wait_for(pilot, lambda: "Not saved:" in screen_text(app), "the refusal")
        await pilot.press("backspace")
        await wait_for(pilot, lambda: "got 'ab'" in screen_text(app), "the error on `ab`")
        await label_and_error_shown(pilot, app)
        await pilot.press("ctrl+u", "2")  # (emptied: the field's whole text)
        field = editor_field(app, "max_retries")
        await wait_for(pilot, lambda: field.value == "2", "the field fixed")
        await wait_for(pilot, lambda: "Now:" in screen_text(app), "the policy line back")
        label = field_label(app, "max_retries")
        shown = (label, field)
        await wait_for(pilot, lambda: all(drawn_whole(app, w) for w in shown), "its label")
        await pilot.pause()
        assert all(drawn_whole(app, w) for w in shown), screen_text(app)
