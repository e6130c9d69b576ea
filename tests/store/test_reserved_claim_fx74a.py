"""fx74a: a launched run that cannot take over the row its launcher reserved for it.

On a nearly full disk the run process's claim of that row (``run_numbers.claim_run``)
failed, and it numbered the run from its session alone (``#2`` in its events, ``#8`` in
the store, where a real ``#2`` existed), the row left the launcher's (the monitor's pid)
for good: quitting the monitor got the live run marked INTERRUPTED. The run keeps the
reserved number, takes the row over once the store lets it, and a reader does not take
the launcher's end for the run's while the process launched for it runs.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.workspace import history as history_module
from flowtop.workspace import reaper, run_numbers
from flowtop.workspace.history import History
from flowtop.workspace.ownership import Owner

from .conftest import wait_until

FLOW = "retry20"


def _fail_claims_once(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the next claim of a reserved row fail as on a full disk; the runs it failed."""
    real = run_numbers.claim_run
    failed: list[str] = []

    def claim(conn: sqlite3.Connection, run_id: str, owner: str, identity: Owner) -> None:
        if not failed:
            failed.append(run_id)
            raise sqlite3.OperationalError("database or disk is full")
        real(conn, run_id, owner, identity)

    monkeypatch.setattr(run_numbers, "claim_run", claim)
    if hasattr(history_module, "claim_run"):  # (where the store's numbering called it)
        monkeypatch.setattr(history_module, "claim_run", claim)
    return failed


def _row(db: Path, run_id: str) -> tuple[int, str, int, str]:
    with closing(reaper.connect(db)) as conn:
        number, owner, pid, state = conn.execute(
            "SELECT number, owner, pid, state FROM runs WHERE run_id = ?", (run_id,)
        ).fetchone()
    return number, owner, pid, state


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[Path, History]]:
    db = tmp_path / ".flowtop" / "history.db"
    db.parent.mkdir()
    history = History(db)
    try:
        yield db, history
    finally:
        history.close()


def test_a_failed_claim_keeps_the_reserved_number_and_takes_the_row_later(
    store: tuple[Path, History], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, history = store
    for _ in range(7):  # runs before it: the reserved row is #8
        run_numbers.reserve_launched(db, FLOW, os.urandom(8).hex(), os.getppid())
    run_id = "fx74a-launched"
    # (its launcher: a process that lives, not this one)
    assert run_numbers.reserve_launched(db, FLOW, run_id, os.getppid()) == 8
    failed = _fail_claims_once(monkeypatch)
    assert history.next_number(FLOW, run_id) == 8  # was 1: "numbering from this session only"
    assert failed == [run_id]
    assert run_id not in history.session_numbered
    assert history.next_number(FLOW, run_id) == 8  # its start asks again: the same number
    # The row becomes this process's, so its liveness is judged by this process.
    wait_until(lambda: _row(db, run_id)[1] == history.owner, "the row claimed", timeout=30)
    assert _row(db, run_id) == (8, history.owner, os.getpid(), "RUNNING")


def test_the_claim_is_retried_while_the_run_has_no_event_to_write(
    store: tuple[Path, History], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing else written meanwhile (its flow file importing, or a quiet task): the
    claim is retried on its own, once a second."""
    db, history = store
    run_id = "fx74a-quiet"
    number = run_numbers.reserve_launched(db, FLOW, run_id, os.getppid())
    _fail_claims_once(monkeypatch)
    assert history.next_number(FLOW, run_id) == number
    wait_until(lambda: _row(db, run_id)[1] == history.owner, "the row claimed", timeout=30)


def test_a_reserved_row_is_not_reaped_with_its_launcher_while_its_process_runs(
    tmp_path: Path,
) -> None:
    """The row still names the launcher (the monitor), which quit; the process launched
    for the run (its output the run's log, ``--run-id`` on its command line) runs on."""
    state = tmp_path / ".flowtop"
    (state / "logs").mkdir(parents=True)
    db = state / "history.db"
    History(db).close()
    run_id = "fx74a-orphan"
    launcher = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                                stdin=subprocess.PIPE)  # fmt: skip
    assert run_numbers.reserve_launched(db, FLOW, run_id, launcher.pid) == 1
    with closing(reaper.connect(db)) as conn:  # (as the monitor's ``reserve`` names itself)
        conn.execute(
            "UPDATE runs SET owner = ? WHERE run_id = ?",
            (f"{reaper._HOST}:{launcher.pid}:launched", run_id),
        )
    launcher.communicate(b"")  # the monitor quits
    log = state / "logs" / f"{run_id}.log"
    with open(log, "wb") as out:
        run = subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.stdin.read()", "--run-id", run_id],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,  # (as a run's process has it: its log is its stderr)
            stderr=out,
        )
    try:
        assert reaper.reap_store(db) == []
        assert _row(db, run_id)[3] == "RUNNING"
    finally:
        run.communicate(b"")
    assert reaper.reap_store(db) == [run_id]  # its process gone too: interrupted
    assert _row(db, run_id)[3] == "INTERRUPTED"
