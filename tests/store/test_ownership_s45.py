"""Runs whose process is gone, and owners that come back to a run they lost.

1. A run process that was taken for gone (its heartbeats stopped: a task held the GIL
   for 30 s) before its agent's first round after the run began came back and ran every
   task, five COMPLETED tasks under an INTERRUPTED run with no "came back" note: the
   agent only looked at the runs it had beaten for in its previous round.
2. After a reboot a one-off ``history`` showed a dead run of this host RUNNING (for ten
   minutes, the wall-clock rule for owners elsewhere), ``run --rerun-of`` said it was
   still running: same host and another boot id was taken for another machine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from flowtop import Flow, task
from flowtop.cli import main
from flowtop.engine.states import StateType
from flowtop.workspace import Workspace, ownership, reaper, store_schema
from flowtop.workspace.history import History
from flowtop.workspace.owner_agent import LOST, LOST_WHY, OwnerAgent
from flowtop.workspace.ownership import Owner, host_name, owner_gone

from .conftest import WAITING, wait_rounds, wait_until
from .test_store_cli import run_process, runs, store

WHY = "its process (pid 7 on otherbox) sent no heartbeat for 5 s"

# -- 1: an owner that comes back to a run it lost ----------------------------------------


def _mark_interrupted(db: Path, run_id: str) -> None:
    with closing(reaper.connect(db)) as conn, store_schema.write_transaction(conn):
        reaper.interrupt(conn, {run_id: WHY})


def _row(db: Path, run_id: str) -> tuple[str, str]:
    with closing(reaper.connect(db)) as conn:
        state, note = conn.execute(
            "SELECT state, note FROM runs WHERE run_id = ?", (run_id,)
        ).fetchone()
    return state, note or ""


class _Begun:
    """What ``OwnerAgent.before_begin`` reads of a run: its id."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id


class _Applied:
    """An ``Apply`` that answers ``answers`` in turn (the last one for good)."""

    def __init__(self, *answers: bool | None) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, str]] = []
        self.called = threading.Event()

    def __call__(self, run_id: str, kind: str, task: str | None) -> bool | None:
        self.calls.append((run_id, kind))
        self.called.set()
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def _begin_unseen(agent: OwnerAgent, run_id: str, db: Path) -> None:
    """Begin ``run_id`` and have it marked lost before the agent's next round: as a task
    that takes the GIL at once keeps the agent's thread from running."""
    with agent._using:  # the agent's round waits, as it did behind the GIL
        agent.before_begin(_Begun(run_id))  # type: ignore[arg-type]
        _mark_interrupted(db, run_id)


