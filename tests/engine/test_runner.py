"""The runner's core promises: results flow downstream, failures stop what depends on them,
retries happen, and a retry wait holds no worker thread."""

from __future__ import annotations

import threading

import pytest

from flowtop import Flow, Retry, StateType, task
from flowtop.engine import Runner
from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.layers import Layer
from flowtop.engine.timer import ManualClock

from .kit import Recorder, wait_until


def test_results_are_passed_downstream(runner: Runner) -> None:
    @task
    def one() -> int:
        return 1

    @task
    def add(a: int, b: int) -> int:
        return a + b

    with Flow("sum") as flow:
        x = one()
        y = add(x, 10)
        add(x, y)

    result = runner.start(flow).result(timeout=5)
    assert result.state is StateType.COMPLETED
    assert [result[k].result for k in ("one", "add", "add-2")] == [1, 11, 12]


def test_upstream_failed_is_transitive_and_siblings_still_run(
    runner: Runner, recorder: Recorder
) -> None:
    ran: list[str] = []

    @task
    def boom() -> None:
        raise ValueError("broken source")

    @task
    def step(x: object = None, name: str = "") -> str:
        ran.append(name)
        return name

    with Flow("chain") as flow:
        bad = boom()
        mid = step(bad, name="mid")
        step(mid, name="leaf")
        step(name="independent")

    run = runner.start(flow)
    result = run.result(timeout=5)
    assert result.state is StateType.FAILED
    assert result["boom"].type is StateType.FAILED
    assert isinstance(result["boom"].exception, ValueError)
    assert result["step"].type is StateType.UPSTREAM_FAILED
    assert result["step-2"].type is StateType.UPSTREAM_FAILED
    assert result["step-3"].is_completed()
    assert ran == ["independent"]
    runner.bus.flush()
    assert recorder.states("step-2", run.run_id) == [StateType.UPSTREAM_FAILED]
    assert "boom" in recorder.of("step", StateType.UPSTREAM_FAILED)[0].message
    assert recorder.run_finished(run.run_id).counts == {
        "FAILED": 1,
        "UPSTREAM_FAILED": 2,
        "COMPLETED": 1,
    }


def test_retries_run_until_success(runner: Runner, recorder: Recorder) -> None:
    calls: list[int] = []

    @task(max_retries=3, retry_delay=[0.01, 0.02])
    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError(f"attempt {len(calls)}")
        return "ok"

    flow = Flow("flaky")
    flow.add_task(flaky)
    run = runner.start(flow)
    result = run.result(timeout=5)
    assert result["flaky"].result == "ok" and result["flaky"].attempt == 3
    runner.bus.flush()
    states = recorder.states("flaky", run.run_id)
    assert states == [
        StateType.RUNNING,
        StateType.AWAITING_RETRY,
        StateType.RUNNING,
        StateType.AWAITING_RETRY,
        StateType.RUNNING,
        StateType.COMPLETED,
    ]
    waits = recorder.of("flaky", StateType.AWAITING_RETRY, run.run_id)
    assert [w.retry_in for w in waits] == [0.01, 0.02]
    assert [w.error.message for w in waits] == ["attempt 1", "attempt 2"]  # type: ignore[union-attr]
    assert [a.state for a in result.attempts["flaky"]] == [
        StateType.AWAITING_RETRY,
        StateType.AWAITING_RETRY,
        StateType.COMPLETED,
    ]


def test_retries_exhausted_fails_with_the_last_error(runner: Runner) -> None:
    @task(max_retries=2, retry_delay=0)
    def always() -> None:
        raise ConnectionError("still down")

    flow = Flow("down")
    flow.add_task(always)
    state = runner.start(flow).result(timeout=5)["always"]
    assert state.type is StateType.FAILED and state.attempt == 3
    assert str(state.exception) == "still down"


