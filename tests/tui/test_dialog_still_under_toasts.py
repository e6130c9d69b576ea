"""A dialog stays where it stands as toasts come and go, and on a short screen the toasts
give way to the field typed in.

Under a dialog the toasts take a band at the screen's foot and the dialog is laid out
above it. It was centred again in what the band left: it jumped up as a toast came and
back down as it went, even where the screen had room for both. At 40×12 a reload's
toast took five rows of the retry editor's eleven, and the label of the field typed in
(the line above it there) went out of sight.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets._toast import Toast

from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.confirm import ConfirmScreen
from flowtop.tui.screens.retry_editor import FieldsScroll
from pilot_kit import wait_for

from .conftest import FakeWorkspace

RELOADED = "Reloaded flows/etl.py (1 flow), which imports flows/flaky_api.py"
WARNING = "A warning long enough to take two lines of its toast at any width here"


def toast_regions(app: FlowtopApp) -> list[Region]:
    return [toast.region for toast in app.screen.query(Toast) if toast.region.area]


async def open_dialog(pilot: Any, app: FlowtopApp, keys: tuple[str, ...]) -> Widget:
    """Open a dialog by ``keys`` (none: a question) and wait until it is laid out."""
    app.flow_list.select_flow("demo")
    await pilot.pause()
    if keys:
        await pilot.press(*keys)
    else:
        app.push_screen(ConfirmScreen("demo is already running (#1). Start another run?"))
    shown = lambda: isinstance(app.screen, ModalScreen) and app.screen.query("#dialog")  # noqa: E731 - a probe
    await wait_for(pilot, shown, "the dialog")
    dialog = app.screen.query_one("#dialog")
    await wait_for(pilot, lambda: dialog.region.area > 0, "the dialog laid out")
    return dialog


async def settle(pilot: Any) -> None:
    """Two frames: the screen laid out around the toasts, then the dialog moved."""
    await pilot.pause()
    await pilot.pause()


async def test_a_question_stays_put_as_a_toast_comes_and_goes(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        dialog = await open_dialog(pilot, app, ())
        before = dialog.region
        app.notify(RELOADED, timeout=60)
        await wait_for(pilot, lambda: toast_regions(app), "the toast")
        await settle(pilot)
        assert dialog.region == before  # it jumped up 3 rows
        app.clear_notifications()
        await wait_for(pilot, lambda: not toast_regions(app), "the toast gone")
        await settle(pilot)
        assert dialog.region == before


async def test_a_tall_dialog_climbs_only_the_rows_the_band_needs(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        dialog = await open_dialog(pilot, app, ("right", "e"))
        assert (dialog.region.y, dialog.region.height) == (3, 17)  # centred in 23 rows
        app.notify(RELOADED, timeout=60)
        await wait_for(pilot, lambda: toast_regions(app), "the toast")
        await settle(pilot)
        (toast,) = toast_regions(app)
        assert dialog.region.height == 17
        # Its foot right above the toast's band (the toast and the blank line above it),
        # two rows up: centred in what the band left, it had climbed three, to row 0.
        assert dialog.region.bottom == toast.y - 1
        assert dialog.region.y == 1


async def test_at_40x12_the_field_typed_in_keeps_its_label_in_view(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=(40, 12), notifications=True) as pilot:
        dialog = await open_dialog(pilot, app, ("right", "e"))
        await pilot.press("tab")  # the second field: Delay
        await pilot.pause()
        fields = app.screen.query_one("#fields")
        app.notify(RELOADED, timeout=60)
        app.notify(WARNING, severity="warning", timeout=60)
        await wait_for(pilot, lambda: len(toast_regions(app)) == 2, "both toasts")
        await settle(pilot)
        field = app.screen.focused
        assert field is not None and field.id == "field-retry_delay"
        label = list(app.screen.query("#fields .row .label"))[1]  # the second field's
        shown = fields.scrollable_content_region
        assert shown.contains_region(field.region), (field.region, shown)
        assert shown.contains_region(label.region), (label.region, shown)  # it was above
        for toast in toast_regions(app):
            assert not toast.overlaps(dialog.region)
            assert toast.height == 1  # one line each, cut with "…"


async def test_the_field_typed_in_stays_in_view_with_no_resize_event(
    workspace: FakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual sends a widget no ``Resize`` when, after a scroll-only layout, a look at any
    region came between a change and its layout (the map made again for the look has the
    new sizes, the layout finds none changed). The test above, whose wait looks at the
    toasts' regions, failed so one time in ten under load: the editor kept the field typed
    in in view on a ``Resize`` alone. Here none comes."""

    def post_all_but_resize(self: FieldsScroll, message: Message) -> bool:
        return isinstance(message, events.Resize) or Widget.post_message(self, message)

    monkeypatch.setattr(FieldsScroll, "post_message", post_all_but_resize)
    app = FlowtopApp(workspace)
    async with app.run_test(size=(40, 12), notifications=True) as pilot:
        await open_dialog(pilot, app, ("right", "e"))
        await pilot.press("tab")  # the second field: Delay
        await pilot.pause()
        fields = app.screen.query_one("#fields", FieldsScroll)
        app.notify(RELOADED, timeout=60)
        app.notify(WARNING, severity="warning", timeout=60)
        field = app.screen.focused
        assert field is not None and field.id == "field-retry_delay"
        label = list(app.screen.query("#fields .row .label"))[1]  # the second field's
        shown = lambda: fields.scrollable_content_region  # noqa: E731 - a probe
        await wait_for(pilot, lambda: shown().height == 3, "the toasts taking two rows")
        await wait_for(
            pilot,
            lambda: shown().contains_region(field.region) and shown().contains_region(label.region),
            "the field typed in and its label in view",
            timeout=5,
        )
