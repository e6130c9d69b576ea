"""@flow functions (issue 8): tasks reached by code, futures, map, rerun with a cache, retries."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from flowtop import Flow, Retry, flow, task
from flowtop.engine import RunCancelled, StateType, UpstreamFailed
from flowtop.engine.states import TRANSITIONS, State

from .kit import Recorder

S = StateType


def finished(runner, run, timeout: float = 10):
    """The final result (after flow-level retries), with every event delivered to the sinks."""
    result = run.final_result(timeout)
    runner.bus.flush()
    return result


def counter() -> itertools.count:
    return itertools.count(1)


def test_a_task_call_inside_a_flow_runs_with_retries_and_returns_its_result(
    runner, recorder: Recorder
) -> None:
    calls = counter()

    @task(max_retries=2, retry_delay=0)
    def flaky(x: int) -> int:
        if next(calls) < 3:
            raise ConnectionError("reset")
        return x * 10

    @flow
    def pipeline() -> int:
        return flaky(4) + 1

    result = finished(runner, runner.start(pipeline), 5)
    assert result.state is S.COMPLETED and result.value == 41
    assert recorder.states("flaky", result.run_id) == [
        S.PENDING,
        S.RUNNING,
        S.AWAITING_RETRY,
        S.RUNNING,
        S.AWAITING_RETRY,
        S.RUNNING,
        S.COMPLETED,
    ]


def test_a_call_is_announced_with_its_policy_and_upstream(runner, recorder: Recorder) -> None:
    """A static flow's plan names every task's policy and upstream tasks; a @flow's calls
    are not known then, so each call's first step (PENDING) names them, and only that
    step: the monitor reads from it that a task without ``max_retries`` retries only on
    Retry, and which calls fed which."""

    @task
    def plain() -> int:
        return 1

    @task(max_retries=2, retry_delay=0.5)
    def tuned(x: int) -> int:
        return x

    @flow
    def pipeline() -> int:
        first = plain.submit()
        return tuned(first) + tuned(2, wait_for=[first])

    result = finished(runner, runner.start(pipeline), 5)
    assert result.state is S.COMPLETED
    named = [(e.task, e.state, e.policy, e.upstream) for e in recorder.task_events() if e.policy]
    assert named == [
        ("plain", S.PENDING, "3× on Retry only 0s", ()),
        ("tuned", S.PENDING, "2× 0.5s", ("plain",)),
        ("tuned-2", S.PENDING, "2× 0.5s", ("plain",)),
    ]
    assert all(e.upstream == () for e in recorder.task_events() if e.state is not S.PENDING)


@pytest.mark.parametrize(
    ("options", "error", "attempts", "final"),
    [
        (
            {"retry_on": [ConnectionError]},
            ConnectionError("x"),
            4,
            S.FAILED,
        ),  # rule 3, default budget 3
        ({"retry_on": [ConnectionError]}, ValueError("x"), 1, S.FAILED),  # not in retry_on
        ({}, ValueError("x"), 1, S.FAILED),  # no options: plain failures are final
        ({}, Retry("again"), 4, S.FAILED),  # rule 1 with the default budget
        ({"max_retries": 1}, ValueError("x"), 2, S.FAILED),  # explicit max_retries
        ({"max_retries": 0, "retry_on": [ValueError]}, ValueError("x"), 1, S.FAILED),
    ],
)
def test_spec_rules_hold_for_flow_functions(
    runner, recorder, options, error, attempts, final
) -> None:
    @task(retry_delay=0, **options)
    def always_fails() -> None:
        raise error

    @flow
    def pipeline() -> None:
        always_fails()

    result = finished(runner, runner.start(pipeline), 5)
    assert result.state is S.FAILED and isinstance(result.error, type(error))
    assert result["always_fails"].type is final
    assert len(recorder.of("always_fails", S.RUNNING, result.run_id)) == attempts


def test_predicate_on_a_completed_call(runner, recorder) -> None:
    polls = counter()

    @task(retry_predicate=lambda state: state.result == "error", retry_delay=0)
    def poll() -> str:
        return "error" if next(polls) <= 2 else "done"

    @flow
    def pipeline() -> str:
        return poll()

    result = finished(runner, runner.start(pipeline), 5)
    assert result.value == "done" and result["poll"].attempt == 3


def test_keys_follow_call_order_and_control_flow_can_depend_on_results(runner, recorder) -> None:
    @task
    def measure(x: int) -> int:
        return x

    @task
    def big(x: int) -> str:
        return f"big {x}"

    @task
    def small(x: int) -> str:
        return f"small {x}"

    @flow
    def branchy() -> list[str]:
        return [big(v) if v > 5 else small(v) for v in (measure(3), measure(9))]

    result = finished(runner, runner.start(branchy), 5)
    assert result.value == ["small 3", "big 9"]
    assert list(result.states) == ["measure", "measure-2", "small", "big"]
    announced = [e.task for e in recorder.task_events(result.run_id) if e.state is S.PENDING]
    assert announced == ["measure", "measure-2", "small", "big"]


def test_futures_passed_as_arguments_become_dependencies(runner) -> None:
    order: list[str] = []
    gate = threading.Event()

    @task
    def slow() -> int:
        gate.wait(5)
        order.append("slow")
        return 2

    @task
    def double(x: int, extra: list[int]) -> int:
        order.append("double")
        return x * 2 + sum(extra)

    @flow
    def pipeline() -> int:
        first = slow.submit()
        second = double.submit(first, extra=[first, 1])  # nested futures count too
        gate.set()
        return second.result()

    result = finished(runner, runner.start(pipeline), 5)
    assert result.value == 7 and order == ["slow", "double"]
    assert result["double"].is_completed()


def test_a_failed_future_makes_its_dependents_upstream_failed(runner, recorder) -> None:
    @task
    def boom() -> int:
        raise ValueError("no")

    @task
    def after(x: int) -> int:
        return x

    @flow
    def pipeline() -> str:
        dependent = after.submit(boom.submit())
        with pytest.raises(UpstreamFailed, match="boom"):
            dependent.result()
        return "handled"

    result = finished(runner, runner.start(pipeline), 5)
    # The run is the function's outcome (as in Prefect): it returned, so COMPLETED; the
    # tasks that did not complete keep their own states.
    assert result.value == "handled" and result.state is S.COMPLETED and result.error is None
    assert result["boom"].type is S.FAILED and result["after"].type is S.UPSTREAM_FAILED


def test_map_fans_out_one_call_per_item(runner) -> None:
    @task
    def inc(x: int, step: int) -> int:
        return x + step

    @flow
    def fan() -> int:
        futures = inc.map(range(1000), step=1)
        return sum(f.result() for f in futures)

    result = finished(runner, runner.start(fan), 30)
    assert result.value == sum(range(1, 1001)) and len(result.states) == 1000
    assert list(result.states)[:3] == ["inc", "inc-2", "inc-3"]


def test_map_needs_something_to_map_over(runner) -> None:
    @task
    def inc(x: int) -> int:
        return x

    @flow
    def fan() -> None:
        inc.map(5)

    result = finished(runner, runner.start(fan), 5)
    assert isinstance(result.error, TypeError) and "map" in str(result.error)


def test_rerun_failed_replays_with_the_cache(make_runner, recorder) -> None:
    runner = make_runner(4, sinks=(recorder,))
    runs = {"extract": 0, "load": 0}
    broken = {"load": True}

    @task
    def extract(source: str) -> list[int]:
        runs["extract"] += 1
        return [1, 2, 3]

    @task
    def load(rows: list[int]) -> int:
        runs["load"] += 1
        if broken["load"]:
            raise ValueError("warehouse down")
        return len(rows)

    @flow
    def etl() -> int:
        return load(extract("api")) + load(extract("other"))

    first = finished(runner, runner.start(etl), 5)
    assert first.state is S.FAILED and runs == {"extract": 1, "load": 1}
    broken["load"] = False
    second = finished(runner, runner.rerun_failed(first), 5)
    assert second.state is S.COMPLETED and second.value == 6 and second.rerun_of == first.run_id
    assert runs == {"extract": 2, "load": 3}  # extract("api") came from the cache
    reused = [(e.task, e.attempt) for e in recorder.task_events(second.run_id) if e.reused]
    assert reused == [("extract", 1)]  # with the attempt it completed on, as a static flow's
    assert second["extract"].attempt == 1


def test_rerun_failed_calls_the_flow_with_its_arguments_again(runner) -> None:
    """A @flow with parameters: its rerun lost them (``missing 1 required positional
    argument``), where Prefect's retry of a flow run keeps its parameters."""
    broken = {"x": 2}

    @task(max_retries=0)
    def double(x: int) -> int:
        if x == broken.get("x"):
            del broken["x"]  # fails once
            raise ValueError("flaky")
        return 2 * x

    @flow
    def scaled(n: int, factor: float = 1.0) -> float:
        return sum(double(i) for i in range(n)) * factor

    first = finished(runner, runner.start(scaled, args=(4,), kwargs={"factor": 0.5}))
    assert first.state is S.FAILED and (first.args, first.kwargs) == ((4,), {"factor": 0.5})
    second = finished(runner, runner.rerun_failed(first))
    assert second.state is S.COMPLETED and second.value == 6.0, second.error
    assert (second.args, second.kwargs) == ((4,), {"factor": 0.5})


