"""A cancel queued for a run its process reserved but has not started yet is kept queued.

A run process reserves its run (RUNNING, its owner) before it imports the flow file, and
its ``OwnerAgent`` polls the command queue from ``make_runner`` on. A ``flowtop cancel``
taken in between found no run handle and was marked "ignored: nothing to do": the user
was told so while the run they had cancelled then ran in full. It is applied once the
run starts now (``owner_agent.apply_command`` says None for a run not started), and
before its first attempt: the run's start takes them (``Runner.before_begin``), where the
agent's next poll came after the first attempts (or a ``@flow``'s body) had started.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.engine.states import StateType
from flowtop.workspace import Workspace, reaper
from flowtop.workspace.owner_agent import POLL, enqueue, outcome

SLOW = """
    import time
    from flowtop import Flow, task

    @task
    def slow():
        time.sleep(2)

    with Flow("slow") as flow:
        slow()
"""


def _taken(db: Path, command: int, within: float) -> str | None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        done = outcome(db, command)
        if done is not None:
            return done
        time.sleep(POLL)
    return None


def test_a_cancel_queued_before_the_run_starts_is_applied_once_it_starts(
    write: Callable[[str, str], Path], workspace: Callable[..., Workspace]
) -> None:
    write("slow.py", SLOW)
    ws = workspace()
    ws.history.next_number("slow", "run-x")  # reserved, as a run process does first
    runner = ws.make_runner()
    try:
        command = enqueue(ws.history.path, "run-x", "cancel")
        assert _taken(ws.history.path, command, 20 * POLL) is None  # old: ignored
        run = runner.start(ws.flows["slow"], run_id="run-x")
        assert _taken(ws.history.path, command, 5.0) == "applied"
        assert run.wait(5.0)
        assert run.final_state() is StateType.CANCELLED
    finally:
        runner.shutdown(wait=False)


def test_a_cancel_for_a_run_that_ended_unstarted_is_ignored(
    write: Callable[[str, str], Path], workspace: Callable[..., Workspace]
) -> None:
    """Kept queued only while the run is RUNNING: one that never started (its flow file
    failed) says so, not "stays queued" for good."""
    write("slow.py", SLOW)
    ws = workspace()
    ws.history.next_number("slow", "run-y")
    runner = ws.make_runner()
    try:
        command = enqueue(ws.history.path, "run-y", "cancel")
        with closing(reaper.connect(ws.history.path)) as conn:  # as ``Reservation.fail``
            conn.execute("UPDATE runs SET state = 'FAILED' WHERE run_id = 'run-y'")
        assert _taken(ws.history.path, command, 5.0) == "ignored: nothing to do"
    finally:
        runner.shutdown(wait=False)


STATIC = """
    from pathlib import Path
    from flowtop import Flow, task

    @task
    def deploy():
        (Path(__file__).parent / "ran").write_text("deploy ran")

    with Flow("job") as flow:
        deploy()
"""

DYNAMIC = """
    from pathlib import Path
    from flowtop import flow

    @flow
    def job():
        (Path(__file__).parent / "ran").write_text("body ran")
"""


@pytest.mark.parametrize("source", [STATIC, DYNAMIC], ids=["Flow", "@flow"])
def test_a_run_cancelled_before_it_began_runs_nothing(
    source: str,
    write: Callable[[str, str], Path],
    workspace: Callable[..., Workspace],
    tmp_path: Path,
) -> None:
    write("job.py", source)
    ws = workspace()
    ws.history.next_number("job", "run-x")  # reserved, as a run process does first
    runner = ws.make_runner()
    try:
        command = enqueue(ws.history.path, "run-x", "cancel")  # while it "imports"
        run = runner.start(ws.flows["job"], run_id="run-x")  # before the agent's next poll
        assert run.wait(5.0)
        assert run.final_state() is StateType.CANCELLED
        assert outcome(ws.history.path, command) == "applied"
        assert all(tr.attempt == 0 for tr in run.tasks.values())
    finally:
        runner.shutdown()
    assert not (tmp_path / "ran").exists()
    (stored,) = ws.history.runs(flow="job")
    assert stored.state == "CANCELLED"
