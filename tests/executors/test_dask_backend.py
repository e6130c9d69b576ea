"""The Dask backend's own LocalCluster: cancel and shutdown never wait for a running attempt."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from flowtop import Flow
from flowtop.engine import Runner
from flowtop.engine.executors import DaskBackend

from . import tasks


def test_cancel_then_shutdown_leave_a_sleeping_attempt_behind(tmp_path: Path):
    pid_file = tmp_path / "pid"
    with Flow("slow") as flow:
        tasks.sleeper(str(pid_file), 30)
    backend = DaskBackend(workers=2)
    runner = Runner(2, backend=backend)
    run = runner.start(flow)
    deadline = time.monotonic() + 20
    while not pid_file.exists():
        assert time.monotonic() < deadline, "the attempt never started"
        time.sleep(0.01)
    cluster = backend._cluster
    assert run.cancel()
    closing = threading.Thread(target=runner.shutdown)
    closing.start()
    closing.join(10)  # a hang guard: the attempt itself sleeps 30 s
    assert not closing.is_alive(), "shutdown waited for the running attempt"
    assert run.result().state.value == "CANCELLED"
    assert cluster.status.name == "closed"
