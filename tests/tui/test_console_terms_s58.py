"""The monitor and human output on the Linux console (``TERM=linux``) and on a
monochrome terminal (``TERM=vt100``).

The console's font lacks most of the symbols flowtop and Textual draw (``✓ ✗ ⟳ ⊘ ↺ ⚡``,
the borders' ``▕ ▔``, the palette's ``🔎``): they showed as blocks or ``?``. There a
terminal's output goes through ``printable.CONSOLE_CODEC``, each such symbol as one the
font has, one cell for one. A vt100 shows no colour, and was taken for a 16-colour
terminal: the cursor's row, only coloured, did not show; it is in reverse video there.
"""

from __future__ import annotations

import codecs
import os
import pty
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rich.cells import cell_len

from flowtop import looks
from flowtop.printable import (
    CONSOLE_CODEC,
    CONSOLE_FONT,
    SYMBOLS,
    as_written,
    console_text,
    on_linux_console,
)
from flowtop.tui.app import FlowtopApp
from flowtop.tui.widgets.state_colors import PLAIN_LOOK_STYLE, colour_mode
from flowtop.tui.widgets.state_colors import looks as looks_of
from pilot_kit import screen_text, wait_for, wait_for_text
from pty_kit import read_until

from .conftest import FakeWorkspace
from .test_app import run_demo

SIZE = (100, 30)


def shows_on_console(char: str) -> bool:
    """Whether the Linux console's font has ``char``: ASCII, Latin-1, ``CONSOLE_FONT``."""
    return ord(char) <= 0xFF or char in CONSOLE_FONT


def lacking(text: str) -> set[str]:
    return {c for c in text if not shows_on_console(c)}


def test_every_symbol_flowtop_draws_has_a_console_lookalike_of_its_width() -> None:
    drawn = set(SYMBOLS) | {"⊘", "↺", "⚡", "■", "▕", "▔", "🔎", "…", "╭", "╯", "▆"}
    drawn |= {look[0] for look in looks.STATE_LOOK.values()}
    drawn |= {looks.REUSED_LOOK[0], looks.INTERRUPTED_LOOK[0], looks.REJECTED_LOOK[0]}
    for char in sorted(drawn):
        shown = console_text(char)
        assert not lacking(shown), (char, shown)
        assert cell_len(shown) == cell_len(char), (char, shown)
    # the state symbols read as distinct look-alikes, as on an ASCII terminal
    states = [console_text(look[0]) for look in looks.STATE_LOOK.values()]
    assert len(set(states)) == len(states), states
    assert console_text("✓ etl ⟳ retry → 'ok' · データ") == "+ etl ~ retry → 'ok' · データ"


def test_the_console_codec_writes_utf8_and_measures_as_written() -> None:
    assert "✓ café ▶".encode(CONSOLE_CODEC) == "+ café >".encode()
    assert codecs.lookup(CONSOLE_CODEC).name == CONSOLE_CODEC
    stream = SimpleNamespace(encoding=CONSOLE_CODEC, errors="strict")
    assert as_written("⊘ upstream…", stream) == "^ upstream."


@pytest.mark.parametrize(
    ("term", "console"), [("linux", True), ("linux-16color", True), ("xterm", False), ("", False)]
)
def test_which_terms_are_the_linux_console(term: str, console: bool) -> None:
    assert on_linux_console({"TERM": term}) is console


async def test_nothing_the_monitor_draws_is_lacking_on_the_console(
    workspace: FakeWorkspace,
) -> None:
    """Each screen's text, as the console codec writes it: no glyph outside the console's
    font, and every line as wide as drawn (the layout was measured on the symbols)."""
    app = FlowtopApp(workspace)
    screens: dict[str, str] = {}
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        screens["main"] = await wait_for_text(pilot, app, "⊘ Upstream failed")
        await pilot.press("question_mark")
        screens["help"] = await wait_for_text(pilot, app, "Keys")
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        screens["palette"] = await wait_for_text(pilot, app, "🔎")
        await pilot.press("escape")
        await pilot.press("h")
        screens["history"] = await wait_for_text(pilot, app, "History")
    assert lacking("".join(screens.values()))  # the symbols are there, as drawn
    for name, text in screens.items():
        for line in text.splitlines():
            shown = console_text(line)
            assert not lacking(shown), (name, sorted(lacking(shown)), shown)
            assert cell_len(shown) == cell_len(line), (name, shown)


