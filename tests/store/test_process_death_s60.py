"""A run whose process died mid-task (a task's ``os._exit(3)``, a ``kill -9``, the OOM
killer) names, in its note, the tasks that were running and how its process ended,
where a reader can learn that; "ended without a word" where none could, and why."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from flowtop.tui.child_reaper import ChildReaper
from flowtop.workspace import process_ends
from flowtop.workspace.dead_runs_tasks import UNSAID
from flowtop.workspace.history import reap_store
from flowtop.workspace.ownership import host_name, pid_running
from flowtop.workspace.store_reader import StoreReader

from .conftest import env, wait_until

#: ``boom`` ends its process once a file ``go`` exists, as it says (``exit``: with
#: ``os._exit(3)``, ``kill``: with SIGKILL); ``other`` is running beside it meanwhile.
DIES = """
import os
import signal
import time
from pathlib import Path

from flowtop import Flow, task

GO = Path(__file__).parent / "go"


def go() -> str:
    while not GO.exists():
        time.sleep(0.01)
    return GO.read_text()


@task
def boom() -> None:
    if go() == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(3)


@task
def other() -> None:
    go()
    time.sleep(60)


with Flow("dies") as flow:
    boom()
    other()
"""


def say(folder: Path, what: str) -> None:
    """``go`` made with ``what`` in it at once (renamed into place): ``boom`` read an
    empty file made but not yet written, and exited 3 where it was told to kill itself."""
    (folder / "go.tmp").write_text(what)
    (folder / "go.tmp").replace(folder / "go")


def started(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``flowtop run dies.py`` in ``folder``, once its store has ``boom`` and ``other``
    running, and its run id (the process waits for ``go`` to end)."""
    (folder / "dies.py").write_text(DIES)
    process = subprocess.Popen(
        [sys.executable, "-m", "flowtop", "run", "dies.py", "--flow", "dies"],
        cwd=folder,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = folder / ".flowtop" / "history.db"

    def running() -> str | None:
        try:  # (made, its tables not yet: read again)
            runs = StoreReader(db).runs() if db.exists() else []
            detail = StoreReader(db).run_detail(runs[0].run_id) if runs else None
        except sqlite3.Error:
            return None
        if detail is None:
            return None
        states = {task.task: task.state for task in detail.tasks}
        return runs[0].run_id if states == {"boom": "RUNNING", "other": "RUNNING"} else None

    try:
        run_id = wait_until(running, "boom and other running in the store")
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process, run_id


def note(folder: Path, run_id: str) -> str:
    """The note of ``run_id`` once a reader here has marked its dead run."""
    db = folder / ".flowtop" / "history.db"
    assert reap_store(db) == [run_id]
    (run,) = StoreReader(db).runs()
    assert run.state == "INTERRUPTED"
    return run.note or ""


def test_a_process_its_parent_has_not_waited_for_says_its_exit_code(tmp_path: Path) -> None:
    process, run_id = started(tmp_path)
    say(tmp_path, "exit")
    wait_until(lambda: not pid_running(process.pid), "the run process to end")
    try:  # a zombie: its exit status is still there to read
        said = note(tmp_path, run_id)
    finally:
        assert process.wait() == 3
    assert said == (
        f"interrupted: its process (pid {process.pid} on {host_name()}, exit code 3) is gone; "
        "it was running boom, other"
    )


def test_a_process_waited_for_by_no_flowtop_ended_without_a_word(tmp_path: Path) -> None:
    process, run_id = started(tmp_path)
    say(tmp_path, "exit")
    assert process.wait() == 3  # as a shell does: nobody else can learn how it ended
    assert note(tmp_path, run_id) == (
        f"interrupted: its process (pid {process.pid} on {host_name()}) is gone: it ended "
        f"without a word while running boom, other ({UNSAID})"
    )


def test_the_monitor_that_launched_a_run_says_it_was_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The monitor's ``ChildReaper`` notes how its run process ended before it waits for
    it: said after the zombie is gone, with the OOM hint when the machine's OOM kills
    rose meanwhile."""
    kills = iter(range(100))
    monkeypatch.setattr(process_ends, "_oom_kills", lambda: next(kills))
    children = ChildReaper()
    process, run_id = started(tmp_path)
    children.adopt(process)
    say(tmp_path, "kill")
    wait_until(lambda: children.reap() == 0, "the monitor to wait for its run process")
    assert process.returncode == -9
    assert note(tmp_path, run_id) == (
        f"interrupted: its process (pid {process.pid} on {host_name()}, killed by SIGKILL: "
        "out of memory?) is gone; it was running boom, other"
    )
