"""The monitor's header says that the shown live run's process is stopped (``kill
-STOP``, Ctrl+Z), as ``flowtop history`` and ``watch`` say it (fx72c §2): only its
retries' ``⟳ Overdue 3m17s`` showed it, and nothing said why or how to resume it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop import Flow, task
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.workspace.ownership import Owner, boot_id, host_name, owner_gone, process_start
from flowtop.workspace.proc_stat import proc_stat
from pilot_kit import wait_for
from waits import wait_until

from .conftest import FakeWorkspace

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")

RUN = "f72c0000beef"


@pytest.fixture
def process() -> Iterator[subprocess.Popen[str]]:
    """A process standing in for the run's."""
    wait = "import time; print('up', flush=True); time.sleep(600)"
    child = subprocess.Popen([sys.executable, "-c", wait], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "up\n"
        yield child
    finally:
        child.kill()
        child.wait()


def _state(pid: int) -> str:
    fields = proc_stat(pid)
    return fields[0] if fields else ""


def first_line(app: FlowtopApp) -> str:
    shown = app.header._shown
    return "" if shown is None else shown.plain.splitlines()[0]


async def test_the_header_says_the_shown_runs_process_is_stopped(
    tmp_path: Path, process: subprocess.Popen[str]
) -> None:
    @task
    def fetch() -> None:
        return None

    with Flow("paused") as flow:
        fetch()
    app = FlowtopApp(FakeWorkspace(tmp_path, {"paused": flow}))
    pid = process.pid
    owner = Owner(host_name(), pid, boot_id(), process_start(pid))
    words = f"its process is stopped (paused, pid {pid}: kill -CONT {pid} resumes it)"
    async with app.run_test(size=(160, 36)) as pilot:
        await pilot.pause()
        app.buffer.append_batch(
            [
                RunStarted(RUN, "paused", 1, ("fetch",), (3,), ("",), ts=time.time()),
                TaskStateChanged(RUN, "paused", "fetch", StateType.RUNNING, 1, 3, time.time()),
            ]
        )
        await wait_for(pilot, lambda: "run #1" in first_line(app), "the run shown")
        os.kill(pid, signal.SIGSTOP)
        wait_until(lambda: _state(pid) == "T", "the process stopped")
        assert owner_gone(owner, None, run_id=RUN) is None  # the reaper's look, each second
        await wait_for(pilot, lambda: words in first_line(app), "the header saying it")
        os.kill(pid, signal.SIGCONT)
        wait_until(lambda: _state(pid) not in ("T", ""), "the process running again")
        assert owner_gone(owner, None, run_id=RUN) is None
        await wait_for(pilot, lambda: "stopped" not in first_line(app), "the words gone")
        assert "▶ Running" in first_line(app), first_line(app)
