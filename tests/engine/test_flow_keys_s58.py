"""A @flow numbers its calls' keys as a static flow does: a task named like another's
numbered key ("load-2") does not share a key with that task's second call (rv375 §4)."""

from __future__ import annotations

from flowtop import Flow, flow, task
from flowtop.engine import StateType

S = StateType


@task
def load(x: str) -> str:
    return f"load({x})"


@task(name="load-2")
def other(x: str) -> str:
    return f"other({x})"


@task
def fin(*xs: str) -> str:
    return " | ".join(xs)


def test_a_task_named_like_a_numbered_key_keeps_its_call(runner) -> None:
    @flow
    def kc() -> str:
        return fin(other("o"), load("1"), load("2"))

    result = runner.start(kc).final_result(10)
    runner.bus.flush()
    assert result.state is S.COMPLETED and result.value == "other(o) | load(1) | load(2)"
    assert list(result.states) == ["load-2", "load", "load-3", "fin"]
    assert result["load-2"].result == "other(o)" and result["load-3"].result == "load(2)"

    with Flow("kcs") as static:
        fin(other("o"), load("1"), load("2"))
    assert list(static.nodes) == list(result.states)  # the same keys as the static form


def test_a_task_named_like_a_key_taken_before_it_gets_the_next_free_one(runner) -> None:
    @flow
    def late() -> str:
        return fin(load("1"), load("2"), other("o"))

    result = runner.start(late).final_result(10)
    runner.bus.flush()
    assert result.state is S.COMPLETED and result.value == "load(1) | load(2) | other(o)"
    assert list(result.states) == ["load", "load-2", "load-2-2", "fin"]


def test_the_rerun_of_such_a_flow_serves_each_call_its_own_result(runner) -> None:
    broken = {"fin": True}

    @task
    def join(*xs: str) -> str:
        if broken["fin"]:
            raise ValueError("fin")
        return " | ".join(xs)

    @flow
    def kc() -> str:
        return join(other("o"), load("1"), load("2"))

    first = runner.start(kc).final_result(10)
    assert first.state is S.FAILED and len(first.states) == 4
    broken["fin"] = False
    second = runner.rerun_failed(first).final_result(10)
    runner.bus.flush()
    assert second.state is S.COMPLETED and second.value == "other(o) | load(1) | load(2)"
