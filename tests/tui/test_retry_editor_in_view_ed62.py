"""The retry editor at 80×24 with error lines under earlier fields (ed62).

Once error lines grew the fields above it, Tab moved the focus to a field below the
dialog's visible rows and the view stayed where it was: keys were typed blind. And a
refused Save with many wrong fields said nothing visible: its ``Not saved: …`` line was
squeezed out under the fields."""

from __future__ import annotations

from typing import Any

import pytest
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Input

from flowtop.tui.call_scope import scope_note
from flowtop.tui.screens import RetryEditor
from flowtop.workspace import Workspace
from flowtop.workspace.flow_shapes import FIELDS
from pilot_kit import screen_text, wait_for

from .conftest import LoadWorkspace
from .editor_kit import editor_app, editor_field
from .snapshot_apps import ETL_FILES, HostApp

#: A wrong value for each of the nine fields but Retry on, in the order of ``FIELDS``.
WRONG = ["abc", "5s", "abc", "x", "200", "-3", "", "0", "inf"]


@pytest.fixture
def real_workspace(load_workspace: LoadWorkspace) -> Workspace:
    return load_workspace(ETL_FILES)


def in_view(app: Any, widget: Widget) -> bool:
    """Whether ``widget`` is drawn on screen: inside the fields' rows shown, and under
    no other widget (the dialog's buttons lay over the last fields)."""
    fields = app.screen.query_one("#fields").scrollable_content_region
    region = widget.region
    inside = region.height > 0 and Region.from_union([fields, region]) == fields
    at = app.screen.get_widget_at(region.x, region.y)[0] if inside else None
    return at is widget


async def test_tab_into_a_field_below_error_lines_shows_it(example_workspace: Any) -> None:
    scope = scope_note("extract-2", ["extract", "extract-2", "transform", "load"], "in the flow")
    app = HostApp(lambda: RetryEditor(example_workspace, "etl", "extract-2", scope=scope))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen.focused, Input), "the first field")
        for _ in range(6):
            await pilot.press("tab")
        await wait_for(
            pilot, lambda: app.screen.focused is editor_field(app, "retry_on"), "Retry on"
        )
        await pilot.press(*"nosuchpkg.exceptions.HTTPError", "tab", *"0.0001", "tab")
        deadline = editor_field(app, "retry_deadline")
        await wait_for(pilot, lambda: app.screen.focused is deadline, "the focus on Deadline")
        await wait_for(pilot, lambda: in_view(app, deadline), "Deadline in view")
        await pilot.press("7")
        await wait_for(pilot, lambda: deadline.value == "7", "the 7 typed")
        await pilot.pause()
        assert in_view(app, deadline), screen_text(app)


async def test_refused_save_with_many_wrong_fields_is_said_on_screen(real_workspace: Any) -> None:
    app = editor_app(real_workspace, "etl", "fetch_orders")
    wrong = ["abc", "5s", "abc", "", "200", "-3", "NoSuchError", "0", "inf"]
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen.focused, Input), "the first field")
        for text in wrong:
            if text:
                await pilot.press(*text)
            await pilot.press("tab")
        await pilot.press("shift+tab")
        await wait_for(
            pilot,
            lambda: editor_field(app, "retry_deadline").value == "inf",
            "the last value typed",
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Not saved:" in screen_text(app), "the refusal on screen")
        text = screen_text(app)
        assert "are wrong (see under each)" in text, text


async def test_the_fields_take_their_rows_back_once_the_errors_are_fixed(
    real_workspace: Any,
) -> None:
    app = editor_app(real_workspace, "etl", "fetch_orders")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the editor")
        editor = app.screen
        assert isinstance(editor, RetryEditor)
        initial = [editor.initial[name] for name in FIELDS]
        fields = [editor_field(app, name) for name in FIELDS]
        await wait_for(pilot, lambda: all(in_view(app, f) for f in fields), "every field shown")
        for field, text in zip(fields, WRONG, strict=True):
            if text:
                field.value = text
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Not saved:" in screen_text(app), "the refusal")
        await wait_for(
            pilot, lambda: not all(in_view(app, f) for f in fields), "the fields scrolled"
        )
        for field, text in zip(fields, initial, strict=True):
            field.value = text
        await wait_for(
            pilot,
            lambda: all(in_view(app, f) for f in fields),
            "every field shown again",
        )
