"""``flowtop watch`` of a run whose process is killed: its last words on a row of their own.

The watch found the owner gone and said so after its live status line, on that line's
row: ``…next retry in 0.8s · 0 faile…run ffffdea32563 INTERRUPTED: its process … is
gone``. The other ends (the run's own end, Ctrl+C, SIGTERM) take the line away first;
so does this one now.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import fork_cli
from pty_kit import read_until

from .test_status_line_clear import on_screen
from .test_watch_stops_cleanly import WAITING, states

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no pty here")


def test_a_run_killed_while_watched_is_said_on_a_row_of_its_own(tmp_path: Path) -> None:
    import pty

    (tmp_path / "waiting.py").write_text(textwrap.dedent(WAITING))
    owner = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", "."],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    watcher, said, code = None, b"", None
    try:
        deadline = time.monotonic() + 60
        while not (running := [i for i, s in states(tmp_path).items() if s == "RUNNING"]):
            assert time.monotonic() < deadline and owner.poll() is None, "the run never started"
            time.sleep(0.05)
        run_id = running[0]
        watcher, leader = pty.fork()  # the watch on a terminal: its status line is live
        if watcher == 0:
            try:
                os.chdir(tmp_path)
                os.environ.update(TERM="xterm", COLUMNS="120")
                os.execv(sys.executable, [sys.executable, "-m", "flowtop", "watch", ".", run_id])
            finally:
                os._exit(127)
        try:
            said = read_until(leader, b"next retry in")
            owner.kill()  # kill -9: the run's process is gone, its end unwritten
            owner.wait()
            said = read_until(leader, so_far=said)  # until the terminal closes (EIO)
        finally:
            os.close(leader)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and code is None:
            done, status = os.waitpid(watcher, os.WNOHANG)
            code = os.waitstatus_to_exitcode(status) if done else None
            time.sleep(0.02)
    finally:
        owner.kill()
        owner.wait()
        if watcher and code is None:
            os.kill(watcher, signal.SIGKILL)
            os.waitpid(watcher, 0)
    text = said.decode("utf-8", "replace")
    rows = [row for row in on_screen(text) if row]
    assert code == 1, text
    assert " waiting #1 INTERRUPTED: 1 interrupted in " in rows[-1], rows
    # (the watch may see the owner gone before any process has marked the store)
    # (its task was waiting to retry: the note says so, how the process ended or not, §3)
    said = rows[-1].removesuffix(" (not marked yet))").removesuffix(")")
    assert said.endswith("; it was waiting to retry waiter") or (  # (a pid reused: said too)
        "is gone: it ended without a word while waiting to retry waiter (" in said
    ), rows
    assert not any("next retry in" in row for row in rows), rows  # the status line: gone
