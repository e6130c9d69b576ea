"""The monitor started in the background of its terminal says so and exits 2.

``timeout 60 flowtop flows`` (no ``--foreground``) runs it in a process group of its own,
in the terminal's background: its first draw had the terminal stop it, and it sat blank
and silent until ``timeout`` killed it.

That is also how a regression looks here: a monitor the terminal stopped keeps the pty
open, and a plain read of it never returns. Both waits have a deadline, so such a run
fails with what the monitor said instead of hanging the suite.
"""

from __future__ import annotations

import os
import pty
import signal
import sys
import time
from pathlib import Path

from pty_kit import read_until

#: Seconds the monitor has to say its line and exit (it takes well under one; room for
#: a loaded machine).
DEADLINE = 30.0
#: The session leader's exit code when the monitor was still there at the deadline.
STILL_RUNNING = 99


def exit_code_within(pid: int, seconds: float) -> int:
    """``pid``'s exit code, or ``STILL_RUNNING`` once it has been killed at the deadline
    (a stopped process never exits on its own)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return STILL_RUNNING


def test_a_monitor_in_a_background_process_group_says_so(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text("from flowtop import Flow\nflow = Flow('one')\n")
    pid, leader = pty.fork()
    if pid == 0:  # a session leader with the terminal; its child in a group of its own
        child = os.fork()
        if child == 0:
            os.setpgid(0, 0)
            os.execv(sys.executable, [sys.executable, "-m", "flowtop", "open", str(tmp_path)])
        os._exit(exit_code_within(child, DEADLINE))
    try:
        # the leader gives up on the monitor at DEADLINE; this, a little later, on both
        said = read_until(leader, seconds=DEADLINE + 5)  # fails if the terminal is open
    finally:
        os.close(leader)
        code = exit_code_within(pid, 5)
    assert code != STILL_RUNNING, f"the monitor had not exited after {DEADLINE:g} s: {said!r}"
    assert code == 2, said
    text = b" ".join(said.split()).decode()
    assert "the monitor runs in the background of its terminal" in text, text
    assert "timeout --foreground" in text
