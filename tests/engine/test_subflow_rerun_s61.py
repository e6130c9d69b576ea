"""A parent ``@flow``'s rerun reruns the subflow runs its source called (``subflow_reruns``).

A parent that called ``extract_region`` for several regions, one of which failed, ran
every region again on ``Runner().rerun_failed(result)``: only a subflow's own rerun
reused what it completed. Now each subflow call of the parent's rerun is a rerun of
the matching subflow run of the source (the same subflow, call place and parameters;
else the same subflow and parameters under another key; else afresh), linked to it.
Call counters prove "not executed again"; a reused flag alone could lie.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flowtop import StateType, flow, task
from flowtop.engine import Runner
from flowtop.engine.records import RunResult

from .kit import Recorder


def regions_flows(calls: Counter[str], failing: set[str]) -> tuple[Any, Any]:
    """``daily(regions)`` calling the subflow ``extract_region(region)`` for each region,
    whose task ``fetch`` fails for a region in ``failing``; ``calls`` counts each
    region's ``fetch`` and each body of ``extract_region``."""

    @task(max_retries=0)
    def fetch(region: str) -> int:
        calls[region] += 1
        if region in failing:
            raise RuntimeError(f"{region} is down")
        return len(region)

    @flow
    def extract_region(region: str) -> int:
        calls["body"] += 1
        return fetch(region)

    @flow
    def daily(regions: list[str]) -> int:  # every region called, then the first failure raised
        states = [extract_region(r, return_state=True) for r in regions]
        return sum(state.result() for state in states)

    return daily, extract_region


def children(result: RunResult) -> list[RunResult]:
    """The results of the subflow runs ``result``'s body called, in call order."""
    return [call.run.final_result() for call in result.subflows]


def test_a_parents_rerun_runs_only_the_failed_subflows_failed_tasks(
    runner: Runner, recorder: Recorder
) -> None:
    calls: Counter[str] = Counter()
    failing = {"apac"}
    daily, _ = regions_flows(calls, failing)
    first = runner.start(daily, args=(["eu", "usa", "apac", "latam"],)).final_result()
    assert first.state is StateType.FAILED
    sources = children(first)
    done, failed = StateType.COMPLETED, StateType.FAILED
    assert [c.state for c in sources] == [done, done, failed, done]

    failing.clear()
    second = runner.rerun_failed(first).final_result()
    assert second.state is StateType.COMPLETED and second.value == 2 + 3 + 4 + 5
    assert calls["apac"] == 2  # the failed region's task ran again
    assert (calls["eu"], calls["usa"]) == (1, 1)  # the others' were reused
    rerun = children(second)
    assert [c.rerun_of for c in rerun] == [c.run_id for c in sources]  # each linked
    runner.bus.flush()
    for child, region in zip(rerun, ["eu", "usa", "apac", "latam"], strict=True):
        reused = {e.task for e in recorder.task_events(child.run_id) if e.reused}
        assert reused == (set() if region == "apac" else {"fetch"}), region
        assert recorder.run_started(child.run_id).rerun_of == child.rerun_of


def test_a_subflow_call_matches_by_its_parameters_else_runs_afresh(runner: Runner) -> None:
    """Called in another order, each call reruns the source call of its parameters; a
    call with parameters no source call had runs afresh, linked to none."""
    calls: Counter[str] = Counter()
    failing = {"usa"}
    daily, _ = regions_flows(calls, failing)
    first = runner.start(daily, args=(["eu", "usa"],)).final_result()
    failing.clear()
    eu, usa = children(first)
    second = runner.start(
        daily, args=(["usa", "eu", "apac"],), rerun_of=first.run_id, cache=_cache(first)
    ).final_result()
    assert second.state is StateType.COMPLETED
    rerun = children(second)
    assert rerun[0].rerun_of == usa.run_id  # by parameters, at another key
    assert rerun[1].rerun_of == eu.run_id
    assert rerun[2].rerun_of is None  # no source call had "apac": afresh
    assert (calls["eu"], calls["usa"], calls["apac"]) == (1, 2, 1)


