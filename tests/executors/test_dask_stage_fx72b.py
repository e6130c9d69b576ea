"""What a run waits on at a Dask scheduler, in the run store for every client.

- A launched run connecting to a scheduler given by address (up to 10 s) read as
  ``starting: its process is importing the flow file`` in the monitor, ``flowtop watch``
  and ``flowtop history``: it says ``starting: connecting to the Dask scheduler at …``.
- A scheduler with no worker was said as a toast and a ``flowtop run`` line only: the
  monitor's header and ``flowtop history`` said ``running``. The run's process records
  ``waiting for a Dask worker: …`` in the store (``runs.stage``) until one joins.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import flowtop as flowtop_package
from flowtop.compat import children
from flowtop.engine.executors import DaskBackend
from flowtop.tui.model import RunModel
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.run_header import starting_words
from flowtop.workspace.history import open_live_history
from flowtop.workspace.places import STATE_DIR, STORE_FILE
from flowtop.workspace.run_stage import StageWriter, stages_in
from flowtop.workspace.store_notices import RunsReserved
from flowtop.workspace.store_reader import ReservedRun
from waits import wait_until

pytest.importorskip("distributed", reason="the Dask executor needs distributed")

APP = str(Path(flowtop_package.__file__).parents[1])
#: A loaded machine may take a while to start Python processes (a guard, not a timing).
STARTUP = 90.0

FLOW = """\
from flowtop import flow, task


@task
def one(x):
    return x + 1


@flow
def dasky():
    return one(1)
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != children.ENV}
    env["PYTHONPATH"] = APP
    return env


def _dask(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "dask", *args], stdout=out, stderr=subprocess.STDOUT, env=_env()
        )


def _flowtop(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowtop", *args],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=cwd,
        timeout=STARTUP,
    )


@pytest.fixture
def scheduler(tmp_path: Path) -> Iterator[str]:
    """The address of a ``dask scheduler`` with no worker."""
    log = tmp_path / "scheduler.log"
    process = _dask(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"], log)
    try:

        def address() -> str | None:
            found = re.search(r"Scheduler at:\s+(tcp://\S+)", log.read_text())
            return found.group(1) if found else None

        yield wait_until(address, "the scheduler's address", timeout=STARTUP)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)


def test_a_scheduler_with_no_worker_is_in_the_store_until_one_joins(
    scheduler: str, tmp_path: Path
) -> None:
    address = scheduler
    (tmp_path / "flows.py").write_text(FLOW)
    state_dir = tmp_path / STATE_DIR
    state_dir.mkdir()
    history = open_live_history(state_dir)
    db = state_dir / STORE_FILE
    run_id = "fx72b000run1"
    history.next_number("dasky", run_id)  # reserved, RUNNING, owned by this process
    backend = DaskBackend(address, workers=1)
    writer = StageWriter(db, lambda: [run_id])
    backend.on_stage = writer
    worker: subprocess.Popen[bytes] | None = None
    ended: list[object] = []
    try:
        backend.start()
        assert writer.wait(30.0)
        assert stages_in(db) == {}  # connected: nothing left said
        backend.submit(lambda: 42, [], {}, timeout=None, on_done=lambda *o: ended.append(o))
        waiting = f"waiting for a Dask worker: the Dask scheduler at {address} has none"
        wait_until(lambda: stages_in(db).get(run_id) == waiting, "the wait in the store", 60)
        history_out = _flowtop("history", ".", cwd=tmp_path).stdout
        assert waiting in history_out, history_out
        as_json = json.loads(
            _flowtop("history", ".", "--json", cwd=tmp_path).stdout.splitlines()[0]
        )
        assert as_json["stage"] == waiting
        worker = _dask(
            ["worker", address, "--nthreads", "1", "--no-dashboard"], tmp_path / "worker.log"
        )
        wait_until(lambda: ended, "the attempt's end once a worker joined", timeout=STARTUP)
        wait_until(lambda: run_id not in stages_in(db), "the wait over in the store", 60)
        assert "waiting for a Dask worker" not in _flowtop("history", ".", cwd=tmp_path).stdout
    finally:
        backend.close()
        history.close()
        if worker is not None:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_run_connecting_to_a_scheduler_says_so_in_history_and_watch(tmp_path: Path) -> None:
    """Nothing listens at the address: the process tries for 10 s, said all along."""
    (tmp_path / "flows.py").write_text(FLOW)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    started = _flowtop(
        "run",
        "flows.py",
        "--flow",
        "dasky",
        "--detach",
        "--executor",
        f"dask:{address}",
        cwd=tmp_path,
    )
    run_id = started.stdout.strip()
    assert started.returncode == 0 and run_id, started.stderr
    watch = subprocess.Popen(
        [sys.executable, "-m", "flowtop", "watch", ".", run_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
        cwd=tmp_path,
    )
    connecting = f"connecting to the Dask scheduler at {address}"

    def said() -> dict[str, object] | None:
        lines = _flowtop("history", ".", "--json", cwd=tmp_path).stdout.splitlines()
        run = json.loads(lines[0]) if lines else {}
        if run.get("state") != "RUNNING":
            return run  # ended: too late to see it
        return run if run.get("stage") else None

    run = wait_until(said, "the run's stage, or its end", timeout=STARTUP)
    assert run == {**run, "state": "RUNNING", "starting": True, "stage": connecting}
    table = _flowtop("history", ".", cwd=tmp_path).stdout
    assert f"starting: {connecting}" in table, table
    out, _ = watch.communicate(timeout=STARTUP)
    assert f"dasky #1 starting: {connecting}" in out, out
    assert "did not start: cannot connect" in out, out


def test_the_monitor_says_what_a_run_waits_on() -> None:
    """The header's words, from the store client's notice (``RunsReserved.stages``)."""
    store = RunStore()
    reserved = ReservedRun("r1", "dasky", 4, 1.0)
    connecting = "connecting to the Dask scheduler at tcp://10.0.0.5:8786"
    store.apply_batch([RunsReserved((reserved,), 2.0, (("r1", connecting),))])
    starting = store.loading("dasky")
    assert starting is not None
    assert starting_words(starting) == f"run #4 starting: {connecting}…"
    store.apply_batch([RunsReserved((reserved,), 3.0)])
    assert starting_words(starting) == "run #4 starting: its process is importing the flow file…"
    assert RunModel("dasky", ()).stage == ""
