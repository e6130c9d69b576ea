"""A toast shown while a dialog is open is drawn beside the dialog, never over its text.

Textual draws its toasts in a layer of their own, over everything on the screen: a
reload's toast that came while the retry editor was open hid its Save button and fields,
one under a question hid its text. Under a dialog the toasts now take a band at the
screen's foot, and the dialog is laid out above it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.geometry import Region
from textual.screen import ModalScreen
from textual.widgets._toast import Toast

from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.confirm import ConfirmScreen
from pilot_kit import wait_for

from .conftest import FakeWorkspace

QUESTION = "demo is already running (#1). Start another run beside it? (then w switches)"


async def open_retry_editor(pilot: Any, app: FlowtopApp) -> None:
    await pilot.press("right", "e")


async def open_question(pilot: Any, app: FlowtopApp) -> None:
    app.push_screen(ConfirmScreen(QUESTION))


async def open_help(pilot: Any, app: FlowtopApp) -> None:
    await pilot.press("question_mark")


def toast_regions(app: FlowtopApp) -> list[Region]:
    """Where the toasts on the screen are drawn (those laid out yet)."""
    return [toast.region for toast in app.screen.query(Toast) if toast.region.area]


@pytest.mark.parametrize(
    ("open_dialog", "size"),
    [
        (open_retry_editor, (120, 36)),
        (open_retry_editor, (80, 24)),
        (open_help, (120, 36)),
        (open_help, (80, 24)),
        (open_question, (80, 24)),  # (at 120×36 the toasts were clear of it already)
    ],
)
async def test_toasts_under_a_dialog_leave_its_text_alone(
    workspace: FakeWorkspace,
    open_dialog: Callable[[Any, FlowtopApp], Awaitable[None]],
    size: tuple[int, int],
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=size, notifications=True) as pilot:
        app.flow_list.select_flow("demo")
        await pilot.pause()
        await open_dialog(pilot, app)
        shown = lambda: isinstance(app.screen, ModalScreen) and app.screen.query("#dialog")  # noqa: E731 - a probe
        await wait_for(pilot, shown, "the dialog")
        dialog = app.screen.query_one("#dialog")
        await wait_for(pilot, lambda: dialog.region.area > 0, "the dialog laid out")
        app.notify("Reloaded flows/etl.py (1 flow), which import flows/flaky_api.py", timeout=60)
        app.notify("A warning long enough to take two lines of its toast here", timeout=60)
        await wait_for(pilot, lambda: len(toast_regions(app)) == 2, "both toasts shown")
        await pilot.pause()  # (the dialog laid out again around them)
        for toast in toast_regions(app):
            assert not toast.overlaps(dialog.region), (toast, dialog.region)
