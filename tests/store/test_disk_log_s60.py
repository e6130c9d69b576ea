"""A launched run's log (``.flowtop/logs/ID.log``) holds what the store does not, and a
full disk says how much room those logs hold; read commands leave no ``-wal``/``-shm``.

A run started with ``r`` or ``--detach`` wrote every line its tasks printed twice: into
the store, and under its steps' lines into its log, on the same disk. On a 3 MB disk the
log took 1.4 MB, the store then stopped following the run, and the log, kept because the
run's end was not recorded, held the disk full after the run: the next ``--detach`` said
only "free some space". And ``flowtop history`` on a store whose writers had all closed
left an empty ``history.db-wal`` and a 32 KB ``history.db-shm`` behind.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import cli_kit
from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.workspace import launcher
from flowtop.workspace.history import History
from flowtop.workspace.private import private_folder
from flowtop.workspace.store_errors import store_advice
from flowtop.workspace.store_reader import StoreReader

from .conftest import wait_until

#: Its first attempt prints, starts a process that prints, and fails; its retry waits
#: for the file ``go`` (the test reads the log meanwhile), then completes.
CHATTY = """
import subprocess, sys, time
from pathlib import Path
from flowtop import Flow, task

HERE = Path(__file__).parent

@task(max_retries=1, retry_delay=0.01, retry_on=[ConnectionError])
def chatty():
    if (HERE / "tried").exists():
        while not (HERE / "go").exists():
            time.sleep(0.02)
        return "done"
    (HERE / "tried").touch()
    for k in range(50):
        print(f"printed line {k} " + "x" * 200)
    subprocess.run([sys.executable, "-c", "print('the child says hi')"], check=True)
    raise ConnectionError("warehouse down")

flow = Flow("chatty")
flow.add_task(chatty)
"""


def test_a_launched_run_s_log_holds_no_second_copy_of_its_tasks_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chatty.py").write_text(CHATTY)
    state = private_folder(tmp_path / ".flowtop")
    launched = launcher.launch(tmp_path / "chatty.py", "chatty", state_dir=state)
    assert launched.process is not None
    try:
        # the retry's line is in the log once the first attempt's end is
        wait_until(
            lambda: "retry in" in launched.log.read_text(errors="replace"),
            "the first attempt's end in the run's log",
            30,
        )
        log = launched.log.read_text(errors="replace")
        assert "printed line" not in log, log  # the store has it: no copy here
        assert "the child says hi" not in log  # its own file (child_files): the store has it
        wait_until(lambda: first_output(state, launched.run_id), "the first attempt stored", 30)
        first = first_output(state, launched.run_id)
        assert "printed line 49 " in first
        assert "the child says hi" in first  # read back from the log
    finally:
        (tmp_path / "go").touch()
        launched.process.wait(timeout=60)
    (run,) = StoreReader(state / "history.db").runs()
    assert run.state == "COMPLETED"
    assert not launched.log.exists()


def first_output(state: Path, run_id: str) -> str:
    """What the run's first attempt printed, as stored once it ended ("" before)."""
    detail = StoreReader(state / "history.db").run_detail(run_id)
    if detail is None:
        return ""
    return "".join(a.output for t in detail.tasks for a in t.attempt_records if a.number == 1)


def test_a_full_disk_says_how_much_room_the_kept_run_logs_hold(tmp_path: Path) -> None:
    state = private_folder(tmp_path / ".flowtop")
    logs = private_folder(state / launcher.LOGS)
    (logs / "0123456789ab.log").write_bytes(b"x" * 1_400_000)
    (logs / "ba9876543210.log").write_bytes(b"y" * 100_000)
    full = sqlite3.OperationalError("database or disk is full")
    advice = store_advice(full, state / "history.db", writing=True)
    assert advice.startswith(f"the disk of {state} is full: free some space"), advice
    assert f"{logs} holds 1.4 MB of kept run logs" in advice, advice


def test_a_full_disk_without_kept_logs_says_only_to_free_space(tmp_path: Path) -> None:
    state = private_folder(tmp_path / ".flowtop")
    full = sqlite3.OperationalError("database or disk is full")
    advice = store_advice(full, state / "history.db", writing=True)
    assert advice == (
        f"the disk of {state} is full: free some space (the runs recorded so far are kept)"
    )


def test_history_leaves_no_wal_nor_shm_beside_a_closed_store(tmp_path: Path) -> None:
    db = private_folder(tmp_path / ".flowtop") / "history.db"
    history = History(db)
    history([RunStarted("a1b2c3d4e5f6", "etl", 1, ("t",), (1,), ("",), ts=1000.0)])
    history([RunFinished("a1b2c3d4e5f6", "etl", 1, StateType.COMPLETED, {}, 1.0, ts=1001.0)])
    history.close()
    before = sorted(p.name for p in db.parent.iterdir() if p.name.startswith("history.db"))
    assert before == ["history.db"]
    done = cli_kit.flowtop("history", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "etl" in done.stdout
    after = sorted(p.name for p in db.parent.iterdir() if p.name.startswith("history.db"))
    assert after == ["history.db"]