FLOW = """
from flowtop import flow, task

@task(retries=1, retry_delay_seconds=0)
def shaky() -> None:
    raise ValueError("no")

@task
def fine() -> int:
    return 1

@flow
def one() -> None:
    fine()
    shaky()
"""


def _in_a_terminal(folder: Path, *words: str) -> tuple[subprocess.Popen[bytes], int]:
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "linux", "COLUMNS": "100", "LINES": "30", "LANG": "C.UTF-8"}
    env.pop("LC_ALL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "flowtop", *words, str(folder)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=folder,
        start_new_session=True,
    )
    os.close(follower)
    return process, leader


def test_flowtop_run_on_the_console_writes_lookalikes(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text(FLOW)
    process, leader = _in_a_terminal(tmp_path, "run", "--no-history")
    try:
        said = read_until(leader).decode("utf-8", "replace")
        assert process.wait(timeout=60) == 1
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "+ completed" in said and "x failed" in said and "~ retry" in said, said
    assert not lacking(said), sorted(lacking(said))


def test_the_monitor_on_the_console_draws_what_its_font_has(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text(FLOW)
    process, leader = _in_a_terminal(tmp_path, "open")
    try:
        drawn = read_until(leader, b"No tasks yet", b"Quit")
        os.write(leader, b"r")  # a run: its states' symbols drawn
        drawn += read_until(leader, b"Failed", b"Completed")
        os.write(leader, b"q")
        drawn = read_until(leader, so_far=drawn)
        assert process.wait(timeout=60) == 0
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
            process.wait()
    text = drawn.decode("utf-8", "replace")
    assert "│" in text and "x Failed" in text  # the flows list's border, ✗
    assert not lacking(text), sorted(lacking(text))


def _terminal(color_system: str) -> Any:
    """An app as ``colour_mode`` asks it: on a terminal, colours as Rich found them."""
    console = SimpleNamespace(color_system=color_system)
    return SimpleNamespace(no_color=False, is_headless=False, console=console)


@pytest.mark.parametrize(
    ("term", "mode"),
    [
        ("vt100", "mono"),
        ("vt220", "mono"),
        ("xterm-mono", "mono"),
        ("linux", "ansi16"),
        ("xterm", "ansi16"),
        ("screen", "ansi16"),
    ],
)
def test_a_monochrome_term_is_no_16_colour_one(
    monkeypatch: pytest.MonkeyPatch, term: str, mode: str
) -> None:
    monkeypatch.setenv("TERM", term)
    assert colour_mode(_terminal("standard")) == mode


def _cursor_row(app: FlowtopApp) -> list[Any]:
    """The segments of the table's cursor row, as drawn."""
    region = app.table.content_region
    strips = app.screen._compositor.render_strips()
    row = region.y + 1 + app.table.cursor - int(app.table.scroll_offset.y)
    drawn = strips[row].crop(region.x, region.right)
    return [s for s in drawn if s.style is not None and s.text.strip()]


async def test_the_cursor_row_shows_on_a_monochrome_terminal(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace)
    app.colour_mode = "mono"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert looks_of(app) is PLAIN_LOOK_STYLE
        assert app.has_class("-mono") and app.table.has_class("-mono")
        await wait_for(pilot, lambda: bool(app.table.keys), "the table's rows")
        await pilot.press("down")
        await wait_for(pilot, lambda: app.table.cursor == 1, "the cursor on the second row")
        cursor = _cursor_row(app)
        assert "flaky" in "".join(s.text for s in cursor), screen_text(app)
        assert all(segment.style.reverse for segment in cursor), cursor
