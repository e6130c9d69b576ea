"""A subflow's run says what its parent's says of their one process (fx71g §1).

A ``@flow`` parent and the subflow runs its body called share one run process, which its
launcher (``run --detach``, the monitor) knows by the parent's run id alone: its log and
launcher file bear that id. Killed, the parent's process left the child reading "its exit
status went to the process that started it, which was no flowtop", its parent's process
launched by a flowtop all along. The child now reads its outermost caller's launch record
(``dead_runs_tasks.launched_as``).
"""

from __future__ import annotations

import secrets
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import reaper
from flowtop.workspace.dead_runs_tasks import ORPHANED, UNSAID
from flowtop.workspace.history import History
from flowtop.workspace.launcher import LAUNCHER, LOGS
from flowtop.workspace.ownership import boot_id, host_name

from .test_dead_notes_s60 import FREE_PID, gone, row

#: Another process's pid, as free as ``FREE_PID`` (no reader here knows how it ended).
OTHER_PID = FREE_PID - 1


def family(db: Path, *, child_pid: int = FREE_PID) -> tuple[str, str]:
    """A ``parent`` run whose body called the subflow ``child``, running ``slowstep``, in
    one process (on this machine) that is gone; the child's in ``child_pid``'s."""
    history = History(db)
    parent, child = secrets.token_hex(6), secrets.token_hex(6)
    steps: list[Any] = [
        RunStarted(parent, "parent", 1, (), (), (), ts=1000.0),
        RunStarted(child, "child", 1, ("slowstep",), (1,), ("",), ts=1000.2, parent_run=parent),
        TaskStateChanged(child, "child", "slowstep", StateType.RUNNING, 1, 1, 1000.5),
    ]
    history(steps)
    assert history.flush()
    with closing(sqlite3.connect(db)) as raw, raw:  # as if its process had died
        for run_id, pid in ((parent, FREE_PID), (child, child_pid)):
            raw.execute(
                "UPDATE runs SET owner = ?, host = ?, pid = ?, boot_id = ?, proc_start = '1', "
                "heartbeat = 1002.0 WHERE run_id = ?",
                (f"{host_name()}:{pid}:gone", host_name(), pid, boot_id(), run_id),
            )
    history.close()
    return parent, child


def detached(db: Path, run_id: str) -> Path:
    """``run --detach`` launched ``run_id``'s process and left: its log of it stays."""
    logs = db.parent / LOGS
    logs.mkdir(exist_ok=True)
    (logs / f"{run_id}.log").write_text("")
    return logs


def test_a_detached_parent_s_subflow_says_its_status_went_to_init(tmp_path: Path) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    parent, child = family(db)
    detached(db, parent)  # (its launcher knows the parent's id alone)
    assert set(reaper.reap_store(db)) == {parent, child}
    note = row(db, child)[1]
    assert note == (
        f"interrupted: {gone()}: it ended without a word while running slowstep ({ORPHANED})"
    )
    assert "no flowtop)" not in note


def test_a_subflow_reads_how_its_process_ended_in_its_parent_s_launcher_file(
    tmp_path: Path,
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    parent, child = family(db)
    logs = detached(db, parent)  # a monitor launched it, reaped it and wrote how it ended
    (logs / f"{parent}{LAUNCHER}").write_text(f"{host_name()} {FREE_PID} - 1\nexit -9\n")
    assert set(reaper.reap_store(db)) == {parent, child}
    said = f"its process (pid {FREE_PID} on {host_name()}, killed by SIGKILL) is gone"
    assert row(db, child)[1] == f"interrupted: {said}; it was running slowstep"
    assert said in row(db, parent)[1]


def test_a_subflow_run_in_another_process_keeps_its_own_launch_record(tmp_path: Path) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    parent, child = family(db, child_pid=OTHER_PID)
    detached(db, parent)  # the parent's process was launched; the child's was not
    assert set(reaper.reap_store(db)) == {parent, child}
    assert row(db, child)[1] == (
        f"interrupted: {gone(OTHER_PID)}: it ended without a word while running slowstep ({UNSAID})"
    )
