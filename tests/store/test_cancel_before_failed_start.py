"""A cancel queued while a launched run's flow file imports wins over the run then failing
to start: ``flowtop cancel`` had said "queued: … the run ends as it starts, running no
task", and an import that then timed out (or raised) recorded the run FAILED ("did not
start: …"), with ``f`` offered on it, as if nobody had cancelled it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

import fork_cli
from flowtop.commands import run_start
from flowtop.commands.run_signals import Terminated
from flowtop.workspace import reaper
from flowtop.workspace.history import History
from flowtop.workspace.owner_agent import enqueue, outcome
from flowtop.workspace.store_reader import StoreReader
from flowtop.workspace.unstarted_commands import claim_cancels
from held_import import HELD_IMPORT

from .conftest import env, wait_until

RUN_ID = "c0ffee000001"

#: Its import held (``held_import``) until the test lets go; then it raises when a file
#: ``broken`` is beside it.
HELD = (
    HELD_IMPORT
    + """
    if Path(__file__).with_name("broken").exists():
        raise RuntimeError("the database is down")

    from flowtop import Flow, task

    @task
    def deploy() -> None:
        Path(__file__).with_name("deployed").touch()

    with Flow("held") as flow:
        deploy()
"""
)


@contextmanager
def held_launch(folder: Path, run_id: str) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """The process of the launched run ``run_id`` of ``held.py`` (``HELD``), as the
    monitor's ``r`` starts it, once it is importing the file, held there until the file
    ``importing`` it yields goes; the process is ended after, if it has not."""
    hold = folder / "importing"
    hold.write_text(".")  # (no loader imports it first: the run's import is held)
    process = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", "held.py", "--flow", "held", "--run-id", run_id],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    try:
        wait_until(lambda: hold.stat().st_size >= 2, "the run's process to begin its import")
        yield hold, process
    finally:
        hold.unlink(missing_ok=True)
        if process.poll() is None:
            process.kill()
        if process.stderr is not None and not process.stderr.closed:
            process.communicate(timeout=20)


def _reserved(tmp_path: Path) -> tuple[History, run_start.Reservation]:
    """A launched run's reservation, its flow file importing, with a cancel of it queued
    (as ``flowtop cancel`` queues one)."""
    history = History(tmp_path / ".flowtop" / "history.db")
    reservation = run_start.Reservation(history, "etl", RUN_ID, state_dir=tmp_path / ".flowtop")
    enqueue(history.path, RUN_ID, "cancel")
    return history, reservation


def _commands(db: Path) -> list[tuple[str, str | None]]:
    with closing(reaper.connect(db)) as conn:
        return conn.execute("SELECT kind, outcome FROM commands ORDER BY id").fetchall()


@pytest.mark.parametrize(
    "reason",
    ["etl.py: import did not finish in 1.5 s", "etl.py:21: RuntimeError: the database is down"],
)
def test_a_cancel_queued_while_importing_wins_over_the_run_not_starting(
    tmp_path: Path, reason: str
) -> None:
    """(A cancel is taken at the import's next heartbeat, ending the run then:
    ``test_cancel_while_importing_s56``; one queued after the last, as the import timed
    out or raised, is found by the failure.)"""
    history, reservation = _reserved(tmp_path)
    try:
        reservation.fail(reason)
    finally:
        history.close()
    (run,) = StoreReader(history.path).runs()
    assert run.state == "CANCELLED", run
    assert run.error is None  # no "did not start", which offers `f`
    assert run.note == (
        f"cancelled by the user while its flow file imported (it would not have started: {reason})"
    )
    assert _commands(history.path) == [("cancel", "applied")]  # the waiting `cancel` hears so


def test_a_cancel_queued_as_the_run_fails_to_start_is_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cancel queued once the run's end was decided (no cancel waited) is answered
    ignored, saying why: left queued, its ``flowtop cancel`` said the run's process "did
    not take the request within 5 s; it stays queued", for a run that had ended."""
    history = History(tmp_path / ".flowtop" / "history.db")
    try:
        reservation = run_start.Reservation(history, "etl", RUN_ID, state_dir=tmp_path / ".flowtop")
        late: list[int] = []

        def claimed_then_cancelled(db: Path, run_id: str) -> list[int]:
            claimed = claim_cancels(db, run_id)
            late.append(enqueue(db, run_id, "cancel"))  # just after the claim
            return claimed

        monkeypatch.setattr(run_start, "claim_cancels", claimed_then_cancelled)
        reservation.fail("etl.py: import did not finish in 10 s")
    finally:
        history.close()
    (run,) = StoreReader(history.path).runs()
    assert run.state == "FAILED"
    assert outcome(history.path, late[0]) == (
        "ignored: the run did not start: etl.py: import did not finish in 10 s"
    )


def test_a_cancel_queued_before_a_signal_stops_the_import_is_answered_applied(
    tmp_path: Path,
) -> None:
    """Its process stopped (a logout's SIGTERM) while the file imported: the run ends
    CANCELLED, naming the signal, and the cancel waiting for it is answered, not left
    queued for a process that is gone."""
    history, reservation = _reserved(tmp_path)
    try:
        reservation.stop(Terminated.why)
    finally:
        history.close()
    (run,) = StoreReader(history.path).runs()
    assert (run.state, run.error) == ("CANCELLED", None)
    assert "SIGTERM" in run.note
    assert _commands(history.path) == [("cancel", "applied")]
