"""The suite started from a terminal (in a tmux pane, say) starts its commands as it does
without one: they read the size of their own terminal, not the one of the terminal the
suite was started from, which pytest's ``readline`` put in this process's C environment
(``COLUMNS``, ``LINES``) where ``os.environ`` never showed it; and they start with SIGTTIN
and SIGTTOU handled by default, as a shell starts a command, where tmux started the suite
with both ignored (``conftest.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pty_kit import on_terminal, read_until

ROOT = Path(__file__).resolve().parents[1]
SHOWN = "import os; print('seen', os.environ.get('COLUMNS'), os.environ.get('LINES'))"
SIZE = "import shutil; size = shutil.get_terminal_size(); print(f'size {size[0]}x{size[1]}')"
#: ``python ARGS`` started as a tmux pane's command is: SIGTTIN and SIGTTOU ignored.
AS_TMUX_STARTS_IT = """\
import os, signal, sys
for number in (signal.SIGTTIN, signal.SIGTTOU):
    signal.signal(number, signal.SIG_IGN)
os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
"""


def test_a_command_started_without_env_inherits_columns_and_lines_as_os_environ_has_them():
    done = subprocess.run(
        [sys.executable, "-c", SHOWN], capture_output=True, text=True, timeout=60, check=True
    )
    said = ["seen", str(os.environ.get("COLUMNS")), str(os.environ.get("LINES"))]
    assert done.stdout.split() == said


def test_a_command_on_a_terminal_of_its_own_reads_that_terminal_s_size(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # as a shell may export them
    monkeypatch.setenv("LINES", "50")
    with on_terminal([sys.executable, "-c", SIZE], size=(30, 100)) as (_process, leader):
        assert b"size 100x30" in read_until(leader, b"size ", b"\n")


def test_the_suite_started_with_job_control_signals_ignored_still_forks_its_commands():
    """One test of ``test_fork_cli.py`` in a suite started as a tmux pane's command: every
    command it started was a new ``python`` (``fork_cli.forkable``), and it failed."""
    test = "tests/test_fork_cli.py::test_a_command_forks_in_the_environment_collecting_left"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            AS_TMUX_STARTS_IT,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            test,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # (a teardown's error, another's edit of the checkout mid-run, is not this test's)
    assert " 1 passed" in f" {done.stdout.splitlines()[-1]}", done.stdout[-3000:]
