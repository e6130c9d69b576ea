"""The retry editor at 40 columns was unreadable: the label and layer columns (16 cells
each) left the inputs 2 characters, and Cancel fell off the dialog's right edge. Below
``RetryEditor.NARROW`` columns each field takes two lines (label and layer, then the
input the dialog's width) and the buttons one line each, side by side."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Button, Input

from flowtop.tui.screens import RetryEditor
from flowtop.workspace import Workspace
from pilot_kit import screen_text

from .conftest import LoadWorkspace
from .snapshot_apps import ETL_FILES, HostApp


@pytest.fixture
def real_workspace(load_workspace: LoadWorkspace) -> Workspace:
    return load_workspace(ETL_FILES)


def editor_app(workspace: Workspace) -> HostApp:
    return HostApp(lambda: RetryEditor(workspace, "etl", "fetch_orders"))


async def test_at_40_columns_each_input_takes_the_dialog_s_width(real_workspace: Any) -> None:
    app = editor_app(real_workspace)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        dialog = app.screen.query_one("#dialog").content_region
        for _ in range(8):  # every field, each scrolled into view as Tab reaches it
            focused = app.screen.focused
            assert isinstance(focused, Input)
            assert focused.region.width >= dialog.width - 2, (focused.id, focused.region)
            row = focused.parent
            assert row is not None
            label, layer = row.query_one(".label").region, row.query_one(".layer").region
            assert label.y == layer.y == focused.region.y - 1  # both on the line above it
            assert layer.x >= label.right  # side by side
            await pilot.press("tab")
            await pilot.pause()


async def test_at_40_columns_the_buttons_stay_inside_the_dialog(real_workspace: Any) -> None:
    app = editor_app(real_workspace)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        dialog = app.screen.query_one("#dialog").content_region
        buttons = list(app.screen.query(Button))
        assert [b.id for b in buttons] == ["save", "clear", "cancel"]
        for button in buttons:
            assert dialog.contains_region(button.region), (button.id, button.region)
            assert button.region.height == 1  # one line each: the fields keep the rows
        assert "Save" in screen_text(app) and "Cancel" in screen_text(app)


async def test_at_full_width_each_field_keeps_its_one_line(real_workspace: Any) -> None:
    app = editor_app(real_workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert not app.screen.has_class("-narrow")
        field = app.screen.query_one("#field-max_retries", Input)
        layer = app.screen.query_one("#layer-max_retries").region
        assert layer.y == field.region.y and layer.x > field.region.right - 1
        assert all(not b.compact for b in app.screen.query(Button))
