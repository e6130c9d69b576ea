"""What a ``@flow`` function returned rides on its ``run_finished`` as ``result`` (explorer
rv395, F1): a task's result was shown everywhere (``→ 'ok'``, ``task_state``'s
``result``), the flow's own value nowhere, and lost with the run.

Its repr, cut as a task's is; only for a run that COMPLETED (a graph ``Flow`` has none);
kept in the store's log, where a row written before it reads as none.
"""

from __future__ import annotations

from typing import Any

from flowtop import Flow, flow, task
from flowtop.engine import Runner
from flowtop.engine.events import RunFinished, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import run_log
from flowtop.workspace.log_fold import unsound


@task
def double(x: int) -> int:
    return 2 * x


@flow(name="scaled")
def scaled(n: int = 4, factor: float = 0.5) -> str:
    return f"{double(n) * factor}"


@flow(name="long")
def long_value() -> str:
    return "x" * 500


class Unshowable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


@flow(name="odd")
def odd() -> Unshowable:
    return Unshowable()


@flow(name="raises")
def raises() -> int:
    raise ValueError("no value")


@flow(name="nothing")
def nothing() -> None:
    double(1)


def events_of(flow_: Any) -> list[Any]:
    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        runner.start(flow_).final_result(10)
        runner.bus.flush()
    return seen


def finished_of(flow_: Any) -> RunFinished:
    (finished,) = [e for e in events_of(flow_) if isinstance(e, RunFinished)]
    return finished


def test_a_completed_flow_s_return_value_rides_on_run_finished_as_its_repr() -> None:
    finished = finished_of(scaled)
    assert finished.state is StateType.COMPLETED
    assert finished.result == "'4.0'"
    assert finished.as_json()["result"] == "'4.0'"


def test_it_is_cut_as_a_task_s_result_is() -> None:
    finished = finished_of(long_value)
    assert finished.result is not None and len(finished.result) == 200
    assert finished.result.endswith("…")
    # a task returning the same value shows it cut alike
    same = task(lambda: "x" * 500)
    with Flow("t") as graph:
        same()
    (step,) = [
        e
        for e in events_of(graph)
        if isinstance(e, TaskStateChanged) and e.state is StateType.COMPLETED
    ]
    assert step.result == finished.result


def test_a_repr_that_raises_is_said_so_and_the_run_still_completes() -> None:
    finished = finished_of(odd)
    assert finished.state is StateType.COMPLETED
    assert finished.result == "<unrepresentable Unshowable: RuntimeError>"


def test_none_returned_is_a_result_as_a_task_s_none_is() -> None:
    assert finished_of(nothing).result == "None"


def test_a_failed_flow_and_a_graph_flow_have_none() -> None:
    failed = finished_of(raises)
    assert failed.state is StateType.FAILED and failed.result is None
    assert "result" not in failed.as_json()
    with Flow("graph") as graph:
        double(1)
    ran = finished_of(graph)
    assert ran.state is StateType.COMPLETED and ran.result is None
    assert "result" not in ran.as_json()


def test_the_result_is_logged_and_read_back_and_an_older_row_reads_as_none() -> None:
    finished = finished_of(scaled)
    body = run_log.encode(finished)
    assert body.endswith(",\"'4.0'\"]")
    again = run_log.decode(body, finished.run_id)
    assert isinstance(again, RunFinished) and again.result == "'4.0'"
    assert unsound(again) is None
    # a row without it (a graph flow's, or one logged before it was): none, byte for byte
    older = run_log.encode(finished._replace(result=None))
    assert older.endswith(',null,""]')
    read = run_log.decode(older, finished.run_id)
    assert isinstance(read, RunFinished) and read.result is None and unsound(read) is None


def test_a_result_that_is_not_text_is_damage_the_field_check_names() -> None:
    finished = finished_of(scaled)
    crafted = run_log.decode(run_log.encode(finished._replace(result=5)), finished.run_id)
    said = unsound(crafted)
    assert said == "RunFinished.result is 5, not text or null", said
