"""Executors under test, each behind the same runner; one LocalCluster per test module.

``thread`` is the runner's own pool (no backend), ``process`` the process pool, ``dask``
a ``LocalCluster(processes=False)`` shared by the module's tests (starting one per test
would dominate the run time).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from engine.kit import Recorder  # a sink keeping every event; read after bus.flush()
from flowtop.engine import Runner
from flowtop.engine.executors import DaskBackend, ProcessBackend

EXECUTORS = ["thread", "process", "dask"]


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        processes=False,
        n_workers=1,
        threads_per_worker=4,
        dashboard_address=":0",  # no fixed port to collide with
        silence_logs=logging.ERROR,
    ) as local:
        yield local


@pytest.fixture
def backend_for(request: pytest.FixtureRequest) -> Iterator:
    """``backend_for(kind)`` -> a fresh backend (None for thread), closed after the test."""
    made: list = []

    def make(kind: str, workers: int = 4):
        if kind == "thread":
            return None
        if kind == "process":
            backend = ProcessBackend(workers)
        else:
            backend = DaskBackend(workers=workers, cluster=request.getfixturevalue("cluster"))
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()


@pytest.fixture
def make_runner(backend_for) -> Iterator:
    """``make_runner(kind, sinks=...)`` -> a Runner on that executor, shut down after the test."""
    made: list[Runner] = []

    def make(kind: str, *, sinks: tuple = (), workers: int = 4) -> Runner:
        runner = Runner(workers, sinks=sinks, backend=backend_for(kind, workers), rng=lambda: 0.5)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.shutdown()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
