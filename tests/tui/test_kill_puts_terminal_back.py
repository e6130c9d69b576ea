"""``kill`` (SIGTERM) or ``kill -HUP`` of the monitor leaves the terminal as it found it.

Both end the monitor by their default action (``launch_gate``), past Textual's shutdown:
the terminal stayed in the alternate screen, cursor hidden, mouse reports on and echo
off, and the shell's prompt landed on the last frame until ``reset``.
"""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from pty_kit import read_for, read_until

FLOW = """
from flowtop import Flow, task

@task
def a():
    return 1

flow = Flow("one")
flow.add_call(a, (), {})
"""


#: What the terminal must be given back: the main screen, the cursor, no mouse reports.
RESETS = (b"\x1b[?1049l", b"\x1b[?25h", b"\x1b[?1000l")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_a_kill_leaves_the_screen_the_cursor_and_echo_as_they_were(
    tmp_path: Path, stop: signal.Signals
) -> None:
    (tmp_path / "one.py").write_text(FLOW)
    leader, follower = pty.openpty()
    before = termios.tcgetattr(follower)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    monitor = subprocess.Popen(
        [sys.executable, "-m", "flowtop", "open", str(tmp_path)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=tmp_path,
        start_new_session=True,
    )
    try:
        drawn = read_until(leader, b"one", seconds=30)  # the flow listed: the screen is up
        assert b"\x1b[?1049h" in drawn, drawn[-400:]
        assert termios.tcgetattr(follower)[3] & termios.ECHO == 0  # raw while it runs
        # The terminal is read all along, as a real one is: left unread, its buffer
        # filled with frames and the resets written at the kill could not get in.
        drawn += read_for(leader, 0.3)
        monitor.send_signal(stop)
        said = drawn + read_until(leader, *RESETS, seconds=30)
        assert monitor.wait(timeout=30) == -stop
    finally:
        if monitor.poll() is None:
            monitor.kill()
            monitor.wait()
    tail = said[said.rindex(b"\x1b[?1049h") :]
    for reset in RESETS:
        assert reset in tail, (reset, tail[-200:])
    assert termios.tcgetattr(follower)[3] == before[3]  # echo and line editing back
    os.close(follower)
    os.close(leader)


def test_a_monitor_in_the_background_is_not_stopped_by_putting_the_terminal_back() -> None:
    """Ctrl+Z then ``kill %1``: the monitor is in a background group, where setting the
    terminal's modes or writing to it has the terminal stop it (SIGTTOU), so the kill
    that was to end it left it stopped. It leaves the terminal alone there."""
    pid, leader = pty.fork()
    if pid == 0:  # a session leader with the terminal; its child in a group of its own
        child = os.fork()
        if child == 0:
            os.setpgid(0, 0)
            from flowtop.tui.terminal_reset import saved_terminal

            saved_terminal()()
            os._exit(0)
        _, status = os.waitpid(child, os.WUNTRACED)
        if os.WIFSTOPPED(status):
            os.kill(child, signal.SIGKILL)
            os._exit(3)
        os._exit(os.waitstatus_to_exitcode(status))
    read_until(leader)
    _, status = os.waitpid(pid, 0)
    os.close(leader)
    assert os.waitstatus_to_exitcode(status) == 0  # 3: stopped by the terminal
