"""ctrl+z did nothing in the monitor (Textual reads it as a key): now it suspends flowtop
to the shell as any terminal program goes, and ``fg`` brings the screen back, redrawn,
reading keys."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.app import App

from e2e.conftest import Tmux
from e2e.conftest import tmux as tmux  # the fixture: a private tmux server per test
from flowtop.tui.app import FlowtopApp
from pilot_kit import wait_for


async def test_ctrl_z_suspends_from_the_table_a_dialog_and_the_filter_line(
    workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    suspended: list[str] = []

    def suspend(app: App[Any]) -> None:  # Textual's own: it stops the process (SIGTSTP)
        suspended.append(type(app.screen).__name__)

    monkeypatch.setattr(App, "action_suspend_process", suspend)
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+z")
        await pilot.press("question_mark")  # the help: a modal screen hides the app's keys
        await wait_for(pilot, lambda: len(app.screen_stack) == 2, "the help screen")
        await pilot.press("ctrl+z", "escape", "slash", "a", "ctrl+z")
        await pilot.pause()
        assert suspended == ["Screen", "HelpScreen", "Screen"]
        assert app.filter_box.value == "a"  # the filter line kept its text (and its focus)
        assert app.focused is app.filter_box


async def test_the_whole_screen_is_drawn_again_on_fg(
    workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shell wrote over the screen meanwhile: Textual draws it again only after
    ``with app.suspend()``; after ctrl+z only the lines that changed came back."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        refreshed: list[dict[str, Any]] = []
        monkeypatch.setattr(app.screen, "refresh", lambda **kw: refreshed.append(kw))
        app.app_resume_signal.publish(app)  # what the driver's SIGCONT leads to
        await pilot.pause()
        assert {"repaint": True, "layout": True} in refreshed


FLOW = """\
from flowtop import Flow, task


@task
def hello() -> str:
    return "hi"


with Flow("hello") as flow:
    hello()
"""


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("bash") is None, reason="job control needs bash (Unix)")
def test_ctrl_z_stops_flowtop_and_fg_brings_it_back_redrawn(tmux: Tmux, tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text(FLOW, encoding="utf-8")
    tmux.start_bash(str(tmp_path))
    tmux.keys(f"{shlex.quote(sys.executable)} -m flowtop {shlex.quote(str(tmp_path))}", "Enter")
    tmux.wait_text("press r to run")
    tmux.keys("C-z")
    screen = tmux.wait_text("Stopped")  # the shell's job control has it
    assert "press r to run" not in screen  # the terminal is the shell's again
    tmux.keys("clear; fg", "Enter")
    tmux.wait_for(
        lambda s: "press r to run" in s and "TASK" in s and "? Help" in s,
        "the whole screen drawn again after fg",
    )
    tmux.keys("r")  # and it reads keys
    tmux.wait_text("✓ Completed")
    tmux.keys("q")
    tmux.wait_for(lambda s: s.rstrip().endswith("$"), "flowtop to quit to the shell")
    tmux.keys("exit", "Enter")
    tmux.wait_dead("the shell to exit")
