"""The run header's counts are coloured as their states are everywhere else.

The counts line (``✗ 1 failed  ⊘ 1 upstream failed``) was drawn in the foreground's
bright white, while the README says a state looks "the same in the table, the header,
the flows list and the detail pane". Under ``NO_COLOR`` and on a monochrome terminal a
failure stands out as it does beside the run's number: bold, in reverse video.
"""

from __future__ import annotations

from typing import Any

import pytest
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from flowtop.tui.app import FlowtopApp
from flowtop.tui.widgets.state_colors import looks

from .conftest import FakeWorkspace, run_demo

#: The demo's counts once it failed, in their words and in their symbols alone, and the
#: look each is drawn in.
PARTS = {
    "✓ 3 completed": "completed",
    "✗ 1 failed": "failed",
    "⊘ 1 upstream failed": "upstream",
}
SHORT = {"✓ 3": "completed", "✗ 1": "failed", "⊘ 1": "upstream"}


def counts_line(app: FlowtopApp) -> Text:
    """The run header's second line, as it was given to be drawn."""
    assert app.header._shown is not None
    return app.header._shown.split("\n")[1]


def style_of(line: Text, part: str) -> str:
    """The style ``part`` of ``line`` is drawn in (its spans', over the line's own)."""
    start = line.plain.index(part)
    return " ".join(
        str(span.style)
        for span in line.spans
        if span.start <= start and span.end >= start + len(part)
    ).strip()


def drawn_part(app: FlowtopApp, part: str) -> Segment:
    """The header's segment on screen that holds ``part``."""
    for strip in app.screen._compositor.render_strips()[:2]:
        for segment in strip:
            if part in segment.text:
                return segment
    raise AssertionError(f"{part!r} is not drawn whole in the header")


@pytest.mark.parametrize(("width", "parts"), [(90, PARTS), (60, SHORT)])
async def test_each_count_takes_its_state_s_look(
    workspace: FakeWorkspace, width: int, parts: dict[str, str]
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(width, 24)) as pilot:
        await run_demo(pilot, app)
        await pilot.pause()
        line, styles = counts_line(app), looks(app)
        assert line.plain == "  ".join(parts), line.plain
        for part, look in parts.items():
            assert style_of(line, part) == styles[look], (part, line.spans)
        # on screen: green, red and magenta (as Textual's theme draws them), not the
        # foreground the run's number is in
        foreground = drawn_part(app, "run #1").style
        drawn = [drawn_part(app, part).style for part in parts]
        assert all(isinstance(style, Style) for style in [foreground, *drawn])
        colours = {style.color for style in drawn if style is not None}
        assert foreground is not None and foreground.color not in colours, colours
        assert len(colours) > 1, colours  # a completed count is not a failure's colour


@pytest.mark.parametrize("mode", ["plain", "mono"])
async def test_without_colour_a_failure_is_bold_in_reverse_video(
    workspace: FakeWorkspace, mode: str
) -> None:
    app: Any = FlowtopApp(workspace, watch=False)
    app.colour_mode = mode  # NO_COLOR, or what TERM=vt100 chooses (headless asks none)
    async with app.run_test(size=(90, 24)) as pilot:
        await run_demo(pilot, app)
        await pilot.pause()
        failed = drawn_part(app, "✗ 1 failed")
        assert isinstance(failed.style, Style)
        assert failed.style.bold and failed.style.reverse
        for part in ("✓ 3 completed", "⊘ 1 upstream failed"):
            style = drawn_part(app, part).style
            assert style is None or not (style.reverse or style.bold), part
