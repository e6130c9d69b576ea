"""Bidirectional controls from user code reach no terminal raw ("Trojan Source"): a
right-to-left override (U+202E) in an exception message, a print, a log record or a
parameter's value or default reordered the rest of the line it was shown in, in every
view. They show as their escapes (``\\u202e``), as lone surrogates do; the joiners that
emoji and Persian or Indic words need (U+200C, U+200D) and U+200B stay."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

import fork_cli
from flowtop.printable import BIDI, has_control, printable
from flowtop.tui.widgets.ordered_input import drawn
from pilot_kit import screen_text, wait_for

#: What a terminal would reorder by: the explicit controls and the implicit marks.
RAW = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

#: Joined and non-joined text that must come through as it is.
KEPT = "zwj:\U0001f469\u200d\U0001f4bb zwnj:\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 zwsp:a\u200bb"

FLOW = """
    import logging

    from flowtop import flow, task


    @task
    def boom(x: str):
        print("print: safe\\u202eevil\\u202c \\u2066iso\\u2069 \\u200fmark\\u061c")
        print("KEPT")
        logging.getLogger("flowtop.user").warning("log: \\u202etxt.exe")
        raise ValueError("exc: \\u202edecoy\\u202c end")


    @flow(name="bidi")
    def bidi(x: str = "def\\u202eault"):
        boom(x)
"""


def test_every_bidirectional_control_is_shown_as_its_escape() -> None:
    assert len(BIDI) == 12
    for char in "\u061c\u200e\u200f" + "".join(map(chr, range(0x202A, 0x202F))):
        assert printable(f"a{char}b") == f"a\\u{ord(char):04x}b"
    for code in range(0x2066, 0x206A):
        assert printable(f"a{chr(code)}b") == f"a\\u{code:04x}b"
        assert has_control(chr(code))
    assert printable("safe\u202eevil") == "safe\\u202eevil"
    assert drawn("a\u202eb") == ("a\\u202eb", (0, 1, 7, 8))  # a field: one character still


def test_joiners_and_right_to_left_letters_are_kept() -> None:
    for text in (KEPT, "\u0645\u0631\u062d\u0628\u0627", "\u05e9\u05dc\u05d5\u05dd"):
        assert printable(text) == text
        assert not has_control(text)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "bidi.py").write_text(textwrap.dedent(FLOW).replace("KEPT", KEPT))
    return tmp_path


def flowtop(*args: str, cwd: Path) -> str:
    done = fork_cli.run(args, cwd=cwd, timeout=60)
    return done.stdout + done.stderr


def test_run_list_and_history_show_them_escaped(folder: Path) -> None:
    listed = flowtop("list", cwd=folder)
    assert 'x: str = "def\\u202eault"' in listed and not RAW.search(listed), listed
    ran = flowtop("run", "bidi.py", "-p", "x=pa\u202eram", cwd=folder)
    assert not RAW.search(ran), ran
    assert 'x="pa\\u202eram"' in ran
    assert "ValueError: exc: \\u202edecoy\\u202c end" in ran
    assert "print: safe\\u202eevil\\u202c \\u2066iso\\u2069 \\u200fmark\\u061c" in ran
    assert "log: \\u202etxt.exe" in ran
    assert KEPT in ran  # joiners come through
    shown = flowtop("history", "--run", "1", cwd=folder)
    assert "exc: \\u202edecoy\\u202c end" in shown and not RAW.search(shown), shown


async def test_the_monitor_shows_them_escaped(folder: Path) -> None:
    from flowtop.tui.app import FlowtopApp
    from flowtop.workspace import Workspace

    workspace = Workspace(folder)
    workspace.load()
    assert not workspace.errors, workspace.errors
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=(200, 50)) as pilot:
            await pilot.press("r")

            def ended() -> bool:
                run = app.store.latest_for("bidi")
                return run is not None and run.state.value == "FAILED"

            await wait_for(pilot, ended, "the run to fail", timeout=60)
            await wait_for(pilot, lambda: "txt.exe" in screen_text(app), "the task's output")
            text = screen_text(app)
            assert "exc: \\u202edecoy\\u202c end" in text, text
            assert "log: \\u202etxt.exe" in text, text
            assert not RAW.search(text), text
    finally:
        workspace.close()
