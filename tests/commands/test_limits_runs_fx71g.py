"""``flowtop limits`` names the runs holding a limit's slots, and a limit lowered under
them (fx71g §2).

It said ``2 by pid 23421 on vm``, where the user wanted the run (``lim #1``, as ``flowtop
history`` names it), and, once ``flowtop.toml`` lowered ``database`` from 2 to 1 while
its slots were held, a bare ``database: 2 of 1 slots held``.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from flowtop.cli import main
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace.history import History
from flowtop.workspace.ownership import boot_id, host_name, process_start
from waits import wait_until

#: A process holding two of ``database``'s slots until it is killed.
HOLD = (
    "import time; from flowtop.concurrency.sync import concurrency\n"
    "with concurrency('database', occupy=2):\n    print('held', flush=True); time.sleep(600)"
)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flowtop.toml").write_text("[concurrency]\ndatabase = 2\n")
    return tmp_path


@pytest.fixture
def holder(workspace: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD], cwd=workspace, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == "held\n"
        yield process
    finally:
        process.kill()
        process.wait()


def run_of(workspace: Path, pid: int, flow: str, parent: str | None = None) -> str:
    """A run recorded as the process ``pid``'s, running a task, its number 1."""
    db = workspace / ".flowtop" / "history.db"
    history = History(db)
    run_id = os.urandom(6).hex()
    steps: list[Any] = [
        RunStarted(run_id, flow, 1, ("step",), (1,), ("",), ts=1000.0, parent_run=parent),
        TaskStateChanged(run_id, flow, "step", StateType.RUNNING, 1, 1, 1000.5),
    ]
    history(steps)
    assert history.flush()
    history.close()
    with closing(sqlite3.connect(db)) as raw, raw:  # as the run's process records itself
        raw.execute(
            "UPDATE runs SET owner = ?, host = ?, pid = ?, boot_id = ?, proc_start = ? "
            "WHERE run_id = ?",
            (
                f"{host_name()}:{pid}:x",
                host_name(),
                pid,
                boot_id(),
                process_start(pid),
                run_id,
            ),
        )
    return run_id


def limits(workspace: Path, capsys: pytest.CaptureFixture[str], *more: str) -> str:
    assert main(["limits", str(workspace), *more]) == 0
    return capsys.readouterr().out


def test_a_holder_is_named_by_its_run_with_its_pid(
    workspace: Path, holder: subprocess.Popen[str], capsys: pytest.CaptureFixture[str]
) -> None:
    run_id = run_of(workspace, holder.pid, "lim")
    lines = limits(workspace, capsys).splitlines()
    assert lines == [
        "database: 2 of 2 slots held",
        f"  2 by lim #1 (pid {holder.pid} on {host_name()})",
    ]
    holders = json.loads(limits(workspace, capsys, "--json"))["holders"]
    assert holders[0]["pid"] == holder.pid
    assert holders[0]["runs"] == [{"run_id": run_id, "flow": "lim", "number": 1}]


def test_a_parent_and_its_subflow_in_one_process_are_both_named(
    workspace: Path, holder: subprocess.Popen[str], capsys: pytest.CaptureFixture[str]
) -> None:
    parent = run_of(workspace, holder.pid, "outer")
    run_of(workspace, holder.pid, "lim", parent=parent)
    assert f"  2 by outer #1 and lim #1 (pid {holder.pid} on " in limits(workspace, capsys)


def test_a_gone_holder_is_named_by_its_run_and_said_gone(
    workspace: Path, holder: subprocess.Popen[str], capsys: pytest.CaptureFixture[str]
) -> None:
    run_of(workspace, holder.pid, "lim")
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (
        f"  2 by lim #1 (pid {holder.pid} on {host_name()}; its process is gone: given back "
        "at the next request)"
    ) in limits(workspace, capsys)


def test_a_worker_process_holding_slots_is_named_by_its_run_s_process(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A task run by a ``process`` executor's worker holds the slots as that worker, a
    descendant of its run's process."""
    starter = (
        "import subprocess, sys\n"
        f"worker = subprocess.Popen([sys.executable, '-c', {HOLD!r}])\n"
        "print(worker.pid, flush=True); worker.wait()"
    )
    run = subprocess.Popen(
        [sys.executable, "-c", starter], cwd=workspace, stdout=subprocess.PIPE, text=True
    )
    assert run.stdout is not None
    worker = int(run.stdout.readline())
    try:
        assert run.stdout.readline() == "held\n"
        run_of(workspace, run.pid, "lim")
        assert f"  2 by lim #1 (pid {worker} on {host_name()})" in limits(workspace, capsys)
    finally:
        os.kill(worker, signal.SIGKILL)
        run.wait()


def test_a_holder_with_no_run_is_named_by_its_pid_alone(
    workspace: Path, holder: subprocess.Popen[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert f"  2 by pid {holder.pid} on {host_name()}\n" in limits(workspace, capsys)


def test_a_limit_lowered_while_its_slots_were_held_says_so(
    workspace: Path, holder: subprocess.Popen[str], capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "flowtop.toml").write_text("[concurrency]\ndatabase = 1\n")
    first = limits(workspace, capsys).splitlines()[0]
    assert first == (
        "database: 2 of 1 slots held (the limit was lowered to 1 after they were taken: "
        "a new block waits until none are held)"
    )
    (workspace / "flowtop.toml").write_text("[concurrency]\ndatabase = 3\n")
    assert limits(workspace, capsys).splitlines()[0] == "database: 2 of 3 slots held"


def test_a_real_run_holding_slots_is_named(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "flows.py").write_text(
        textwrap.dedent(
            """
            import time
            from pathlib import Path
            from flowtop import flow, task
            from flowtop.concurrency.sync import concurrency

            @task
            def hold():
                with concurrency("database", occupy=2):
                    Path(__file__).with_name("held").touch()
                    time.sleep(600)

            @flow
            def lim():
                hold()
            """
        )
    )
    run = subprocess.Popen(
        [sys.executable, "-m", "flowtop", "run", str(workspace), "--flow", "lim", "--quiet"],
        cwd=workspace,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until((workspace / "held").exists, "the run to hold the slots", timeout=60)
        assert f"  2 by lim #1 (pid {run.pid} on {host_name()})" in limits(workspace, capsys)
    finally:
        run.kill()
        run.wait()
