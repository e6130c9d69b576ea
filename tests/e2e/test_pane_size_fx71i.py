"""A program in a test's tmux pane reads the pane's size (120×36), whatever terminal, or
none, the suite was started from.

pytest's ``readline`` put the size of the suite's own terminal in the environment the
panes started with (``COLUMNS``, ``LINES``): started from a 200×50 tmux pane, the monitor
drew itself 200×50 in its 120×36 pane, and the e2e tests timed out on a screen showing
only its detail pane; without a terminal it drew itself 80×24, in a corner of it.
"""

from __future__ import annotations

import re
import sys

import pytest

from .conftest import HEIGHT, WIDTH, Tmux

pytestmark = pytest.mark.e2e

#: The size the program reads, kept on the screen until the pane's server is killed (the
#: line that says a pane's program ended scrolls the screen's first line off it).
SIZE = """\
import shutil
size = shutil.get_terminal_size()
print(f"size {size[0]}x{size[1]}.")
input()
"""


def size_in_the_pane(tmux: Tmux, cwd: str) -> str:
    tmux.start([sys.executable, "-c", SIZE], cwd=cwd)
    screen = tmux.wait_for(lambda s: re.search(r"size \S+\.", s) is not None, "the size")
    return next(line for line in screen.splitlines() if line.startswith("size "))


def test_a_pane_s_program_reads_the_pane_s_size(tmux, tmp_path) -> None:
    assert size_in_the_pane(tmux, str(tmp_path)) == f"size {WIDTH}x{HEIGHT}."


def test_columns_and_lines_exported_in_the_suite_s_shell_do_not_reach_the_pane(
    tmux, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("LINES", "50")
    assert size_in_the_pane(tmux, str(tmp_path)) == f"size {WIDTH}x{HEIGHT}."
