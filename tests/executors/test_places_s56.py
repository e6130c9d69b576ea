"""An executor is handed at most ``workers`` attempts at once (``backends.Places``): the
others stay PENDING in flowtop's queue, their timeout not counting, rather than waiting
in Dask's queue shown as running (and failing with a ``TaskTimeout`` never having run)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from engine.kit import wait_until
from flowtop import Flow, task
from flowtop.engine import Runner
from flowtop.engine.executors import DaskBackend, ProcessBackend
from flowtop.engine.states import StateType


@task(timeout=60)  # a hang guard only: the test opens the gate
def gated(mark: str, gate: str) -> str:
    Path(mark).touch()
    deadline = time.monotonic() + 60
    while not Path(gate).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return mark


def running(*runs) -> int:
    return sum(tr.state is StateType.RUNNING for run in runs for tr in run.tasks.values())


def test_flowtops_own_dask_cluster_gets_no_more_attempts_than_its_threads(tmp_path: Path):
    pytest.importorskip("distributed")
    gate = tmp_path / "gate"
    with Flow("fan") as flow:
        for i in range(3):
            gated(str(tmp_path / f"m{i}"), str(gate))
    backend = DaskBackend(workers=1)
    runner = Runner(1, backend=backend)
    try:
        run = runner.start(flow)
        wait_until(lambda: any(tmp_path.glob("m*")), timeout=30)
        assert running(run) == 1
        assert sum(tr.state is StateType.PENDING for tr in run.tasks.values()) == 2
        gate.touch()
        assert run.result().state is StateType.COMPLETED
        assert len(list(tmp_path.glob("m*"))) == 3
        assert backend.places.taken == 0
    finally:
        runner.shutdown()


@pytest.mark.parametrize("kind", ["process", "dask"])
def test_runs_sharing_an_executor_share_its_places(tmp_path: Path, kind: str, request):
    if kind == "dask":
        backend: object = DaskBackend(workers=1, cluster=request.getfixturevalue("cluster"))
    else:
        backend = ProcessBackend(1)
    gate = tmp_path / "gate"
    flows = []
    for name in ("a", "b"):
        with Flow(name) as flow:
            gated(str(tmp_path / f"m-{name}"), str(gate))
        flows.append(flow)
    runner = Runner(2, backend=backend)
    try:
        runs = [runner.start(flow) for flow in flows]
        wait_until(lambda: any(tmp_path.glob("m-*")), timeout=30)
        assert running(*runs) == 1  # the other run's attempt waits PENDING, untimed
        gate.touch()
        assert [run.result().state for run in runs] == [StateType.COMPLETED] * 2
    finally:
        runner.shutdown()
        backend.close()  # type: ignore[attr-defined]
