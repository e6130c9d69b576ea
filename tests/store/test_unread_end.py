"""A run whose end row cannot be read is handed on ended once its process is gone.

The store recorded the run COMPLETED, but its ``run_finished`` row was damaged: a reader
got a ``LogDamage`` where the end was, and no reaper ends a run that is not RUNNING. A
monitor showed the run, and its running task, Running for good. A live process whose
rows are merely late keeps its run live.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import store_client
from flowtop.workspace.history import History
from flowtop.workspace.ownership import boot_id, host_name, process_start
from flowtop.workspace.run_log import LogDamage, RunInterrupted
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.unread_ends import unread_ends

RUN = "cafe00000001"
#: A pid above any pid_max: no process has it.
DEAD_PID = 999_999_999


def ended_run(db: Path) -> int:
    """A run of ``slow`` that started its task, completed it and ended, as a run process
    records it; returns the id of the last row written before the task completed."""
    history = History(db)
    started = RunStarted(RUN, "slow", 1, ("wait",), (1,), ("",), ts=1000.0)
    running = TaskStateChanged(RUN, "slow", "wait", StateType.RUNNING, 1, 1, 1001.0)
    history([started, running])
    assert history.flush()
    with sqlite3.connect(db) as raw:
        (before_end,) = raw.execute("SELECT max(id) FROM events").fetchone()
    done = TaskStateChanged(RUN, "slow", "wait", StateType.COMPLETED, 1, 1, 1004.0, result="1")
    finished = RunFinished(RUN, "slow", 1, StateType.COMPLETED, {"COMPLETED": 1}, 4.0, 1004.5)
    history([done, finished])
    assert history.flush()
    history.close()
    return int(before_end)


def owned_by(db: Path, pid: int) -> None:
    """The run's owner is ``pid``, a process of this machine and boot."""
    start = process_start(pid) or "1"
    with sqlite3.connect(db) as raw:
        raw.execute(
            "UPDATE runs SET owner = ?, host = ?, pid = ?, boot_id = ?, proc_start = ?",
            (f"{host_name()}:{pid}:test", host_name(), pid, boot_id(), start),
        )


def damage_rows_after(db: Path, row: int) -> None:
    """The run's rows after ``row`` (its task's completion and its end) no longer read."""
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE events SET body = 'garbage' WHERE id > ?", (row,))


def wait(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / ".flowtop" / "history.db"


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A live process to own the run, ended by the test (or at its end)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def interruptions(seen: list[Any]) -> list[RunInterrupted]:
    return [event for event in seen if type(event) is RunInterrupted]


def test_a_run_whose_end_cannot_be_read_is_handed_on_interrupted_saying_why(db: Path) -> None:
    last_sound = ended_run(db)
    owned_by(db, DEAD_PID)
    damage_rows_after(db, last_sound)
    seen: list[Any] = []
    client = StoreClient(db, seen.extend)
    client.open()
    try:
        assert wait(lambda: bool(interruptions(seen))), seen
    finally:
        client.close()
    assert any(type(event) is LogDamage for event in seen)  # said as it was skipped, too
    (ended,) = interruptions(seen)
    assert (ended.run_id, ended.flow, ended.run) == (RUN, "slow", 1)
    assert ended.reason == (
        "its end could not be read from the run store (recorded COMPLETED there): "
        f"event {last_sound + 2} of its log cannot be read (not JSON: 'garbage'), "
        f"and its process (pid {DEAD_PID} on {host_name()}) is gone"
    )
    assert ended.ts == 1004.5  # when the store says it ended, not when this reader looked


def test_a_live_process_keeps_its_run_live_until_it_is_gone(
    db: Path, sleeper: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its end may still come: only once its process is gone is the run ended here."""
    last_sound = ended_run(db)
    owned_by(db, sleeper.pid)
    damage_rows_after(db, last_sound)
    looked: list[int] = []

    def counted(*args: Any) -> list[RunInterrupted]:
        found = unread_ends(*args)
        looked.append(len(found))
        return found

    monkeypatch.setattr(store_client, "unread_ends", counted)
    seen: list[Any] = []
    client = StoreClient(db, seen.extend)
    client.open()
    try:
        assert wait(lambda: len(looked) >= 2)  # looked twice while its process lived
        assert not interruptions(seen)
        sleeper.kill()
        sleeper.wait()
        assert wait(lambda: bool(interruptions(seen))), seen
    finally:
        client.close()
    (ended,) = interruptions(seen)
    assert ended.reason.endswith(f"and its process (pid {sleeper.pid} on {host_name()}) is gone")


def test_a_deleted_end_is_said_as_missing(db: Path) -> None:
    last_sound = ended_run(db)
    owned_by(db, DEAD_PID)
    with sqlite3.connect(db) as raw:
        raw.execute("DELETE FROM events WHERE id > ?", (last_sound,))
    found = unread_ends(db, {RUN: ("slow", 1)}, last_sound, {})
    assert [event.reason for event in found] == [
        "its end could not be read from the run store (recorded COMPLETED there): its log "
        f"holds no end for it, and its process (pid {DEAD_PID} on {host_name()}) is gone"
    ]


def test_rows_not_read_yet_and_a_running_run_are_left_alone(db: Path) -> None:
    """Rows after those read may hold the end; a RUNNING run is the reaper's to end."""
    last_sound = ended_run(db)
    owned_by(db, DEAD_PID)
    assert unread_ends(db, {RUN: ("slow", 1)}, last_sound, {}) == []
    with sqlite3.connect(db) as raw:
        raw.execute("DELETE FROM events WHERE id > ?", (last_sound,))
        raw.execute("UPDATE runs SET state = 'RUNNING'")
    assert unread_ends(db, {RUN: ("slow", 1)}, last_sound, {}) == []


def test_a_damaged_state_is_said_as_written(db: Path) -> None:
    last_sound = ended_run(db)
    owned_by(db, DEAD_PID)
    with sqlite3.connect(db) as raw:
        raw.execute("DELETE FROM events WHERE id > ?", (last_sound,))
        raw.execute("UPDATE runs SET state = 'x'")
    (found,) = unread_ends(db, {RUN: ("slow", 1)}, last_sound, {})
    assert found.reason.startswith(
        "its end could not be read from the run store (recorded 'x' (not a state) there)"
    )
