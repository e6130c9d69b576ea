"""``flowtop run --executor`` end to end, as CI would call it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

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
    return subprocess.run(
        [sys.executable, "-m", "flowtop", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


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