@pytest.mark.usefixtures("quick_agent")
def test_a_run_lost_before_the_agent_s_first_round_on_it_is_cancelled(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    history = History(db)
    apply = _Applied(True)
    try:
        history.next_number("f", "run-1")  # RUNNING, this process's
        agent = OwnerAgent(db, history.owner, apply)
        try:
            _begin_unseen(agent, "run-1", db)
            assert apply.called.wait(10), "the lost run was never cancelled"
            wait_until(lambda: "came back" in _row(db, "run-1")[1], "the run's note")
        finally:
            agent.close()
    finally:
        history.close()
    assert apply.calls == [("run-1", LOST)]
    state, note = _row(db, "run-1")
    assert state == "INTERRUPTED"
    assert note.startswith(f"interrupted: {WHY}; its process came back at ")
    assert note.endswith(" and cancelled it")


@pytest.mark.usefixtures("quick_agent")
def test_a_lost_run_that_ended_meanwhile_says_when_its_process_came_back(
    tmp_path: Path,
) -> None:
    """Its process had run it to its end: nothing to cancel, and nothing said."""
    db = tmp_path / "history.db"
    history = History(db)
    apply = _Applied(False)
    try:
        history.next_number("f", "run-1")
        agent = OwnerAgent(db, history.owner, apply)
        try:
            _begin_unseen(agent, "run-1", db)
            wait_until(lambda: "came back" in _row(db, "run-1")[1], "the run's note")
            wait_rounds(agent, 3)  # beats after it: said once
        finally:
            agent.close()
    finally:
        history.close()
    assert apply.calls == [("run-1", LOST)]
    note = _row(db, "run-1")[1]
    assert note.endswith(" after the run had ended there")
    assert note.count("came back") == 1


@pytest.mark.usefixtures("quick_agent")
def test_a_lost_run_this_process_has_not_started_is_cancelled_once_it_has(
    tmp_path: Path,
) -> None:
    """Reserved, its flow file still importing, it was marked lost: ``apply`` says None
    (not started) at first, and the agent looks again until it can cancel it."""
    db = tmp_path / "history.db"
    history = History(db)
    apply = _Applied(None, None, True)
    try:
        history.next_number("f", "run-1")
        agent = OwnerAgent(db, history.owner, apply)
        try:
            wait_until(lambda: _row(db, "run-1")[0] == "RUNNING", "the reservation")
            wait_rounds(agent, 1)  # beaten for at least once: watched
            _mark_interrupted(db, "run-1")
            wait_until(lambda: "came back" in _row(db, "run-1")[1], "the run's note", 10)
        finally:
            agent.close()
    finally:
        history.close()
    assert apply.calls == [("run-1", LOST)] * 3
    assert _row(db, "run-1")[1].endswith(" and cancelled it")


def test_a_run_marked_lost_while_its_flow_file_imported_runs_no_task(
    tmp_path: Path,
) -> None:
    """Its start cancels it (``before_begin``): it ran every task under its mark."""
    ran: list[str] = []

    @task
    def step() -> None:
        ran.append("step")

    with Flow("lost") as flow:
        step()
    ws = Workspace(tmp_path)
    try:
        ws.history.next_number("lost", "run-x")  # reserved, as a run process does first
        runner = ws.make_runner()
        try:
            _mark_interrupted(ws.history.path, "run-x")  # while it "imports"
            run = runner.start(flow, run_id="run-x")
            assert run.wait(5.0)
            assert run.final_state() is StateType.CANCELLED
            assert all(tr.attempt == 0 for tr in run.tasks.values())
            assert run.tasks["step"].message == LOST_WHY
        finally:
            runner.shutdown()
        assert ran == []
        state, note = _row(ws.history.path, "run-x")
        assert state == "INTERRUPTED" and note.endswith(" and cancelled it")
    finally:
        ws.close()


# -- 2: an owner of this host from before its last boot ----------------------------------


@pytest.fixture
def booted_a_minute_ago(monkeypatch: pytest.MonkeyPatch) -> float:
    """This machine's boot time, a minute ago (so a wall-clock rule cannot tell)."""
    booted = time.time() - 60
    # (not raising: so the test runs, and fails, where ``owner_gone`` never read it)
    monkeypatch.setattr(ownership, "boot_time", lambda: booted, raising=False)
    return booted


def test_an_owner_of_this_host_from_an_earlier_boot_is_gone(booted_a_minute_ago: float) -> None:
    me = Owner.current()
    owner = Owner(me.host, me.pid, "an-earlier-boot", me.start)  # its pid: a live one now
    why = owner_gone(owner, booted_a_minute_ago - 30)
    assert why == f"its process (pid {me.pid} on {me.host}) is gone: this machine restarted since"


@pytest.mark.parametrize(
    ("boot", "since_boot"),
    [("another-machine-s-boot", 30.0), ("", -30.0)],
    ids=["beating-since-this-boot", "no-boot-id"],
)
def test_an_owner_that_may_be_another_machine_of_that_name_is_not(
    booted_a_minute_ago: float, boot: str, since_boot: float
) -> None:
    """Two machines may share a host name: one whose heartbeat is newer than this boot,
    or a container that records no boot id, is judged by its heartbeat."""
    owner = Owner(host_name(), 4242, boot, "1")
    assert owner_gone(owner, booted_a_minute_ago + since_boot) is None


def test_after_a_reboot_one_off_commands_see_a_dead_run_interrupted(
    ws: Callable[..., Path],
    booted_a_minute_ago: float,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``history`` showed it RUNNING, ``run --rerun-of`` said it was still running."""
    folder = ws(waiting=WAITING)
    owner = run_process(folder, output=False)
    wait_until(lambda: runs(folder, "RUNNING"), "a live run")
    owner.kill()
    owner.wait()
    with closing(reaper.connect(store(folder))) as conn:  # as the machine restarted
        conn.execute(
            "UPDATE runs SET boot_id = 'an-earlier-boot', heartbeat = ?",
            (booted_a_minute_ago - 30,),
        )
    assert main(["history", str(folder)]) == 0
    shown = capsys.readouterr().out
    assert "INTERRUPTED" in shown and "this machine restarted since" in shown
    (run,) = runs(folder)
    assert run.state == "INTERRUPTED"
