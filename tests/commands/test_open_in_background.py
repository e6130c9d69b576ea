"""The monitor started in the background of its terminal says so and exits 2.

``timeout 60 flowtop flows`` (no ``--foreground``) runs it in a process group of its own,
in the terminal's background: its first draw had the terminal stop it, and it sat blank
and silent until ``timeout`` killed it.
"""

from __future__ import annotations

import os
import pty
import sys
from pathlib import Path


def test_a_monitor_in_a_background_process_group_says_so(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text("from flowtop import Flow\nflow = Flow('one')\n")
    pid, leader = pty.fork()
    if pid == 0:  # a session leader with the terminal; its child in a group of its own
        child = os.fork()
        if child == 0:
            os.setpgid(0, 0)
            os.execv(sys.executable, [sys.executable, "-m", "flowtop", "open", str(tmp_path)])
        _, status = os.waitpid(child, 0)
        os._exit(os.waitstatus_to_exitcode(status))
    said = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal's other end closed: the process ended
            break
        if not chunk:
            break
        said += chunk
    _, status = os.waitpid(pid, 0)
    os.close(leader)
    assert os.waitstatus_to_exitcode(status) == 2, said
    text = b" ".join(said.split()).decode()
    assert "the monitor runs in the background of its terminal" in text, text
    assert "timeout --foreground" in text
