"""A ``@flow(retries=N)`` retry treats its subflow calls as a rerun of the parent does.

A flow-level retry is recorded as a rerun of the run it retries and reuses that run's
completed task calls (``flow_retries``); its subflow calls ran afresh: a completed
subflow's tasks ran again on every retry of its parent, not linked to their source.
Now each subflow call of the retry is a rerun of the matching subflow run of the try it
retries (``subflow_reruns``), as ``f`` and ``--rerun-of`` are. Call counters prove
"not executed again".
"""

from __future__ import annotations

from collections import Counter

from flowtop import StateType, flow, task
from flowtop.engine import Runner

from .kit import Recorder


def test_a_flow_retry_reuses_its_completed_subflows_tasks(
    runner: Runner, recorder: Recorder
) -> None:
    calls: Counter[str] = Counter()

    @task(max_retries=0)
    def step(x: int) -> int:
        calls[f"step-{x}"] += 1
        if x == 3 and calls["parent"] == 1:
            raise RuntimeError("down on the first try")
        return x * 2

    @flow
    def child(x: int) -> int:
        return step(x)

    @flow(retries=1)
    def parent() -> int:
        calls["parent"] += 1
        first = child(1)
        caught = child(3, return_state=True)  # fails on the first try
        if calls["parent"] == 1:
            raise RuntimeError("first try fails")
        return first + caught.result()

    run = runner.start(parent)
    last = run.final_run()
    result = last.final_result()
    assert result.state is StateType.COMPLETED and result.value == 2 + 6
    assert calls["step-1"] == 1  # the completed subflow's task was not run again
    assert calls["step-3"] == 2  # the failed one's ran again
    tried = [call.run.run_id for call in run.snapshot().subflows]
    again = [call.run.final_result() for call in result.subflows]
    assert [c.rerun_of for c in again] == tried  # each subflow run linked to its source
    runner.bus.flush()
    reused = {e.task for e in recorder.task_events(again[0].run_id) if e.reused}
    assert reused == {"step"}
    assert recorder.run_started(again[0].run_id).rerun_of == tried[0]
