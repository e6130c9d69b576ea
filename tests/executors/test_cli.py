"""``flowtop run --executor`` end to end, as CI would call it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import fork_cli

FLOW = """
    import os
    from pathlib import Path

    from flowtop import Flow, task

    COORDINATOR = os.getpid()  # evaluated where flowtop loads the flow

    @task(max_retries=2)
    def flaky():
        marker = Path(__file__).with_name("tried")
        if not marker.exists():
            marker.write_text("")
            raise ConnectionError("reset by peer")
        print("ok from", os.getpid())
        return os.getpid() != COORDINATOR

    @task
    def after(pid):
        return pid

    with Flow("flaky") as flow:
        after(flaky())
"""


def flowtop(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return fork_cli.run(args, cwd=cwd, timeout=60, env=env)


def test_run_with_the_process_executor_prints_the_same_json(tmp_path: Path):
    (tmp_path / "flaky.py").write_text(textwrap.dedent(FLOW))
    done = flowtop("run", str(tmp_path), "--executor", "process", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    flaky = [e["state"] for e in events if e.get("task") == "flaky"]
    assert flaky == ["RUNNING", "AWAITING_RETRY", "RUNNING", "COMPLETED"]
    completed = [e for e in events if e.get("task") == "flaky" and e["state"] == "COMPLETED"]
    assert completed[0]["result"] == "True"  # it ran in another process
    assert completed[0]["output"].startswith("ok from ")
    assert events[-1]["event"] == "run_finished" and events[-1]["state"] == "COMPLETED"


def test_bad_executor_is_a_usage_error(tmp_path: Path):
    (tmp_path / "flaky.py").write_text(textwrap.dedent(FLOW))
    done = flowtop("run", str(tmp_path), "--executor", "dask:nowhere", cwd=tmp_path)
    assert done.returncode == 2
    assert "'nowhere' is not a scheduler address like tcp://HOST:PORT" in done.stderr


SPIN = """
    import os
    from pathlib import Path

    from flowtop import Flow, task

    @task
    def spin():
        Path(__file__).with_name(f"worker-{os.getpid()}").write_text("")
        while True:
            pass

    with Flow("spin") as flow:
        spin()
"""


def _spinning_worker(folder: Path, proc: subprocess.Popen[str]) -> int:
    """The pid of the worker process spinning in ``proc``'s run, once it started."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = list(folder.glob("worker-*"))
        if found:
            return int(found[0].name.removeprefix("worker-"))
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the task never started in a worker")


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_run_leaves_no_worker_running(tmp_path: Path, sig: signal.Signals) -> None:
    """Stopped by SIGTERM (systemd, ``timeout``, a pod's end) or killed, `flowtop run`
    left its process pool's workers spinning for ever, reparented to init. SIGTERM now
    cancels the run as Ctrl+C does (exit 143); a killed coordinator's workers exit."""
    (tmp_path / "spin.py").write_text(textwrap.dedent(SPIN))
    proc = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", "spin.py", "--executor", "process"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        worker = _spinning_worker(tmp_path, proc)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
        assert _gone(worker), f"worker {worker} still runs"
    finally:
        proc.kill()
    if sig == signal.SIGTERM:
        assert proc.returncode == 143, err
        assert "spin #1 CANCELLED" in out and "interrupted (SIGTERM)" in err, (out, err)
        assert "Traceback" not in err, err
