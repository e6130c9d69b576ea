"""Prefect's run context in a task attempt on a process or Dask worker reads as on a thread.

On ``--executor process`` and ``dask`` the attempt runs in a worker, where flowtop's
records of it are not: ``prefect.runtime.task_run.run_count`` read 0 on every retry,
``task_run.name`` None, ``TaskRunContext.get()`` and ``FlowRunContext.get()`` None,
``flow_run.name`` None, and ``get_run_logger()`` was flowtop's, with no names. Prefect's
Dask and process task runners send the run's context along; so does flowtop now
(``engine.worker_context``).
"""

from __future__ import annotations

import json
import logging
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from flowtop.engine import StateType
from flowtop.engine.executors import DaskBackend, ProcessBackend
from flowtop.workspace import Workspace

#: A task failing twice, then completing, writing what it reads at each attempt.
RETRIED = """
    import json
    from prefect import flow, get_run_logger, task
    from prefect.context import FlowRunContext, TaskRunContext
    from prefect.runtime import flow_run, task_run


    @task(retries=2, tags=["etl"])
    def load(out, day, region="eu"):
        task_context, flow_context = TaskRunContext.get(), FlowRunContext.get()
        logger = get_run_logger()
        seen = {
            "run_count": task_run.run_count,
            "name": task_run.name,
            "task_name": task_run.task_name,
            "tags": task_run.tags,
            "parameters": {k: v for k, v in task_run.parameters.items() if k != "out"},
            "id": task_run.id,
            "flow_run_name": flow_run.name,
            "flow_name": flow_run.flow_name,
            "flow_run_id": flow_run.id,
            "flow_parameters": {k: v for k, v in flow_run.parameters.items() if k != "out"},
            "context": None if task_context is None else [
                task_context.task.name,
                task_context.task_run.run_count,
                task_context.task_run.name,
                str(task_context.task_run.id),
                str(task_context.task_run.flow_run_id),
                task_context.task_run.state_name,
            ],
            "flow_context": None if flow_context is None else [
                flow_context.flow.name, flow_context.flow_run.name, str(flow_context.flow_run.id)
            ],
            "logger": logger.logger.name,
            "extra": dict(logger.extra),
        }
        with open(out, "a") as file:
            file.write(json.dumps(seen) + "\\n")
        with open(out) as file:
            if len(file.readlines()) < 3:  # (not by run_count: a read under test)
                raise ConnectionError("not yet")


    @flow(flow_run_name="nightly-{day}")
    def nightly(out: str, day: str = "mon"):
        return load(out, day)
"""


def _run(tmp_path: Path, backend: Any) -> list[dict[str, Any]]:
    """What each attempt of ``load`` read, run on ``backend`` (None: threads)."""
    folder = tmp_path / ("thread" if backend is None else type(backend).__name__)
    folder.mkdir()
    (folder / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (folder / "nightly.py").write_text(textwrap.dedent(RETRIED))
    workspace = Workspace(folder)
    changed = workspace.load()
    assert not changed.errors, changed.errors
    out = folder / "seen.jsonl"
    runner = workspace.make_runner(backend=backend, workers=2, record=False)
    try:
        result = runner.run(workspace.flows["nightly"], kwargs={"out": str(out)})
    finally:
        runner.shutdown()
        if backend is not None:
            backend.close()
        workspace.close()
    assert result.state is StateType.COMPLETED, result.error
    return [json.loads(line) for line in out.read_text().splitlines()]


def _as_a_thread_reads(seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``seen``, checked against what the thread's attempts read, the ids and the task
    run's name (made of its id) aside: those are each run's own."""
    first = seen[0]
    name, task_run_id, flow_run_id = first["name"], first["id"], first["flow_run_id"]
    expected = []
    for count in (1, 2, 3):
        state = "Running" if count == 1 else "Retrying"
        expected.append(
            {
                "run_count": count,
                "name": name,
                "task_name": "load",
                "tags": ["etl"],
                "parameters": {"day": "mon", "region": "eu"},
                "id": task_run_id,
                "flow_run_name": "nightly-mon",
                "flow_name": "nightly",
                "flow_run_id": flow_run_id,
                "flow_parameters": {"day": "mon"},
                "context": ["load", count, name, task_run_id, flow_run_id, state],
                "flow_context": ["nightly", "nightly-mon", flow_run_id],
                "logger": "prefect.task_runs",
                "extra": {
                    "task_run_id": task_run_id,
                    "flow_run_id": flow_run_id,
                    "task_run_name": name,
                    "task_name": "load",
                    "flow_run_name": "nightly-mon",
                    "flow_name": "nightly",
                },
            }
        )
    return expected


def _reads_as_a_thread_does(tmp_path: Path, backend: Any) -> None:
    on_threads = _run(tmp_path, None)
    assert on_threads == _as_a_thread_reads(on_threads)  # (the reference)
    seen = _run(tmp_path, backend)
    assert seen == _as_a_thread_reads(seen)
    assert re.fullmatch(r"load-[0-9a-f]{3}", seen[0]["name"])  # Prefect's shape, as on threads


def test_a_process_worker_reads_them_as_a_thread_does(tmp_path: Path) -> None:
    _reads_as_a_thread_does(tmp_path, ProcessBackend(2))


def test_a_dask_worker_reads_them_as_a_thread_does(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        processes=False,
        n_workers=1,
        threads_per_worker=2,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster:
        _reads_as_a_thread_does(tmp_path, DaskBackend(workers=2, cluster=cluster))
