"""``flowtop run`` stopped by SIGTERM stops the processes its running task started.

The run was recorded CANCELLED and the command exited 143, but the task's
``subprocess.run(["sleep", "37"])`` ran on, reparented to PID 1 (under ``--executor
process`` it ended with the worker). Now it gets SIGTERM (SIGKILL after a grace), and so
does what it started in turn (``engine.attempt_children``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux: /proc")

#: The task's ``sh`` starts a ``sleep``, writes both pids to ``pids``, and waits for it.
SHELL = """
    import subprocess
    from flowtop import flow, task

    @task
    def sh():
        subprocess.run(["sh", "-c", 'sleep 120 & echo $$ $! > pids.tmp; mv pids.tmp pids; wait'])

    @flow
    def shell():
        sh()
"""


def _started(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot); None once it is gone (or a
    zombie)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return None if fields[0] in "ZX" else int(fields[19])


def _wait(condition: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_sigterm_of_flowtop_run_stops_what_its_task_started(tmp_path: Path) -> None:
    (tmp_path / "shell.py").write_text(textwrap.dedent(SHELL))
    pids_file, out_path = tmp_path / "pids", tmp_path / "out"
    started: dict[int, int] = {}
    with out_path.open("w") as out_file:  # (a pipe's reader would wait for the sleep too)
        proc = subprocess.Popen(
            [sys.executable, "-m", "flowtop", "run", "shell.py"],
            cwd=tmp_path,
            stdout=out_file,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: pids_file.exists() or proc.poll() is not None, "the task's processes")
        assert proc.poll() is None, out_path.read_text()
        for pid in map(int, pids_file.read_text().split()):
            began = _started(pid)
            assert began is not None
            started[pid] = began
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        out = out_path.read_text()
        assert proc.returncode == 128 + signal.SIGTERM, out
        assert "cancelled: SIGTERM (flowtop run was stopped)" in out
        still = [pid for pid, began in started.items() if _started(pid) == began]
        assert not still, f"still running after flowtop run exited: {still}"
    finally:
        proc.kill()
        proc.wait()
        for pid, began in started.items():
            if _started(pid) == began:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