def _cache(result: RunResult) -> Any:
    return result.flow.rerun_plan(result)["cache"]


def test_a_completed_subflow_is_replayed_its_tasks_reused(runner: Runner) -> None:
    """Its body runs again (a rerun always runs the body, with the current code), its
    tasks' results are reused: what the store can give back in any process too."""
    calls: Counter[str] = Counter()
    daily, _ = regions_flows(calls, {"usa"})
    first = runner.start(daily, args=(["eu", "usa"],)).final_result()
    assert calls["body"] == 2
    second = runner.rerun_failed(first).final_result()
    assert calls["body"] == 4 and calls["eu"] == 1 and calls["usa"] == 2
    assert second.state is StateType.FAILED  # "usa" is still down


def test_nested_subflows_rerun_their_sources_at_every_depth(runner: Runner) -> None:
    calls: Counter[str] = Counter()
    failing = {"b"}

    @task(max_retries=0)
    def work(name: str) -> str:
        calls[name] += 1
        if name in failing:
            raise RuntimeError(f"{name} fails")
        return name

    @flow
    def leaf(name: str) -> str:
        return work(name)

    @flow
    def middle(names: list[str]) -> list[str]:
        return [leaf(n) for n in names]

    @flow
    def top() -> list[list[str]]:
        return [middle(["a", "b"]), middle(["c"])]

    first = runner.run(top)
    assert first.state is StateType.FAILED
    failing.clear()
    second = runner.rerun_failed(first).final_result()
    assert second.state is StateType.COMPLETED and second.value == [["a", "b"], ["c"]]
    assert calls == {"a": 1, "b": 2, "c": 1}  # "c" first ran now: middle(["a", "b"]) raised
    third = runner.rerun_failed(second).final_result()  # every leaf's task reused
    assert third.state is StateType.COMPLETED and calls == {"a": 1, "b": 2, "c": 1}
    (mid_a, mid_c) = children(third)
    assert [leaf_run.rerun_of for leaf_run in children(mid_a)] == [
        c.run_id for c in children(children(second)[0])
    ]
    assert mid_c.rerun_of == children(second)[1].run_id


def test_a_retried_subflow_is_one_call_rerun_from_its_last_retry(runner: Runner) -> None:
    calls: Counter[str] = Counter()
    failing = {"x"}

    @task(max_retries=0)
    def step(name: str) -> str:
        calls[name] += 1
        if name in failing:
            raise RuntimeError("down")
        return name

    @flow(retries=1)
    def sub(name: str) -> str:
        step("done-first")
        return step(name)

    @flow
    def parent() -> str:
        return sub("x")

    first = runner.run(parent)
    assert first.state is StateType.FAILED
    (call,) = first.subflows
    last = call.run.next_run
    assert last is not None and last.next_run is None  # one retry, which failed too
    failing.clear()
    second = runner.rerun_failed(first).final_result()
    assert second.state is StateType.COMPLETED and second.value == "x"
    (rerun,) = children(second)
    assert rerun.rerun_of == last.run_id
    assert calls == {"done-first": 1, "x": 3}  # its completed task reused on each retry


def test_a_parameter_kept_only_as_its_repr_matches_by_call_place(runner: Runner) -> None:
    """The object's repr differs in each process: the call is matched by place, and its
    task by its inputs' hash (none here: a local class's object is not hashed: it runs)."""
    calls: Counter[str] = Counter()

    class Conn:  # an object: the store keeps its repr only
        pass

    @task
    def use(conn: Conn, n: int) -> int:
        calls["use"] += 1
        return n

    @flow
    def sub(conn: Conn, n: int) -> int:
        return use(conn, n)

    @flow
    def parent() -> int:
        conn = Conn()
        return sub(conn, 1)

    first = runner.run(parent)
    second = runner.rerun_failed(first).final_result()
    assert second.state is StateType.COMPLETED
    (rerun,) = children(second)
    (source,) = children(first)
    assert rerun.rerun_of == source.run_id and calls["use"] == 2  # old: rerun_of None
