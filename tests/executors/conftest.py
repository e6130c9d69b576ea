"""Executors under test, each behind the same runner; one LocalCluster per test module.

``thread`` is the runner's own pool (no backend), ``process`` the process pool, ``dask``
a ``LocalCluster(processes=False)`` shared by the module's tests (starting one per test
would dominate the run time); ``process_cluster`` one whose workers are processes.
"""

from __future__ import annotations

import logging
import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.kit import Recorder  # a sink keeping every event; read after bus.flush()
from flowtop.engine import Runner
from flowtop.engine.executors import DaskBackend, ProcessBackend
from flowtop.workspace import Workspace

EXECUTORS = ["thread", "process", "dask"]


def local_cluster(*, processes: bool, threads: int) -> Any:
    """A one-worker ``LocalCluster`` (to enter), quiet, on no fixed port."""
    distributed = pytest.importorskip("distributed")
    return distributed.LocalCluster(
        processes=processes,
        n_workers=1,
        threads_per_worker=threads,
        dashboard_address=":0",  # no fixed port to collide with
        silence_logs=logging.ERROR,
    )


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    with local_cluster(processes=False, threads=4) as local:
        yield local


@pytest.fixture(scope="module")
def process_cluster() -> Iterator[Any]:
    """A cluster whose workers are processes of their own, as ``dask worker`` starts them:
    the flow module crosses a process boundary, and the workers cannot import the flow's
    folder (a real cluster's). Its nannies set variables in this process's environment
    (``PYTHONHASHSEED``, ``OMP_NUM_THREADS``, …), put back after: a later test's command in
    the same worker was no longer forkable (``fork_cli.forkable``: ``PYTHONHASHSEED`` is read
    at a Python's start), and ``tests/test_fork_cli.py`` failed when it came after."""
    before = dict(os.environ)
    try:
        with local_cluster(processes=True, threads=2) as local:
            yield local
    finally:
        os.environ.clear()
        os.environ.update(before)


@pytest.fixture
def run_flow(tmp_path: Path) -> Callable[..., Any]:
    """``run_flow(source, name, backend, sinks=())`` -> the result of flow ``name``: its
    (dedented) source written to ``tmp_path/NAME.py`` and loaded by a ``Workspace`` (its
    classes made as a user's are), run on ``backend`` with 2 workers, the events delivered
    to ``sinks``; runner, backend and workspace closed after."""

    def run(source: str, name: str, backend: Any, sinks: tuple[Any, ...] = ()) -> Any:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        ws = Workspace(tmp_path)
        ws.load()
        runner = ws.make_runner(sinks, backend=backend, workers=2)
        try:
            result = runner.run(ws.flows[name])
            runner.bus.flush()
            return result
        finally:
            runner.shutdown()
            backend.close()
            ws.close()

    return run


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
