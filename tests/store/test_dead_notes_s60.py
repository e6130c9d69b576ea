"""A dead run's note says truly where its exit status went, and what it was doing
(rv404 §3, §5, §7).

A run a flowtop launched (the monitor, ``run --detach``) that then exited read "its exit
status went to the process that started it, which was no flowtop": a flowtop started it,
and the status went to init. Killed in a retry's wait, its note was a bare "its process …
is gone". A ``cp -r`` of a workspace with a live run showed that run RUNNING for good in
the copy, its owner alive but writing the store it was copied from. On a full disk, a run
its end mark ends was dated by its last recorded step, not by the mark made as it ended.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import fork_cli
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import end_marks, ownership, reaper
from flowtop.workspace.dead_runs_tasks import ORPHANED, UNSAID
from flowtop.workspace.history import History
from flowtop.workspace.launcher import LOGS
from flowtop.workspace.ownership import boot_id, host_name
from flowtop.workspace.store_reader import StoreReader

from .conftest import WAITING, env, wait_until

#: A pid above any pid_max: no process has it, and no reader here knows how it ended.
FREE_PID = 999_999_999


def dead_run(db: Path, *, waiting: bool = False) -> str:
    """A run of ``waiting`` whose process (on this machine) is gone, leaving ``waiter``
    running, or with ``waiting`` in a retry's wait; its last step at 1001, its last
    heartbeat at 1002."""
    history = History(db)
    run_id = secrets.token_hex(6)  # (readers keep what they folded of a run by its id)
    started = RunStarted(run_id, "waiting", 1, ("waiter",), (4,), ("3× 30s",), ts=1000.0)
    steps: list[Any] = [
        started,
        TaskStateChanged(run_id, "waiting", "waiter", StateType.RUNNING, 1, 4, 1000.5),
    ]
    if waiting:
        steps.append(
            TaskStateChanged(run_id, "waiting", "waiter", StateType.AWAITING_RETRY, 1, 4, 1001.0)
        )
    history(steps)
    assert history.flush()
    with closing(sqlite3.connect(db)) as raw, raw:  # as if its process had died
        raw.execute(
            "UPDATE runs SET owner = ?, host = ?, pid = ?, boot_id = ?, proc_start = '1', "
            "heartbeat = 1002.0",
            (f"{host_name()}:{FREE_PID}:gone", host_name(), FREE_PID, boot_id()),
        )
    history.close()
    return run_id


def row(db: Path, run_id: str) -> tuple[str, str, float, float]:
    with closing(sqlite3.connect(db)) as raw:
        found = raw.execute(
            "SELECT state, note, finished, duration FROM runs WHERE run_id = ?", (run_id,)
        ).fetchone()
    assert found is not None
    return found


def gone(pid: int = FREE_PID) -> str:
    return f"its process (pid {pid} on {host_name()}) is gone"


def refuse_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reaper's writes fail as on a full disk."""

    def connect(*_: Any, **__: Any) -> sqlite3.Connection:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(reaper, "connect", connect)


# -- §3: where the exit status went, and what the run was doing ------------------------


def test_a_run_a_flowtop_launched_and_left_says_its_status_went_to_init(tmp_path: Path) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    run_id = dead_run(db)
    (db.parent / LOGS).mkdir(exist_ok=True)
    (db.parent / LOGS / f"{run_id}.log").write_text("")  # its launcher's log of it
    assert reaper.reap_store(db) == [run_id]
    assert row(db, run_id)[1] == (
        f"interrupted: {gone()}: it ended without a word while running waiter ({ORPHANED})"
    )
    assert "went to init" in ORPHANED and "no flowtop" in ORPHANED


def test_a_run_started_from_a_shell_says_its_status_went_to_it(tmp_path: Path) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    run_id = dead_run(db)
    assert reaper.reap_store(db) == [run_id]
    assert row(db, run_id)[1] == (
        f"interrupted: {gone()}: it ended without a word while running waiter ({UNSAID})"
    )


def test_a_run_killed_in_a_retry_s_wait_says_it_was_waiting_to_retry(tmp_path: Path) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    run_id = dead_run(db, waiting=True)
    assert reaper.reap_store(db) == [run_id]
    assert row(db, run_id)[1] == (
        f"interrupted: {gone()}: it ended without a word while waiting to retry waiter ({UNSAID})"
    )


# -- §7: a run its end mark ends is dated by the mark ----------------------------------


