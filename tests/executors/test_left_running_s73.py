"""What an attempt that ended of itself left running on purpose (a server it started)
runs on past the ``process`` executor's close, as under threads (``attempt_children``).

The pool's close killed every worker's whole process group, so a task's
``subprocess.Popen`` left running ended with the run, only on this executor; the group of
an attempt still running (stopped by the close) is still killed
(``test_stopped_attempts_s59``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

from flowtop.engine.executors import ProcessBackend

from .test_stopped_attempts_s59 import gone


def start_and_leave(pid_file: str) -> int:
    """Start a ``sleep`` and return, leaving it running."""
    child = subprocess.Popen(["sleep", "300"])
    Path(pid_file).write_text(str(child.pid))
    return child.pid


def test_what_a_finished_attempt_left_running_outlives_the_pools_close(tmp_path: Path) -> None:
    backend = ProcessBackend(1)
    pid = None
    try:
        pid, error, _ = backend.call(start_and_leave, [str(tmp_path / "pid")], {}, timeout=None)
        assert error is None, error
        backend.close()
        assert pid is not None
        assert not gone(pid), "the pool's close ended what a finished attempt left running"
    finally:
        backend.close()
        if pid is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