def test_cache_misses_when_inputs_change(runner) -> None:
    calls = []

    @task
    def echo(x: int) -> int:
        calls.append(x)
        return x

    @flow
    def pipeline(x: int = 1) -> int:
        return echo(x)

    first = finished(runner, runner.start(pipeline, kwargs={"x": 1}), 5)
    cache = {("echo", first.inputs["echo"]): State(StateType.COMPLETED, 99, None, 1, "", "echo")}
    finished(runner, runner.start(pipeline, cache=cache, kwargs={"x": 2}), 5)
    third = finished(runner, runner.start(pipeline, cache=cache, kwargs={"x": 1}), 5)
    assert calls == [1, 2] and third.value == 99


def test_flow_level_retries_rerun_the_function_with_the_cache(runner, recorder) -> None:
    calls = {"fetch": 0, "save": 0}

    @task
    def fetch() -> int:
        calls["fetch"] += 1
        return 5

    @task
    def save(x: int) -> int:
        calls["save"] += 1
        if calls["save"] == 1:
            raise ConnectionError("disk busy")
        return x

    @flow(retries=2, retry_delay=0)
    def pipeline() -> int:
        return save(fetch())

    first = runner.start(pipeline)
    final = first.final_result(5)
    assert final.state is S.COMPLETED and final.value == 5 and final.rerun_of == first.run_id
    assert calls == {"fetch": 1, "save": 2}
    assert first.final_state(5) is S.COMPLETED  # what `flowtop run` exits by
    assert first.state is S.FAILED  # the first try itself failed


