"""The engine's ``Task run failed with exception: … - Retries are exhausted`` record of a
task that ran in a worker process carries the traceback its run stores (rv403 §3): the
task's frames, no ``RemoteTraceback`` wrapper, no "direct cause" chain to flowtop's."""

from __future__ import annotations

import logging

import pytest

from flowtop import flow, task
from flowtop.engine.states import FAILED


@task(retries=1, retry_delay_seconds=0)
def extract(source: str) -> list[str]:
    raise ValueError(f"unknown region in {source}")


@flow
def region_ingest(region: str = "never") -> list[str]:
    return extract(f"/{region}")


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_the_exhausted_line_s_traceback_is_the_stored_one(make_runner, recorder, caplog, kind):
    caplog.set_level(logging.ERROR, logger="flowtop.task_engine")
    runner = make_runner(kind, sinks=(recorder,))
    result = runner.start(region_ingest).final_result(30)
    runner.bus.flush()
    (record,) = [r for r in caplog.records if r.name == "flowtop.task_engine"]
    assert record.getMessage() == (
        "Task run failed with exception: ValueError('unknown region in /never')"
        " - Retries are exhausted"
    )
    assert (record.filename, record.funcName) == ("task_log.py", "log_failure")
    assert record.exc_info is not None and isinstance(record.exc_info[1], ValueError)
    logged = logging.Formatter().format(record).split("\n", 1)[1]
    assert "RemoteTraceback" not in logged and '"""' not in logged
    assert "direct cause" not in logged
    (failed,) = [e for e in recorder.task_events(result.run_id) if e.state is FAILED]
    assert failed.error is not None
    assert logged == failed.error.traceback.rstrip("\n")
    assert 'raise ValueError(f"unknown region in {source}")' in logged
