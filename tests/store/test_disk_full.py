"""A full disk: the run goes on, and flowtop says plainly that recording stopped (issue 13).

Once while it lasts, not at every try; "kept for the next try" only while there is a
next try; and when the process is about to exit, how much of the run was not recorded.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowtop import Flow, task
from flowtop.workspace.history import History
from flowtop.workspace.history_fold import ResultRows

from .conftest import env, run_into


@task
def noisy() -> str:
    print("x" * 300)
    return "y" * 100


def flow_of(size: int, name: str = "filler") -> Flow:
    flow = Flow(name)
    for i in range(size):
        flow.add_task(noisy, key=f"job-{i}")
    return flow


def run(history: History, flow: Flow) -> str:
    started = run_into(history, flow, stored=False)  # the store may not keep up: it is full
    assert started.result().is_completed()  # the run itself goes on
    return started.run_id


def test_a_full_store_is_said_once_the_run_goes_on_and_recording_resumes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    history = History(tmp_path / "history.db", write_interval=0.01)
    try:
        run(history, flow_of(3, "before"))
        assert history.flush(10)
        (pages,) = history._conn.execute("PRAGMA page_count").fetchone()
        # SQLite's own limit on the file's size: every write that grows it fails with
        # SQLITE_FULL, "database or disk is full", as on a disk with no room left.
        history._conn.execute(f"PRAGMA max_page_count = {pages}")
        with caplog.at_level(logging.DEBUG, logger="flowtop.history"):
            run_id = run(history, flow_of(300))
            for _ in range(3):  # tries on demand, as well as every second
                assert not history.flush(10)
        warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [r.getMessage() for r in warned] == [warned[0].getMessage()]  # said once
        assert "database or disk is full" in warned[0].getMessage()
        assert "recording stopped, the run goes on" in warned[0].getMessage()
        assert "database or disk is full" in (history.last_error or "")
        caplog.clear()
        history._conn.execute("PRAGMA max_page_count = 1073741823")  # room again
        with caplog.at_level(logging.WARNING, logger="flowtop.history"):
            assert history.flush(10)
        assert "recording resumed" in caplog.text
        detail = history.run_detail(run_id)
        assert detail.run.state == "COMPLETED" and len(detail.tasks) == 300
        assert all(t.attempt_records[0].output == "x" * 300 + "\n" for t in detail.tasks)
    finally:
        history.close()
    assert history.lost == 0


def test_a_store_that_fills_up_before_the_process_exits_loses_only_what_it_says(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    history = History(tmp_path / "history.db", write_interval=0.01)
    run(history, flow_of(3, "before"))
    assert history.flush(10)
    kept = history.committed
    (pages,) = history._conn.execute("PRAGMA page_count").fetchone()
    history._conn.execute(f"PRAGMA max_page_count = {pages}")
    run(history, flow_of(50))
    history.keep_results([ResultRows([("r1", "t", bytearray(b"data"), 1, "", "")])])  # not events
    caplog.clear()  # while the process goes on, "kept for the next try" is true
    with caplog.at_level(logging.WARNING, logger="flowtop.history"):
        history.close()
    closing = [r.getMessage() for r in caplog.records]
    # Every event of the 50-task run is committed or said lost: a first small batch may
    # still fit in the last page's free space (under load the writer takes it alone).
    assert history.committed + history.lost == kept + 50 * 2 + 2 and history.lost > 50
    assert any(f"{history.lost} events not recorded" in line for line in closing), closing
    assert not any("kept for the next try" in line for line in closing), closing


#: The run's start is recorded (the gate gives the writer time); then its tasks' output
#: fills the disk.
FILLER = """
    import time
    from flowtop import Flow, task

    @task
    def gate() -> int:
        time.sleep(0.5)
        return 1

    @task
    def job(_: int) -> str:
        print("x" * 300)
        return "y" * 150

    with Flow("filler") as flow:
        opened = gate()
        for i in range(3000):
            job(opened)
"""


def private_tmpfs() -> list[str]:
    """A command prefix running in a mount namespace of its own, where a 1 MB tmpfs can
    be mounted and vanishes with it; skips where that is not allowed (not root)."""
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare for a real full file system")
    probe = subprocess.run(
        [unshare, "--mount", "--propagation", "private", "true"], capture_output=True
    )
    if probe.returncode != 0:
        pytest.skip(f"no private mount namespace here: {probe.stderr.decode().strip()}")
    return [unshare, "--mount", "--propagation", "private", "sh", "-c"]


def test_flowtop_run_on_a_file_system_that_fills_up_says_recording_stopped(
    tmp_path: Path,
) -> None:
    prefix = private_tmpfs()
    workspace = tmp_path / "small"
    workspace.mkdir()
    source = tmp_path / "filler.py"
    source.write_text(textwrap.dedent(FILLER))
    script = (
        f'mount -t tmpfs -o size=1m tmpfs "{workspace}" && cp "{source}" "{workspace}" && '
        f'cd "{workspace}" && exec "{sys.executable}" -m flowtop run filler.py --flow filler'
    )
    done = subprocess.run([*prefix, script], capture_output=True, text=True, env=env(), timeout=120)
    assert done.returncode == 1, done.stderr
    assert "filler #1 COMPLETED: 3,001 completed" in done.stdout  # the run went on
    store = workspace / ".flowtop" / "history.db"
    lines = done.stderr.strip().splitlines()
    assert sum("recording stopped, the run goes on" in line for line in lines) == 1, lines
    last = lines[-1]
    assert last.startswith(
        f"flowtop run: {store}: recording stopped (database or disk is full): the last "
    ), last
    assert "events were not recorded" in last and "kept for the next try" not in last
