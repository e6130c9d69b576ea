"""What the engine's own cost was cut down to, kept working: a retry with no delay is a
retry loop on the attempt's own thread (no timer round trip); the traceback an attempt's
event carries is formatted once per distinct failure; a run's start summarises each
distinct policy once. The figures are in tests/benchmarks/bench_engine.py."""

from __future__ import annotations

import threading
import traceback

from flowtop import Flow, StateType, task
from flowtop.engine.layers import Layer
from flowtop.engine.policy import RetryPolicy, summaries
from flowtop.engine.records import error_info, format_traceback

from .kit import Recorder


def test_a_retry_with_no_delay_runs_on_the_same_thread_without_the_timer(
    make_runner, recorder: Recorder
) -> None:
    threads: list[int] = []

    @task(max_retries=2, retry_delay=0)
    def flaky() -> str:
        threads.append(threading.get_ident())
        if len(threads) < 3:
            raise ConnectionError(f"attempt {len(threads)}")
        return "ok"

    flow = Flow("quick")
    flow.add_task(flaky)
    runner = make_runner(4, sinks=(recorder,))
    run = runner.start(flow)
    assert run.result(timeout=5)["flaky"].result == "ok"
    assert len(set(threads)) == 1  # one worker ran all three attempts, back to back
    assert runner.timer._thread is None  # the timer thread starts on first use: never used
    runner.bus.flush()
    assert recorder.states("flaky", run.run_id) == [
        StateType.RUNNING,
        StateType.AWAITING_RETRY,
        StateType.RUNNING,
        StateType.AWAITING_RETRY,
        StateType.RUNNING,
        StateType.COMPLETED,
    ]
    waits = recorder.of("flaky", StateType.AWAITING_RETRY, run.run_id)
    assert [w.retry_in for w in waits] == [0, 0]
    assert [w.error.message for w in waits] == ["attempt 1", "attempt 2"]  # type: ignore[union-attr]


def test_a_retry_with_a_delay_still_waits_on_the_timer(make_runner) -> None:
    calls: list[int] = []

    @task(max_retries=1, retry_delay=0.01)
    def once() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("blip")

    flow = Flow("delayed")
    flow.add_task(once)
    runner = make_runner(2)
    assert runner.start(flow).result(timeout=5)["once"].is_completed()
    assert runner.timer._thread is not None


def _raise(message: str) -> None:
    raise ConnectionError(message)


def _caught(fn, *args) -> BaseException:  # type: ignore[no-untyped-def]
    try:
        fn(*args)
    except BaseException as exc:  # noqa: BLE001 - the test keeps whatever was raised
        return exc
    raise AssertionError("nothing raised")


def _chained() -> None:
    try:
        _raise("inner")
    except ConnectionError as exc:
        raise ValueError("outer") from exc


def _noted() -> None:
    exc = ConnectionError("with a note")
    exc.add_note("a note")
    raise exc


def test_format_traceback_is_format_exception_however_often_it_is_asked() -> None:
    cases = [
        _caught(_raise, "down"),
        _caught(_raise, "down"),  # same place, same message: from the cache
        _caught(_raise, "other message"),  # same place, another message
        _caught(_chained),
        _caught(_noted),
        ConnectionError("never raised"),  # no traceback at all
    ]
    for exc in cases * 2:
        assert format_traceback(exc) == "".join(traceback.format_exception(exc))
    assert "other message" in error_info(cases[2]).traceback
    assert "a note" in error_info(cases[4]).traceback


def test_summaries_match_each_policy_s_own_summary() -> None:
    shared = RetryPolicy(max_retries=3, retry_delay=(1.0, 2.0))
    policies = [
        shared,
        shared,
        RetryPolicy(max_retries=3, retry_delay=(1.0, 2.0)),  # equal, another object
        RetryPolicy(max_retries=3, retry_delay=(1.0, 2.0)).with_values(
            Layer.TASK, retry_jitter=0.5
        ),
        RetryPolicy(retry_on=(ConnectionError,)),
        RetryPolicy(retry_delay=lambda n: n),
        RetryPolicy(retry_predicate=lambda s: True, sources={"x": "y"}),  # type: ignore[arg-type]
    ]
    assert summaries(policies) == tuple(p.summary() for p in policies)
    assert summaries([]) == ()
