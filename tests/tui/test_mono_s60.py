"""A monochrome terminal draws no colour at all, and the palette offers no command that
leaves the screen unreadable or with no way back (rv402 §3, §8).

Under ``TERM=vt100`` the footer's keys came out bright red and the cursor's row white on
cyan (Rich draws a 16-colour terminal's colours there); under ``NO_COLOR`` the palette's
Theme → ``ansi-dark`` drew every cell black on black; its Maximize left the focused
widget alone on a hatched screen with no footer to say how to get back.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from rich.segment import Segment
from textual.command import CommandPalette

from flowtop.tui.app import FlowtopApp
from flowtop.tui.widgets.state_colors import colour_mode
from pilot_kit import wait_for, wait_for_text

from .conftest import FakeWorkspace


def drawn_segments(app: Any) -> list[list[Segment]]:
    """The screen as drawn, line filters applied: one list of segments per row."""
    return [list(strip) for strip in app.screen._compositor.render_strips()]


def coloured(segment: Segment) -> bool:
    style = segment.style
    if style is None:
        return False
    return any(c is not None and not c.is_default for c in (style.color, style.bgcolor))


def colours_on(app: Any) -> list[str]:
    return [s.text for row in drawn_segments(app) for s in row if s.text.strip() and coloured(s)]


def titles(app: Any) -> list[str]:
    return [command.title for command in app.get_system_commands(app.screen)]


async def test_a_monochrome_terminal_gets_no_colour_footer_and_cursor_row_included(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=False)
    app.colour_mode = "mono"  # what TERM=vt100 chooses (headless asks no terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, app, "extract")
        rows = drawn_segments(app)
        assert colours_on(app) == []
        keys = [s for s in rows[-1] if s.text.strip() == "r"]
        assert keys and keys[0].style is not None and keys[0].style.bold
        cursor_row = next(row for row in rows if any("extract" in s.text for s in row))
        cursor = next(s for s in cursor_row if "extract" in s.text)
        assert cursor.style is not None and cursor.style.reverse
        flow = next(s for s in rows[0] if "demo" in s.text)  # the highlighted flow
        assert flow.style is not None and flow.style.underline
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"scree")
        await wait_for(
            pilot,
            lambda: any(
                "nshot" in s.text and s.style is not None and s.style.underline
                for row in drawn_segments(app)
                for s in row
            ),
            "the palette's highlighted command underlined",
        )
        assert colours_on(app) == []


def test_vt100_is_monochrome_under_no_color_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "vt100")
    terminal = SimpleNamespace(
        colour_mode=None,
        no_color=True,
        is_headless=False,
        console=SimpleNamespace(color_system="standard"),
    )
    assert colour_mode(terminal) == "mono"  # type: ignore[arg-type]
    monkeypatch.setenv("TERM", "xterm-256color")
    assert colour_mode(terminal) == "plain"  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["mono", "plain"])
async def test_no_theme_command_where_no_colour_is_drawn(
    mode: str, workspace: FakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    if mode == "plain":
        monkeypatch.setenv("NO_COLOR", "1")
    app = FlowtopApp(workspace, watch=False)
    if mode == "mono":
        app.colour_mode = "mono"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert colour_mode(app) == mode
        assert "Theme" not in titles(app)
        assert "Screenshot" in titles(app)


async def test_themes_stay_in_colour_and_maximize_is_gone(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.focused is not None and app.focused.allow_maximize
        assert "Theme" in titles(app)
        assert "Maximize" not in titles(app) and "Minimize" not in titles(app)
