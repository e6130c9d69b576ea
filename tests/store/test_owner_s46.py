"""Review 46: the owner agent stops watching a run whose start failed after
``Runner.before_begin``; ``run --detach --rerun-of`` on a full disk says one line.

``before_begin`` adds the run to the runs the agent watches, so one lost while its flow
file imported is cancelled. A start that raised after it (``FlowRun._begin``: a retry's
start as the runner shuts down, a worker pool that will not take its drivers) left the
run watched for the life of the process, one SELECT per heartbeat: its record was still
the launcher's reservation (RUNNING, not this agent's to beat for), or was marked
INTERRUPTED with no run here to cancel, and the agent waited for either to change.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from contextlib import closing
from functools import partial
from pathlib import Path

import pytest

from flowtop import Flow, task
from flowtop.engine.run import FlowRun
from flowtop.engine.runner import Runner
from flowtop.workspace import reaper, store_schema
from flowtop.workspace.history import History
from flowtop.workspace.owner_agent import OwnerAgent, apply_command

from .test_full_disk_s45 import on_full_disk


@task
def step() -> int:
    return 1


def _flow() -> Flow:
    with Flow("f") as flow:
        step()
    return flow


def _reserved_by_launcher(db: Path, history: History, run_id: str) -> None:
    """``run_id`` recorded as a launcher reserves it: RUNNING, owned by the launcher's
    token until the run's start takes it over (``History.next_number``), which did not
    (the store busy past the wait: ``_unclaimed`` numbers it from this session only)."""
    history.next_number("f", run_id)
    with closing(reaper.connect(db)) as conn, store_schema.write_transaction(conn):
        conn.execute("UPDATE runs SET owner = 'otherbox:7:launched' WHERE run_id = ?", (run_id,))


def _unclaimed(flow: str, run_id: str) -> int:
    return 1


def _interrupted(db: Path, history: History, run_id: str) -> None:
    """``run_id`` marked lost (its owner taken for gone) as it starts."""
    history.next_number("f", run_id)
    with closing(reaper.connect(db)) as conn, store_schema.write_transaction(conn):
        reaper.interrupt(conn, {run_id: "its process sent no heartbeat for 5 s"})


def _beat(agent: OwnerAgent) -> None:
    """One heartbeat round of the agent's, now (its thread's come every half second)."""
    with agent._using:
        agent._beat()


@pytest.mark.parametrize("record", [_reserved_by_launcher, _interrupted])
def test_a_run_whose_start_failed_is_no_longer_watched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, record: Callable[[Path, History, str], None]
) -> None:
    db = tmp_path / "history.db"
    history = History(db)
    claims = record is _interrupted  # (an INTERRUPTED run is not taken over)
    runner = Runner(2, next_number=history.next_number if claims else _unclaimed)
    agent = OwnerAgent(db, history.owner, partial(apply_command, runner))
    runner.before_begin = agent.before_begin
    try:
        record(db, history, "run-1")

        def failing_begin(run: FlowRun) -> None:
            raise RuntimeError("cannot schedule new futures after shutdown")

        monkeypatch.setattr(FlowRun, "_begin", failing_begin)
        with agent._using:  # the agent's own rounds wait: these are the first after the start
            with pytest.raises(RuntimeError, match="after shutdown"):
                runner.start(_flow(), run_id="run-1")
            gc.collect()  # its handle gone, as it is a moment later (the runner keeps it weakly)
            assert runner.find("run-1") is None
            for _ in range(2):
                agent._beat()
        assert not agent._watched
    finally:
        agent.close()
        runner.shutdown()
        history.close()


def test_a_run_still_starting_stays_watched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round while its start goes on (the launcher's reservation not taken over yet):
    the run is active in its runner, so it is still watched, to be cancelled if lost."""
    db = tmp_path / "history.db"
    history = History(db)
    runner = Runner(2, next_number=_unclaimed)
    agent = OwnerAgent(db, history.owner, partial(apply_command, runner))
    runner.before_begin = agent.before_begin
    watched: list[bool] = []

    def beaten_while_starting(run: FlowRun) -> None:
        _beat(agent)
        watched.append(run.run_id in agent._watched)

    try:
        _reserved_by_launcher(db, history, "run-1")
        monkeypatch.setattr(FlowRun, "_begin", beaten_while_starting)
        runner.start(_flow(), run_id="run-1")
        assert watched == [True]
    finally:
        agent.close()
        runner.shutdown(wait=False)
        history.close()


def test_detach_rerun_on_a_full_disk_says_one_line(tmp_path: Path) -> None:
    """The rerun's reservation warned "could not record launched run", then the launch
    refused the run for the same full disk: two lines for one cause."""
    done = on_full_disk(
        tmp_path, "flowtop run quick.py --detach --rerun-of 1; echo exit=$?", reader=True
    )
    assert done.stdout.split() == ["exit=2"], done.stderr  # no run id, no run
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("flowtop run: quick was not started: ") and "is full" in line