def test_every_task_event_follows_the_state_machine(runner, recorder) -> None:
    failed_once: set[int] = set()

    @task(max_retries=3, retry_delay=0)
    def flaky(i: int) -> int:
        if i % 3 == 0 and i not in failed_once:  # every third call fails its first attempt
            failed_once.add(i)
            raise TimeoutError("slow")
        return i

    @flow
    def pipeline() -> int:
        return sum(future.result() for future in flaky.map(list(range(30))))

    result = finished(runner, runner.start(pipeline), 10)
    runner.bus.flush()
    last: dict[str, StateType | None] = {}
    for event in recorder.task_events(result.run_id):
        assert event.state in TRANSITIONS[last.get(event.task)], (
            event.task,
            last.get(event.task),
            event.state,
        )
        last[event.task] = event.state
    assert result.value == sum(range(30)) and len(last) == 30
    assert all(state is S.COMPLETED for state in last.values())
    assert all(recorder.states(key, result.run_id)[0] is S.PENDING for key in last)


def test_cancel_stops_a_flow_function_calling_tasks(runner) -> None:
    started = threading.Event()
    release = threading.Event()

    @task
    def wait_here() -> None:
        started.set()
        release.wait(5)

    @flow
    def pipeline() -> None:
        wait_here()
        wait_here()

    run = runner.start(pipeline)
    assert started.wait(5)
    run.cancel()
    release.set()
    result = run.final_result(5)
    assert result.state is S.CANCELLED
    assert isinstance(result.error, RunCancelled) or result.error is None