def test_waits_hold_no_thread(make_runner, recorder: Recorder) -> None:
    """20 retries of 0.2 s on 2 workers: all 20 wait at once, so no wait holds a thread.

    The runner's clock only moves when the test says: the waits never come due by
    themselves, and the test sleeps for none of them.
    """
    seen: set[str] = set()
    lock = threading.Lock()

    @task(max_retries=1, retry_delay=0.2)
    def once(name: str) -> str:
        with lock:
            first = name not in seen
            seen.add(name)
        if first:
            raise ConnectionError("transient")
        return name

    with Flow("waits") as flow:
        for i in range(20):
            once(f"t{i}")

    clock = ManualClock()
    runner = make_runner(2, sinks=(recorder,), clock=clock)
    run = runner.start(flow)

    def waiting() -> list[float | None]:
        return [
            w.retry_in
            for w in recorder.task_events(run.run_id)
            if w.state.value == "AWAITING_RETRY"
        ]

    wait_until(lambda: len(waiting()) == 20)
    assert not run.done and set(waiting()) == {0.2}
    clock.advance(0.2)
    result = run.result(timeout=10)
    assert result.state is StateType.COMPLETED
    assert all(s.attempt == 2 for s in result.states.values())


def test_run_numbers_count_per_flow(runner: Runner, recorder: Recorder) -> None:
    @task
    def noop() -> None: ...

    first, second = Flow("first"), Flow("second")
    first.add_task(noop)
    second.add_task(noop)
    numbers = [
        runner.start(f).result(timeout=5).number for f in (first, first, second, first, second)
    ]
    assert numbers == [1, 2, 1, 3, 2]
    runner.bus.flush()
    assert [e.run for e in recorder.events if isinstance(e, RunStarted)] == numbers
    assert [e.run for e in recorder.events if isinstance(e, RunFinished)] == numbers


def test_next_number_hook_numbers_runs(make_runner) -> None:
    @task
    def noop() -> None: ...

    flow = Flow("numbered")
    flow.add_task(noop)
    runner = make_runner(1, next_number=lambda name, run_id: 41 if name == "numbered" else 0)
    assert runner.start(flow).result(timeout=5).number == 41


def test_empty_flow_completes_at_once(runner: Runner) -> None:
    result = runner.start(Flow("empty")).result(timeout=5)
    assert result.state is StateType.COMPLETED and result.states == {}


def test_policy_for_replaces_the_task_policy(make_runner) -> None:
    calls: list[int] = []

    @task
    def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("once")
        return "ok"

    flow = Flow("layered")
    flow.add_task(flaky)
    runner = make_runner(
        2, policy_for=lambda f, node: node.task.policy.with_values(Layer.OVERRIDES, max_retries=1)
    )
    state = runner.start(flow).result(timeout=5)["flaky"]
    assert state.is_completed() and state.attempt == 2


def test_retry_raised_by_a_task_waits_for_its_delay(runner: Runner, recorder: Recorder) -> None:
    calls: list[int] = []

    @task(retry_delay=30)
    def polite() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise Retry("rate limited", delay=0.01)
        return "done"

    flow = Flow("polite")
    flow.add_task(polite)
    run = runner.start(flow)
    assert run.result(timeout=5)["polite"].result == "done"
    runner.bus.flush()
    (wait,) = recorder.of("polite", StateType.AWAITING_RETRY, run.run_id)
    assert wait.retry_in == 0.01 and wait.delay_explained == "the task raised Retry(delay=0.01s)"
    assert (
        wait.error is not None
        and wait.error.type == "Retry"
        and wait.error.message == "rate limited"
    )


def test_predicate_retry_of_a_result_then_exhaustion(runner: Runner) -> None:
    @task(retry_predicate=lambda s: s.result is None, max_retries=2)
    def empty() -> None:
        return None

    flow = Flow("empty-results")
    flow.add_task(empty)
    state = runner.start(flow).result(timeout=5)["empty"]
    assert state.type is StateType.FAILED and state.attempt == 3
    assert type(state.exception).__name__ == "RetriesExhausted"
    assert "<lambda>" in str(state.exception)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, 1025, 100_000])
def test_runner_rejects_bad_worker_counts(bad: object) -> None:
    with pytest.raises(ValueError, match="workers must be an integer from 1 to 1024"):
        Runner(bad)  # type: ignore[arg-type]


