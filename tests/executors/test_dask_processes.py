"""A ``LocalCluster`` with worker *processes*: the flow module crosses a process boundary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowtop.engine.executors import DaskBackend

from .conftest import Recorder

FLOW = """
    import os
    from pathlib import Path

    from flowtop import Flow, Retry, task

    COUNTER = Path(__file__).with_name("n.txt")


    class NotYet(Exception):
        pass


    @task(retry_on=NotYet, max_retries=3)
    def where():
        with COUNTER.open("a") as f:
            f.write("x")
        if len(COUNTER.read_text()) < 2:
            raise NotYet("again")
        return os.getpid()


    @task
    def asks_for_retry(pid):
        if not Path(__file__).with_name("retried").exists():
            Path(__file__).with_name("retried").write_text("")
            raise Retry("once more")
        return pid


    with Flow("remote") as flow:
        asks_for_retry(where())
"""


def test_retry_rules_hold_on_worker_processes(
    process_cluster: object, run_flow: Callable[..., Any], recorder: Recorder
) -> None:
    result = run_flow(FLOW, "remote", DaskBackend(cluster=process_cluster), sinks=(recorder,))
    assert result.is_completed(), result.states
    import os

    assert result["where"].result != os.getpid()  # it really ran elsewhere
    assert recorder.states("where") == ["RUNNING", "AWAITING_RETRY", "RUNNING", "COMPLETED"]
    assert recorder.states("asks_for_retry") == [
        "RUNNING",
        "AWAITING_RETRY",
        "RUNNING",
        "COMPLETED",
    ]
