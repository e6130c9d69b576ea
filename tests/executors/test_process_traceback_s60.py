"""A ``@flow``'s traceback under a worker process reads as under threads (rv403 §3): the
flow's line that called the task, then the task's line that raised; no
``RemoteTraceback`` wrapper, none of flowtop's call and future between them."""

from __future__ import annotations

from pathlib import Path

import pytest

import flowtop
from flowtop import flow, task


@task
def extract(source: str) -> list[str]:
    raise ValueError(f"unknown region in {source}")


@task
def load(source: str) -> list[str]:
    try:
        int(source)
    except ValueError as exc:
        raise LookupError(f"no table {source}") from exc
    return []


@flow
def region_ingest(region: str = "never") -> list[str]:
    return extract(f"/{region}")


@flow
def region_load(region: str = "never") -> list[str]:
    return load(region)


def _frames(trace: str) -> list[str]:
    return [line.strip() for line in trace.splitlines() if line.strip().startswith("File ")]


@pytest.mark.parametrize("kind", ["thread", "process", "dask"])
def test_a_flow_s_traceback_is_the_flow_s_line_then_the_task_s(make_runner, recorder, kind):
    runner = make_runner(kind, sinks=(recorder,))
    result = runner.start(region_ingest).final_result(30)
    runner.bus.flush()
    trace = recorder.run_finished(result.run_id).error.traceback
    assert "RemoteTraceback" not in trace and '"""' not in trace
    assert "direct cause" not in trace
    frames = _frames(trace)
    assert [f.rsplit(" in ", 1)[1] for f in frames] == ["region_ingest", "extract"]
    package = str(Path(flowtop.__file__).parent)
    assert not any(package in f for f in frames)
    assert trace.startswith("Traceback (most recent call last):\n")
    assert trace.rstrip().endswith("ValueError: unknown region in /never")
    assert 'return extract(f"/{region}")' in trace
    assert 'raise ValueError(f"unknown region in {source}")' in trace


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_a_chained_task_error_keeps_its_cause_before_the_flow_s_lines(make_runner, recorder, kind):
    runner = make_runner(kind, sinks=(recorder,))
    result = runner.start(region_load).final_result(30)
    runner.bus.flush()
    trace = recorder.run_finished(result.run_id).error.traceback
    assert "RemoteTraceback" not in trace and '"""' not in trace
    cause, _, own = trace.partition("The above exception was the direct cause")
    assert "int(source)" in cause and "ValueError: invalid literal" in cause
    assert [f.rsplit(" in ", 1)[1] for f in _frames(own)] == ["region_load", "load"]
    assert own.rstrip().endswith("LookupError: no table never")
