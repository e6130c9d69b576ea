"""The retry editor's buttons below 60 columns (Textual's compact buttons).

Compact, at 50x20 and 45x20 ``Cancel`` lost its frame and read as plain text on the
dialog's background, and the disabled ``Clear override`` was dark olive on brown (2.2:1).
Each now stands in a one-row frame of its own, as a narrow question's answers do, side by
side down to 40 columns, and a disabled one's label is muted text on the dialog's
background, readable and still plainly not to be pressed.
"""

from __future__ import annotations

from typing import Any

import pytest
from rich.color import Color
from textual.widgets import Button

from flowtop.tui.screens import RetryEditor
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace
from .snapshot_apps import HostApp


def luminance(color: Color) -> float:
    """WCAG's relative luminance of ``color``."""
    red, green, blue = color.get_truecolor()

    def linear(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(one: Color, other: Color) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def label_contrast(app: Any, label: str) -> float:
    """The least contrast of ``label``'s letters with their background, as the screen
    draws them (on the first line it is on)."""
    for line in app.screen._compositor.render_strips():
        text = "".join(segment.text for segment in line)
        start = text.find(label)
        if start < 0:
            continue
        ratios, at = [], 0
        for segment in line:  # (one cell a character on this line)
            begin, at = at, at + len(segment.text)
            if at <= start or begin >= start + len(label) or not segment.text.strip():
                continue
            style = segment.style
            assert style is not None and style.color and style.bgcolor, segment
            ratios.append(contrast(style.color, style.bgcolor))
        return min(ratios)
    raise AssertionError(f"{label!r} is not drawn")


@pytest.mark.parametrize("width", [50, 45, 40])
async def test_each_narrow_button_is_framed_and_its_label_readable(
    workspace: FakeWorkspace, width: int
) -> None:
    app = HostApp(lambda: RetryEditor(workspace, "demo", "flaky"))
    async with app.run_test(size=(width, 20)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#cancel"), "the editor")
        await wait_for(pilot, lambda: app.screen.has_class("-narrow"), "the narrow form")
        clear = app.screen.query_one("#clear", Button)
        assert clear.disabled  # no override to clear: the case seen
        await wait_for(pilot, lambda: "▏ Cancel ▕" in screen_text(app), "Cancel in a frame")
        text = screen_text(app)
        assert "▏ Save ▕▏ Clear override ▕▏ Cancel ▕" in text, text
        # bold labels: WCAG's 3:1 (Save's white on blue is Textual's, 3.8)
        for label in ("Save", "Clear override", "Cancel"):
            assert label_contrast(app, label) >= 3.0, label  # old: Clear override 2.2
