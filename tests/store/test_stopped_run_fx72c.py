"""A live run whose process is stopped (``kill -STOP``, Ctrl+Z) is said so by ``flowtop
history`` and ``flowtop watch`` (fx72c §2), from the liveness check they already make.

Only its retry countdowns going ``overdue`` showed it; nothing said the process was
paused, nor how to resume it. A stopped process is no dead one: its run stays RUNNING,
however old its heartbeat.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import fork_cli
from cli_kit import Here
from flowtop.workspace.ownership import (
    Owner,
    boot_id,
    host_name,
    owner_gone,
    process_start,
    stopped_words,
)
from flowtop.workspace.proc_stat import proc_stat

from .conftest import WAITING, env, wait_until
from .test_store_cli import run_process, runs

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")


def _state(pid: int) -> str:
    fields = proc_stat(pid)
    return fields[0] if fields else ""


def stop(pid: int) -> None:
    os.kill(pid, signal.SIGSTOP)
    wait_until(lambda: _state(pid) == "T", "the process stopped")


def resume(pid: int) -> None:
    os.kill(pid, signal.SIGCONT)
    wait_until(lambda: _state(pid) not in ("T", ""), "the process running again")


def said(pid: int) -> str:
    return f"its process is stopped (paused, pid {pid}: kill -CONT {pid} resumes it)"


@pytest.fixture
def live(here: Here, ws: Callable[..., Path]) -> Iterator[tuple[Path, str, int]]:
    """A folder with a live run waiting 30 s to retry: the folder, its run id and the pid
    of its process."""
    folder = ws(waiting=WAITING)
    process = run_process(folder, output=False)
    try:
        run = wait_until(lambda: runs(folder, "RUNNING"), "a live run")[0]
        wait_until(lambda: "awaiting retry" in here("history", cwd=folder).stdout, "its wait")
        assert run.owner == f"pid {process.pid} on {host_name()}", run.owner
        yield folder, run.run_id, process.pid
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGCONT)  # (a stopped one takes its SIGKILL too)
            process.kill()
        process.communicate(timeout=20)


def test_the_liveness_check_keeps_a_stopped_process_as_stopped_not_gone(
    tmp_path: Path,
) -> None:
    wait = "import time; print('up', flush=True); time.sleep(600)"
    process = subprocess.Popen([sys.executable, "-c", wait], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline() == "up\n"
        me = Owner(host_name(), process.pid, boot_id(), process_start(process.pid))
        store = tmp_path / "history.db"  # (one it holds no copy of)
        store.touch()
        stop(process.pid)
        hour_ago = time.time() - 3600  # a stopped process beats no more
        assert owner_gone(me, hour_ago, store=store, run_id="r1") is None  # not dead
        assert stopped_words("r1") == said(process.pid)
        resume(process.pid)
        assert owner_gone(me, hour_ago, store=store, run_id="r1") is None
        assert stopped_words("r1") is None
    finally:
        process.kill()
        process.wait()


def test_history_says_a_live_runs_process_is_stopped_and_how_to_resume_it(
    here: Here, live: tuple[Path, str, int]
) -> None:
    folder, run_id, pid = live
    stop(pid)
    (row,) = here("history", cwd=folder).stdout.splitlines()[1:]
    # old: `waiting  1  RUNNING  …  pid 4242 on vm`
    assert " RUNNING " in row and row.endswith(said(pid)), row
    (record,) = map(json.loads, here("history", "--json", cwd=folder).stdout.splitlines())
    assert (record["state"], record.get("stopped")) == ("RUNNING", True)
    assert f"note: {said(pid)}" in here("history", "--run", run_id, cwd=folder).stdout
    resume(pid)
    (row,) = here("history", cwd=folder).stdout.splitlines()[1:]
    assert row.endswith(f"pid {pid} on {host_name()}"), row
    (record,) = map(json.loads, here("history", "--json", cwd=folder).stdout.splitlines())
    assert (record["state"], "stopped" in record) == ("RUNNING", False)


def test_watch_says_when_the_process_stops_and_when_it_runs_again(
    tmp_path: Path, live: tuple[Path, str, int]
) -> None:
    folder, run_id, pid = live
    out = tmp_path / "watch.out"
    with out.open("w", encoding="utf-8") as stdout:
        watch = fork_cli.popen(
            [sys.executable, "-m", "flowtop", "watch", ".", run_id],
            cwd=folder,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
        )
    try:
        wait_until(lambda: "retry in 30s" in out.read_text(), "the watch's replay")
        stop(pid)
        wait_until(lambda: said(pid) in out.read_text(), "the watch saying it stopped")
        resume(pid)
        wait_until(lambda: "its process runs again" in out.read_text(), "it saying it resumed")
        lines = out.read_text().splitlines()
        # (timed, or not when the watch's first look at the process found it stopped
        # already: when it stopped is not known then)
        assert lines[-2].endswith(f"waiting #1: {said(pid)}"), lines
        assert lines[-1].endswith(" waiting #1: its process runs again"), lines
    finally:
        watch.terminate()
        watch.communicate(timeout=20)
