"""A Dask thread held by an attempt given up on is not a free place (rv397 §2).

Dask cannot stop a running thread: an attempt past its timeout (or of a cancelled run)
runs on. Its place was given back all the same, so the next attempts were handed to Dask,
which queued them behind the stuck threads while their timeout counted: instant tasks
failed with ``ran past its timeout`` shown ``▶ Running``. Now the place of an attempt
still running on a worker stays taken until its future really ends, and the next
attempts wait PENDING in flowtop; one that had not started is cancelled and frees its
place at once. The stuck attempts wait on a gate file the test opens, never a sleep.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowtop import Flow, task
from flowtop.engine import Runner
from flowtop.engine.executors import DaskBackend
from flowtop.engine.states import StateType
from waits import wait_until


def _wait_for_gate(mark: str, gate: str) -> None:
    Path(mark).touch()
    deadline = time.monotonic() + 60  # a hang guard only: the test opens the gate
    while not Path(gate).exists() and time.monotonic() < deadline:
        time.sleep(0.005)


@task(timeout=0.3)
def stuck(mark: str, gate: str) -> str:
    """Runs past its timeout until the test opens the gate."""
    _wait_for_gate(mark, gate)
    return mark


@task
def held(mark: str, gate: str) -> str:
    """No timeout: runs until the test opens the gate (or its run is cancelled)."""
    _wait_for_gate(mark, gate)
    return mark


@task(timeout=0.3)
def quick(mark: str) -> str:
    """Returns at once, if it is given a thread within its timeout."""
    Path(mark).touch()
    return mark


@pytest.fixture(scope="module")
def one_thread() -> Iterator[Any]:
    """A cluster of one worker thread, so a stuck attempt fills it."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        processes=False,
        n_workers=1,
        threads_per_worker=1,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster:
        yield cluster


@pytest.fixture
def gate(tmp_path: Path, one_thread: Any) -> Iterator[Path]:
    """The gate file; opened at the end, and the cluster's thread free again after."""
    path = tmp_path / "gate"
    yield path
    path.touch()
    wait_until(  # its worker forgets a task once its thread is out of it
        lambda: not any(w.state.tasks for w in one_thread.workers.values()),
        "the cluster's thread to be free",
        timeout=30,
    )


def tasks_known(cluster: Any) -> int:
    """The most tasks the scheduler or a worker of ``cluster`` still knows of."""
    workers = cluster.workers.values()
    return max(len(cluster.scheduler.tasks), *(len(w.state.tasks) for w in workers))


def held_places(backend: DaskBackend) -> int:
    return int(getattr(backend.places, "held", 0))


def test_a_timed_out_attempt_still_running_keeps_its_place(
    tmp_path: Path, gate: Path, one_thread: Any
) -> None:
    with Flow("stress") as flow:
        first = stuck(str(tmp_path / "stuck"), str(gate))
        second = quick(str(tmp_path / "quick"))
    backend = DaskBackend(workers=1, cluster=one_thread)
    runner = Runner(1, backend=backend)
    try:
        run = runner.start(flow)
        states = run.tasks
        # the stuck attempt timed out; then either its place is held or (as before) the
        # quick one is handed to Dask, to wait behind the stuck thread
        wait_until(
            lambda: (
                states[first.key].state is StateType.FAILED
                and (
                    (held_places(backend) == 1 and backend.places.taken == 1)
                    or states[second.key].state is not StateType.PENDING
                )
            ),
            "the stuck attempt to time out",
        )
        assert states[second.key].state is StateType.PENDING  # not handed: no place
        assert not (tmp_path / "quick").exists()
        gate.touch()  # the stuck thread ends, its place is given back: quick runs
        result = run.result(timeout=30)
    finally:
        gate.touch()
        runner.shutdown()
        backend.close()
    assert result.states[second.key].type is StateType.COMPLETED, result.states[second.key]
    said = str(result.states[first.key].exception)
    assert "ran past its timeout" in said
    # (fx74: "the executor was told to stop it", while it ran on to its end)
    assert "(Dask cannot stop a running task: it may still run to its end on its worker)" in said
    wait_until(lambda: backend.places.taken == 0, "the quick attempt's place given back")
    assert held_places(backend) == 0


def test_a_cancelled_runs_attempt_still_running_keeps_its_place(
    tmp_path: Path, gate: Path, one_thread: Any
) -> None:
    with Flow("a") as flow_a:
        held(str(tmp_path / "held"), str(gate))
    with Flow("b") as flow_b:
        waiting = quick(str(tmp_path / "quick"))
    backend = DaskBackend(workers=1, cluster=one_thread)
    runner = Runner(2, backend=backend)
    try:
        run_a = runner.start(flow_a)
        wait_until(lambda: (tmp_path / "held").exists(), "the attempt to start")
        run_b = runner.start(flow_b)
        assert run_a.cancel()
        wait_until(
            lambda: (
                held_places(backend) == 1 or run_b.tasks[waiting.key].state is not StateType.PENDING
            ),
            "the cancelled attempt's place to be held",
        )
        assert run_b.tasks[waiting.key].state is StateType.PENDING
        gate.touch()
        result = run_b.result(timeout=30)
    finally:
        gate.touch()
        runner.shutdown()
        backend.close()
    assert result.states[waiting.key].type is StateType.COMPLETED, result.states[waiting.key]
    wait_until(lambda: backend.places.taken == 0, "the quick attempt's place given back")


def test_an_attempt_given_up_on_before_it_started_is_cancelled_and_frees_its_place(
    tmp_path: Path, gate: Path, one_thread: Any
) -> None:
    """Two places on one thread (a cluster given by address can have fewer free threads
    than ``workers``): the second attempt waits in Dask's queue and times out there; it
    is cancelled, never runs, and holds no place."""
    with Flow("two") as flow:
        first = stuck(str(tmp_path / "first"), str(gate))
        second = stuck(str(tmp_path / "second"), str(gate))
    backend = DaskBackend(workers=2, cluster=one_thread)
    runner = Runner(2, backend=backend)
    try:
        run = runner.start(flow)
        result = run.result(timeout=30)  # both time out, the second never started
        # (the run ends at the runner's timeout, before Dask's futures are stopped)
        wait_until(
            lambda: backend.places.taken == 1 and held_places(backend) == 1,
            "the running attempt's place held, the other's free",
        )
        # the cancel is a message: on a loaded machine the worker heard it after the gate
        # opened, and ran the cancelled attempt in the thread just freed
        wait_until(lambda: tasks_known(one_thread) == 1, "the cancel heard by all")
        gate.touch()
        wait_until(lambda: backend.places.taken == 0, "the running attempt's end")
    finally:
        gate.touch()
        runner.shutdown()
        backend.close()
    assert [result.states[k].type for k in (first.key, second.key)] == [StateType.FAILED] * 2
    assert len(list(tmp_path.glob("[fs]*"))) == 1  # (Dask picks which one starts)
