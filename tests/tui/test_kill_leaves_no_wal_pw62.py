"""A monitor ended by ``kill`` (SIGTERM) or a hang-up (SIGHUP) leaves no ``history.db-wal``
nor ``-shm`` beside a store no other process has open, as ``q`` leaves none
(docs/store.md: a read by the TUI leaves neither once it closes). Both signals end it by
their default action, past its own close, and SQLite deletes them only at the last close.
"""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cli_kit import flowtop
from pty_kit import read_until
from waits import wait_until

FLOW = """
from flowtop import Flow, task

@task
def a():
    return 1

flow = Flow("one")
flow.add_call(a, (), {})
"""


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_a_killed_monitor_leaves_the_store_as_q_does(tmp_path: Path, stop: signal.Signals) -> None:
    (tmp_path / "one.py").write_text(FLOW)
    ran = flowtop("run", "one.py", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    store = tmp_path / ".flowtop"
    sides = [store / "history.db-wal", store / "history.db-shm"]
    assert not any(side.exists() for side in sides)  # the run's process closed it
    leader, follower = pty.openpty()
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
        read_until(leader, b"one", seconds=30)  # the flow listed: the screen is up
        wait_until(lambda: all(side.exists() for side in sides), "the monitor reading the store")
        monitor.send_signal(stop)
        read_until(leader, b"\x1b[?1049l", seconds=30)
        assert monitor.wait(timeout=30) == -stop  # ended by the signal, as before
    finally:
        if monitor.poll() is None:
            monitor.kill()
            monitor.wait()
        os.close(follower)
        os.close(leader)
    assert sorted(p.name for p in store.iterdir() if p.name.startswith("history.db")) == [
        "history.db"
    ]