def test_outside_flowtop_a_flow_is_an_ordinary_script(tmp_path: Path) -> None:
    script = tmp_path / "myflow.py"
    script.write_text(
        textwrap.dedent(
            """
            import itertools
            from flowtop import flow, task

            calls = itertools.count(1)

            @task(retries=2, retry_delay_seconds=0)
            def flaky():
                if next(calls) < 3:
                    raise ConnectionError("reset")
                return "ok"

            @flow
            def main():
                return flaky() + "!"

            if __name__ == "__main__":
                print(main())
            """
        )
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok!"


def test_a_flow_raising_in_a_plain_call_raises_to_the_caller() -> None:
    @task
    def boom() -> None:
        raise KeyError("missing")

    @flow
    def pipeline() -> None:
        boom()

    with pytest.raises(KeyError, match="missing"):
        pipeline()


def test_submit_outside_a_flow_runs_the_task_with_its_retries() -> None:
    calls = []

    @task(retries=1)
    def t(x: int) -> int:
        calls.append(x)
        if len(calls) == 1:
            raise ConnectionError("first")
        return x * 2

    assert t.submit(4).result() == 8 and calls == [4, 4]  # as in Prefect 3


def test_submit_in_a_with_flow_block_says_where_it_belongs() -> None:
    @task
    def t() -> None:
        return None

    with Flow("static"), pytest.raises(RuntimeError, match="works in @flow functions"):
        t.submit()


def test_flow_options_are_checked() -> None:
    with pytest.raises(ValueError, match="retries"):
        flow(retries=-1)(lambda: None)
    with pytest.raises(TypeError, match="both given"):
        flow(retry_delay=1, retry_delay_seconds=1)
    with pytest.raises(TypeError, match="call it"), flow(lambda: None):
        pass


@task
def _one() -> int:
    return 1


@task
def _inc(x: int) -> int:
    return x + 1


@flow
def _child(x: int) -> int:
    return x + _inc(x)  # a value, as Prefect resolves a subflow's parameters


@flow
def _child_of_list(xs: list[int]) -> int:
    return _inc(xs[0])


@flow
def _gives_futures() -> tuple[int, int]:
    return _child(_one.submit()), _child_of_list([_one.submit()])


@pytest.mark.timeout(30)
def test_a_future_given_to_a_subflow_is_its_value_there() -> None:
    """The child's task waited for a task of its parent's run, which it has no way to
    see end: the run hung with no message."""
    assert _gives_futures() == (3, 2)


@pytest.mark.timeout(30)
def test_a_future_kept_from_a_finished_run_is_its_value_in_the_next() -> None:
    kept = {}

    @flow
    def first() -> int:
        kept["future"] = _one.submit()
        return 0

    @flow
    def second() -> int:
        return _inc(kept["future"])

    first()
    assert second() == 2
    assert _inc(kept["future"]) == 2  # and outside any flow


@pytest.mark.parametrize(("call", "says"), [("submit", "b.submit()"), ("map", "b.map()")])
def test_submit_or_map_in_a_with_flow_block_names_the_method_used(call: str, says: str) -> None:
    @task
    def b(x: int) -> int:
        return x

    with (
        pytest.raises(RuntimeError, match=re.escape(f"{says} works in @flow functions")),
        Flow("blocks"),
    ):
        getattr(b, call)([1, 2])


def test_a_call_the_function_cannot_take_is_refused_where_it_is_made() -> None:
    """As Prefect binds a call's parameters first: it was a TypeError inside each attempt,
    retried, and said at flowtop's own line."""
    attempts = []

    @task(retries=2)
    def add(a: int, b: int) -> int:
        attempts.append(1)
        return a + b

    says = re.escape("task 'add': missing a required argument: 'b'")
    with pytest.raises(TypeError, match=says), Flow("defined"):
        add(1)

    @flow
    def body() -> int:
        return add(1)

    with pytest.raises(TypeError, match=says):
        body()
    with pytest.raises(TypeError, match=re.escape("task 'add': got an unexpected keyword")):
        add(1, 2, c=3)  # outside any flow
    with pytest.raises(TypeError, match=says):
        add.submit(1)
    assert attempts == []  # no attempt ran, none was retried
    assert add(1, 2) == 3 and add(1, b=2) == 3


@pytest.mark.timeout(60)
def test_a_flow_calling_itself_with_no_end_stops_at_the_nesting_limit() -> None:
    """Each subflow has a thread of its own, so Python's recursion limit never came: it
    made nested runs (19,308 in a minute) until it was killed."""
    from flowtop.engine.dynamic import MAX_NESTING

    @flow
    def forever(n: int = 0) -> int:
        return forever(n + 1)

    with pytest.raises(RecursionError, match=f"subflow runs nested {MAX_NESTING} deep"):
        forever()


def test_map_of_uneven_lists_names_each_one_and_its_length() -> None:
    @task
    def pair(x: int, y: int) -> int:
        return x + y

    @flow
    def uneven() -> list[int]:
        return pair.map([1, 2, 3], y=[1, 2])

    says = "pair.map(): mapped arguments have different lengths (argument 1 has 3, y has 2)"
    with pytest.raises(ValueError, match=re.escape(says)):
        uneven()
    # Prefect's name for it, where Prefect code catches it (a ValueError still)
    from flowtop.compat import MODULES
    from flowtop.exceptions import MappingLengthMismatch

    with pytest.raises(MappingLengthMismatch):
        uneven()
    objects = MODULES["prefect.client.schemas.objects"][1]()
    assert objects["StateType"].COMPLETED.value == "COMPLETED"


def test_retry_raised_in_a_flow_body_says_it_is_a_tasks_signal() -> None:
    """It failed the run as any error, and nothing said why no retry came."""

    @flow
    def body() -> None:
        raise Retry("try again later")

    with pytest.raises(Retry) as raised:
        body()
    assert raised.value.__notes__ == [
        "Retry retries the task that raises it; a @flow retries with retries=N"
    ]