def test_shutdown_refuses_new_runs(make_runner) -> None:
    runner = make_runner(1)
    runner.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        runner.start(Flow("late"))


def test_a_broken_retry_delay_callable_fails_the_task_instead_of_hanging_the_run(
    runner: Runner,
) -> None:
    @task(max_retries=2, retry_delay=lambda attempt: -1)
    def flaky() -> None:
        raise ConnectionError("down")

    flow = Flow("bad-delay")
    flow.add_task(flaky)
    state = runner.start(flow).result(timeout=5)["flaky"]
    assert state.type is StateType.FAILED and state.attempt == 1
    assert "retry_delay" in str(state.exception) and "must not be negative" in str(state.exception)


def test_retry_deadline_stops_retrying(make_runner, recorder: Recorder) -> None:
    """Retries 0.25 s apart within a 1 s deadline: attempts at 0, 0.25, 0.5, 0.75 and 1.0 s
    of the runner's clock; after the fifth, a retry at 1.25 s would pass the deadline."""

    @task(max_retries=1000, retry_delay=0.25, retry_deadline=1.0)
    def stubborn() -> None:
        raise ConnectionError("down")

    flow = Flow("deadline")
    flow.add_task(stubborn)
    clock = ManualClock()
    runner = make_runner(1, sinks=(recorder,), clock=clock)
    run = runner.start(flow)

    def waits() -> int:
        return len(recorder.of("stubborn", StateType.AWAITING_RETRY))

    for n in range(1, 10):
        wait_until(lambda n=n: run.done or waits() == n)
        if run.done:
            break
        clock.advance(0.25)
    state = run.result(timeout=5)["stubborn"]
    assert state.type is StateType.FAILED and state.attempt == 5
    assert "retry_deadline" in state.message and isinstance(state.exception, ConnectionError)


def test_jitter_uses_the_runner_rng(make_runner, recorder: Recorder) -> None:
    calls: list[int] = []

    @task(max_retries=1, retry_delay=0.02, retry_jitter=0.5)
    def jittery() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("blip")

    flow = Flow("jitter")
    flow.add_task(jittery)
    runner = make_runner(1, sinks=(recorder,), rng=lambda: 0.5)
    run = runner.start(flow)
    run.wait(5)
    runner.bus.flush()
    (wait,) = recorder.of("jittery", StateType.AWAITING_RETRY)
    assert wait.retry_in == 0.025 and "jitter +25%" in wait.delay_explained


def test_final_states_carry_what_prefect_users_expect(runner: Runner) -> None:
    @task
    def boom() -> None:
        raise KeyError("missing")

    @task
    def fine() -> int:
        return 7

    flow = Flow("states")
    flow.add_task(boom)
    flow.add_task(fine)
    result = runner.start(flow).result(timeout=5)
    bad, good = result["boom"], result["fine"]
    assert bad.is_failed() and not bad.is_completed()
    assert bad.result is bad.exception and isinstance(bad.exception, KeyError)
    assert bad.task == "boom" and bad.attempt == 1 and "only Retry retries" in bad.message
    assert good.is_completed() and good.result == 7 and good.exception is None
    assert result.result["fine"] is good and result.counts == {"FAILED": 1, "COMPLETED": 1}
    assert result.is_failed() and not result.is_completed()


def test_a_raising_predicate_fails_the_task_saying_so(runner: Runner, recorder: Recorder) -> None:
    def picky(state: object) -> bool:
        raise AttributeError("no such field")

    @task(retry_predicate=picky, max_retries=3)
    def fetch() -> str:
        return "data"

    flow = Flow("picky")
    flow.add_task(fetch)
    run = runner.start(flow)
    state = run.result(timeout=5)["fetch"]
    assert state.type is StateType.FAILED and state.attempt == 1
    assert type(state.exception).__name__ == "PredicateError"
    runner.bus.flush()
    (failed,) = recorder.of("fetch", StateType.FAILED)
    assert failed.error is not None and failed.error.type == "PredicateError"
    assert "retry_predicate" in failed.error.message and "picky" in failed.error.message
    assert "AttributeError: no such field" in failed.error.message
