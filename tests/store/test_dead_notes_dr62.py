"""A dead run's note says how its process ended, whichever client marks it (ex62c §2).

A monitor that launched a run reaps its process, and kept how it ended in its own memory
alone: another client (a second monitor, ``watch``, ``history``) that marked the run
after that reap read "its exit status went to init: the flowtop that started it had
ended", the launching monitor open all along; a run killed while its file imported read
a bare "its process … is gone". The launcher now writes who it is and how the process
ended beside the run's log (``process_ends``), before the reap, and other clients read it.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.workspace import process_ends, reaper
from flowtop.workspace.dead_runs_tasks import LAUNCHER_HAS, ORPHANED
from flowtop.workspace.launcher import LAUNCHER, LOGS
from flowtop.workspace.ownership import boot_id, host_name

from .test_dead_notes_s60 import FREE_PID, dead_run, gone, row


@pytest.fixture
def child() -> Iterator[subprocess.Popen[bytes]]:
    """A stand-in run process, launched by this test (its launcher)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    yield process
    process.kill()
    process.wait()


def launched_here(db: Path, run_id: str, process: subprocess.Popen[bytes]) -> Path:
    """``process`` launched for ``run_id`` by this process, which stays to wait for it."""
    logs = db.parent / LOGS
    logs.mkdir(exist_ok=True)
    (logs / f"{run_id}.log").write_text("")
    path = logs / f"{run_id}{LAUNCHER}"
    process_ends.note_file(process.pid, path, logs / f"{run_id}.log")
    process_ends.note_start(process.pid)
    return path


def owned_by(db: Path, run_id: str, pid: int) -> None:
    with closing(sqlite3.connect(db)) as raw, raw:
        raw.execute(
            "UPDATE runs SET pid = ?, owner = ? WHERE run_id = ?",
            (pid, f"{host_name()}:{pid}:x", run_id),
        )


def test_another_client_reads_how_the_run_s_process_ended_once_its_launcher_reaped_it(
    tmp_path: Path, child: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    run_id = dead_run(db)
    launched_here(db, run_id, child)
    child.send_signal(signal.SIGKILL)
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # (it has ended, a zombie)
    assert process_ends.note_end(child.pid)  # the launcher notes it, then reaps it
    child.wait()
    owned_by(db, run_id, child.pid)
    monkeypatch.setattr(process_ends, "_ends", {})  # another client: it knows nothing
    assert reaper.reap_store(db) == [run_id]
    assert row(db, run_id)[1] == (
        f"interrupted: its process (pid {child.pid} on {host_name()}, killed by SIGKILL) "
        "is gone; it was running waiter"
    )


def test_a_run_whose_launcher_is_open_never_says_that_it_had_ended(
    tmp_path: Path, child: subprocess.Popen[bytes]
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    run_id = dead_run(db)
    launched_here(db, run_id, child)  # this process is its launcher, alive, not told yet
    assert reaper.reap_store(db) == [run_id]
    note = row(db, run_id)[1]
    assert note == (
        f"interrupted: {gone()}: it ended without a word while running waiter "
        f"({LAUNCHER_HAS.format(f'pid {os.getpid()} on {host_name()}')})"
    )
    assert "init" not in note and "had ended" not in note


def test_a_run_whose_launcher_ended_says_its_status_went_to_init(tmp_path: Path) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    run_id = dead_run(db)
    logs = db.parent / LOGS
    logs.mkdir(exist_ok=True)
    (logs / f"{run_id}.log").write_text("")
    (logs / f"{run_id}{LAUNCHER}").write_text(f"{host_name()} {FREE_PID} {boot_id() or '-'} 1\n")
    assert reaper.reap_store(db) == [run_id]
    assert row(db, run_id)[1] == (
        f"interrupted: {gone()}: it ended without a word while running waiter ({ORPHANED})"
    )


def test_a_run_that_started_no_task_says_how_its_process_ended_too(tmp_path: Path) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    run_id = dead_run(db)
    with closing(sqlite3.connect(db)) as raw, raw:  # as if killed while its file imported
        raw.execute(
            "DELETE FROM events WHERE run_id = ? AND id > (SELECT min(id) FROM events)", (run_id,)
        )
    logs = db.parent / LOGS
    logs.mkdir(exist_ok=True)
    (logs / f"{run_id}.log").write_text("")
    (logs / f"{run_id}{LAUNCHER}").write_text(f"{host_name()} {FREE_PID} - 1\nexit -9\n")
    assert reaper.reap_store(db) == [run_id]
    assert f"(pid {FREE_PID} on {host_name()}, killed by SIGKILL) is gone" in row(db, run_id)[1]


def test_a_run_whose_end_was_recorded_leaves_no_launcher_file(
    tmp_path: Path, child: subprocess.Popen[bytes]
) -> None:
    """Its process forgot its log as its end was recorded (``launcher.forget_log``),
    maybe before the launcher wrote its file: the file goes as the process is reaped."""
    db = tmp_path / ".flowtop" / "history.db"
    db.parent.mkdir()
    path = launched_here(db, "e5e5e5e5e5e5", child)
    assert path.is_file()
    (db.parent / LOGS / "e5e5e5e5e5e5.log").unlink()
    child.send_signal(signal.SIGTERM)
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
    assert process_ends.note_end(child.pid)
    assert not path.exists()
