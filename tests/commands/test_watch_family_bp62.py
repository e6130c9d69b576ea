"""A watch that joins a parent ``@flow`` run late (its subflows already ran, one failed
and was handled) still counts that failure at the parent's end, as ``flowtop run`` does:
it replays the family from the parent's start, found by run id (``FamilyTail``), while
the runs of another flow in the store are neither shown nor read."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from contextlib import closing
from pathlib import Path

import fork_cli
from waits import wait_until

FLOWS = """
    import time
    from pathlib import Path

    from flowtop import flow, task

    HERE = Path(__file__).parent


    @task
    def gate() -> None:  # (bounded: a test that fails before `go` leaves no run behind)
        ends = time.monotonic() + 120
        while not (HERE / "go").exists() and time.monotonic() < ends:
            time.sleep(0.01)


    @flow
    def child(n: int) -> int:
        if n:
            raise ValueError("boom")
        return n


    @flow
    def parent() -> int:
        for n in (0, 1):
            try:
                child(n)
            except ValueError:
                pass
        gate()
        return 1


    @flow
    def other() -> int:
        return child(0)
"""


def _child_failed(db: Path) -> bool:
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            rows = conn.execute("SELECT state FROM runs WHERE flow = 'child'").fetchall()
    except sqlite3.Error:
        return False
    return ("FAILED",) in rows


def test_a_watch_joined_late_counts_the_subflow_failure_handled(tmp_path: Path) -> None:
    (tmp_path / "jobs.py").write_text(textwrap.dedent(FLOWS))
    other = fork_cli.run(["run", "jobs.py", "--flow", "other"], cwd=tmp_path, timeout=120)
    assert other.returncode == 0, other.stderr
    detached = fork_cli.run(
        ["run", "jobs.py", "--flow", "parent", "--detach"], cwd=tmp_path, timeout=120
    )
    assert detached.returncode == 0, detached.stderr
    wait_until(lambda: _child_failed(tmp_path / ".flowtop" / "history.db"), "child #3 failed")
    watch = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "watch", detached.stdout.strip()],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(watch.stdout or ()))
    reader.start()
    try:
        wait_until(lambda: any("parent/gate" in line for line in list(lines)), "the gate")
    finally:
        (tmp_path / "go").touch()
        assert watch.wait(timeout=60) == 0, "".join(lines)
        reader.join()
    said = "".join(lines)
    assert "child #2 started with n=0" in said and "child #3 FAILED" in said, said
    assert "child #1 " not in said, said  # the other flow's subflow run
    assert "other #" not in said, said
    end = [line for line in lines if " parent #1 COMPLETED" in line]
    assert end and end[0].rstrip().endswith("(1 subflow failed, handled by the flow) → 1"), said