def test_a_run_its_end_mark_ends_ends_when_the_mark_was_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its last step in the store is at 1001 (the disk was full from there); its process
    went on until 1056, as it left the mark."""
    db = tmp_path / ".flowtop" / "history.db"
    run_id = dead_run(db)
    end_marks.leave(db, {run_id: "FAILED"})
    (mark,) = [p for p in db.parent.iterdir() if ".end-of-" in p.name]
    os.utime(mark, (1056.0, 1056.0))
    refuse_writes(monkeypatch)  # first as a reader that cannot mark it reads it
    assert reaper.reap_store(db) == []
    assert reaper.end_and_duration(db, run_id) == (1056.0, 56.0)
    monkeypatch.undo()
    assert reaper.reap_store(db) == [run_id]
    state, _, finished, duration = row(db, run_id)
    assert (state, finished, duration) == ("FAILED", 1056.0, 56.0)


def test_a_run_interrupted_without_a_mark_still_ends_at_its_last_sign_of_life(
    tmp_path: Path,
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    run_id = dead_run(db)
    assert reaper.reap_store(db) == [run_id]
    assert row(db, run_id)[2:] == (1002.0, 2.0)


# -- §5: a copy of a store with a live run --------------------------------------------


@pytest.fixture
def live(tmp_path: Path) -> Any:
    """``flowtop run waiting.py`` in ``tmp_path/ws``, its task waiting to retry: its
    process, store and run id."""
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "waiting.py").write_text(textwrap.dedent(WAITING))
    process = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", "waiting.py"],
        cwd=folder,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = folder / ".flowtop" / "history.db"

    def waiting() -> str | None:
        try:
            runs = StoreReader(db).runs() if db.exists() else []
            detail = StoreReader(db).run_detail(runs[0].run_id) if runs else None
        except sqlite3.Error:
            return None
        if detail is None or [t.state for t in detail.tasks] != ["AWAITING_RETRY"]:
            return None
        return runs[0].run_id

    try:
        yield process, db, wait_until(waiting, "waiter to wait for its retry")
    finally:
        process.kill()
        process.wait()


def copied(db: Path, to: Path, *, stale: bool = True) -> Path:
    """``.flowtop`` copied (``cp -r``) into ``to``; with ``stale``, its owner's heartbeat
    there as it stands a minute later (it never moves in a copy)."""
    shutil.copytree(db.parent, to / ".flowtop")
    copy = to / ".flowtop" / db.name
    if stale:
        with closing(sqlite3.connect(copy)) as raw, raw:
            raw.execute("UPDATE runs SET heartbeat = ?", (time.time() - 60,))
    return copy


def test_a_copy_of_a_store_is_no_store_of_its_live_owner(live: Any, tmp_path: Path) -> None:
    process, db, run_id = live
    copy = copied(db, tmp_path / "copy")
    assert reaper.reap_store(copy) == [run_id]
    state, note, *_ = row(copy, run_id)
    assert state == "INTERRUPTED", note
    assert note.startswith(
        f"interrupted: its process (pid {process.pid} on {host_name()}) runs on, but writes "
        f"{db}: this store is a copy of it, where its heartbeat stopped "
    ), note
    assert note.endswith("; it was waiting to retry waiter"), note
    assert reaper.reap_store(db) == []  # the run goes on where it is
    assert row(db, run_id)[0] == "RUNNING"
    assert process.poll() is None


def test_a_fresh_copy_is_not_judged_before_its_heartbeat_is_stale(
    live: Any, tmp_path: Path
) -> None:
    _, db, _ = live
    copy = copied(db, tmp_path / "copy", stale=False)
    with closing(sqlite3.connect(copy)) as raw, raw:  # beaten just now, as by its owner
        raw.execute("UPDATE runs SET heartbeat = ?", (time.time(),))
    assert reaper.reap_store(copy) == []


def test_the_owner_s_own_store_stays_its_own_whatever_its_heartbeat(
    live: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A heartbeat that seems stale (a full disk keeps the beats out) does not make the
    store its process holds open a copy."""
    _, db, _ = live
    monkeypatch.setattr(ownership, "STALE_AFTER", -1e9)
    assert reaper.reap_store(db) == []


def test_a_dead_run_the_store_could_not_mark_reads_interrupted_as_a_marked_one(
    tmp_path: Path,
) -> None:
    """``flowtop history``'s note of a run it could not mark (a full disk) starts as a marked
    run's does, ``interrupted: …``; it lacked the word."""
    from flowtop.commands import history_gone

    gone = history_gone.gone_as_read(tmp_path / "history.db", {"abc": "its process is gone"})
    assert gone["abc"][:2] == ("INTERRUPTED", "interrupted: its process is gone")
