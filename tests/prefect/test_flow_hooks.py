"""Prefect 3's flow state hooks and ``timeout_seconds`` (``engine/flow_hooks.py``).

What Prefect itself does is checked side by side (``tests/compat``, ``flow_hooks_*`` and
``flow_timeout*``); these tests hold flowtop's own side: the run's events and output,
cancellation, crashes, a body blocked in C, and bad options.
"""

from __future__ import annotations

import logging
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import fork_cli
from flowtop import flow, task
from flowtop.context import FlowRunContext
from flowtop.engine import Runner
from flowtop.engine.dynamic import RunCancelled
from flowtop.engine.events import RunFinished
from flowtop.engine.states import StateType as S
from flowtop.exceptions import FlowRunTimeoutError
from waits import wait_until


class Seen:
    """Records each flow hook call as ``(kind, state name, run_count)``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []
        self.states: list[Any] = []

    def __call__(self, kind: str) -> Any:
        def hook(flow: Any, flow_run: Any, state: Any) -> None:
            assert flow.name and flow_run.id
            self.calls.append((kind, state.name, flow_run.run_count))
            self.states.append(state)

        hook.__name__ = kind
        return hook


def test_running_then_completion_with_the_value_and_the_hooks_output_in_the_run() -> None:
    seen = Seen()
    finished: list[RunFinished] = []

    def completed(flow: Any, flow_run: Any, state: Any) -> None:
        seen("completion")(flow, flow_run, state)
        assert FlowRunContext.get() is not None  # a hook runs in its run's context
        print(f"done with {state.result()}")

    @flow(on_running=[seen("running")], on_completion=[completed], on_failure=[seen("failure")])
    def pipeline() -> int:
        print("body")
        return 7

    with Runner() as runner:
        runner.bus.add_sink(
            lambda events: finished.extend(e for e in events if isinstance(e, RunFinished))
        )
        result = runner.run(pipeline)
        runner.bus.flush()
    assert result.state is S.COMPLETED and result.value == 7
    assert seen.calls == [("running", "Running", 0), ("completion", "Completed", 1)]
    assert finished[0].output == "body\ndone with 7\n"


def test_failure_hook_gets_the_error_and_runs_before_the_caller_sees_it() -> None:
    seen = Seen()

    @flow(on_failure=[seen("failure")], on_completion=[seen("completion")])
    def pipeline() -> None:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        pipeline()
    assert seen.calls == [("failure", "Failed", 1)]
    state = seen.states[0]
    assert state.is_failed()
    assert state.message == "Flow run encountered an exception: ValueError: bad input"
    with pytest.raises(ValueError, match="bad input"):
        state.result()


def test_flow_retries_call_running_each_time_and_no_failure_for_a_run_retried() -> None:
    seen = Seen()
    bodies: list[int] = []

    @flow(
        retries=1,
        on_running=[seen("running")],
        on_failure=[seen("failure")],
        on_completion=[seen("completion")],
    )
    def pipeline() -> str:
        bodies.append(1)
        if len(bodies) == 1:
            raise RuntimeError("first run fails")
        return "second run"

    assert pipeline() == "second run"
    assert seen.calls == [
        ("running", "Running", 0),
        ("running", "Running", 1),
        ("completion", "Completed", 2),
    ]


def test_cancellation_hook_runs_before_the_run_shows_cancelled() -> None:
    seen = Seen()
    started, release = threading.Event(), threading.Event()
    states_during_hook: list[S] = []
    after_cancel: list[BaseException] = []

    @task
    def wait_here() -> None:
        started.set()
        release.wait(5)

    def cancelling(flow: Any, flow_run: Any, state: Any) -> None:
        seen("cancellation")(flow, flow_run, state)
        states_during_hook.append(run.state)
        assert state.is_cancelling() and not state.is_cancelled()

    @flow(on_cancellation=[cancelling], on_completion=[seen("completion")])
    def pipeline() -> None:
        try:
            wait_here()
        finally:
            try:
                wait_here()  # the run is cancelled: not started
            except RunCancelled as exc:
                after_cancel.append(exc)

    with Runner() as runner:
        run = runner.start(pipeline)
        assert started.wait(5)
        assert run.cancel()
        result = run.final_result(5)
        release.set()
        assert result.state is S.CANCELLED
    assert seen.calls == [("cancellation", "Cancelling", 1)]
    assert states_during_hook == [S.RUNNING]


def test_system_exit_in_the_body_is_a_crash() -> None:
    seen = Seen()

    @flow(on_crashed=[seen("crashed")], on_failure=[seen("failure")])
    def pipeline() -> None:
        raise SystemExit(3)

    with pytest.raises(SystemExit):
        pipeline()
    assert seen.calls == [("crashed", "Crashed", 1)]
    assert seen.states[0].is_crashed()
    assert seen.states[0].message == "Execution was aborted by Python system exit call."


def test_a_hook_that_raises_is_logged_and_the_next_one_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen = Seen()

    def broken(flow: Any, flow_run: Any, state: Any) -> None:
        raise RuntimeError("hook bug")

    @flow(on_completion=[broken, seen("after")])
    def pipeline() -> str:
        return "done"

    with caplog.at_level(logging.ERROR, logger="flowtop.flow_runs"):
        assert pipeline() == "done"
    assert seen.calls == [("after", "Completed", 1)]
    assert "An error was encountered while running hook 'broken'" in caplog.text


def test_decorators_async_hooks_and_attributes() -> None:
    seen: list[str] = []

    @flow(timeout_seconds=5)
    def pipeline(fail: bool = False) -> str:
        if fail:
            raise KeyError("k")
        return "ok"

    @pipeline.on_running
    async def running(flow: Any, flow_run: Any, state: Any) -> None:
        seen.append("running")

    @pipeline.on_failure
    def failed(flow: Any, flow_run: Any, state: Any) -> None:
        seen.append("failure")

    assert pipeline() == "ok"
    with pytest.raises(KeyError):
        pipeline(fail=True)
    assert seen == ["running", "running", "failure"]
    assert pipeline.on_running_hooks == [running] and pipeline.on_failure_hooks == [failed]
    assert pipeline.on_completion_hooks == pipeline.on_crashed_hooks == []
    assert pipeline.timeout_seconds == 5.0


# -- timeout_seconds ------------------------------------------------------------------------
def test_timeout_fails_the_run_and_interrupts_the_body() -> None:
    seen = Seen()
    ticks: list[int] = []

    @flow(timeout_seconds=0.3, on_failure=[seen("failure")])
    def pipeline() -> str:
        for i in range(100):
            ticks.append(i)
            time.sleep(0.02)
        return "finished"

    with pytest.raises(FlowRunTimeoutError, match=r"Scope timed out after 0\.3 second\(s\)\."):
        pipeline()
    reached = len(ticks)
    time.sleep(0.2)
    assert 3 <= reached < 100 and len(ticks) <= reached + 1  # the body stopped
    assert seen.calls == [("failure", "TimedOut", 1)]
    assert seen.states[0].message == "Flow run exceeded timeout of 0.3 second(s)"


def test_timeout_cancels_the_task_in_flight_and_a_body_blocked_in_c_does_not_hold_the_run() -> None:
    release = threading.Event()

    @task
    def slow() -> int:
        release.wait(5)  # blocked in C: not interrupted
        return 1

    @flow(timeout_seconds=0.2)
    def pipeline() -> int:
        return slow()

    with Runner() as runner:
        t0 = time.monotonic()
        result = runner.run(pipeline)
        took = time.monotonic() - t0
        release.set()
    assert took < 3
    assert result.state is S.FAILED and isinstance(result.error, FlowRunTimeoutError)
    assert result.states["slow"].type is S.CANCELLED
    # where the task was stopped: its own line, not threading.py's inside Event.wait
    message = result.states["slow"].message
    assert message.startswith("the flow run timed out at test_flow_hooks.py:"), message
    assert message.endswith(" in slow")


def test_a_timed_out_run_is_retried_by_flow_retries() -> None:
    """The retry does not wait for the timed-out body: that one is still held when the
    second has returned (a wall-time bound instead failed on a loaded machine)."""
    bodies: list[int] = []
    release = threading.Event()
    held_until_released: list[bool] = []

    @flow(timeout_seconds=0.2, retries=1)
    def pipeline() -> str:
        bodies.append(1)
        if len(bodies) == 1:
            try:
                release.wait(20)
            finally:
                held_until_released.append(release.is_set())
        return "second run"

    try:
        assert pipeline() == "second run"
    finally:
        release.set()
    wait_until(lambda: held_until_released, "the timed-out body to end")
    assert held_until_released == [True], "the retry waited for the timed-out body"


def test_timeout_in_the_run_error_says_the_limit() -> None:
    finished: list[RunFinished] = []

    @flow(timeout_seconds=0.1)
    def pipeline() -> None:
        time.sleep(1)

    with Runner() as runner:
        runner.bus.add_sink(
            lambda events: finished.extend(e for e in events if isinstance(e, RunFinished))
        )
        runner.run(pipeline)
        runner.bus.flush()
    assert finished[0].state is S.FAILED
    error = finished[0].error
    assert error is not None
    assert (error[0], error[1]) == (
        "FlowRunTimeoutError",
        "Flow run exceeded timeout of 0.1 second(s)",
    )


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"timeout_seconds": "10"}, TypeError, "timeout_seconds must be a number of seconds"),
        ({"timeout_seconds": -1}, ValueError, "timeout_seconds must not be negative"),
        ({"on_failure": print}, TypeError, "Expected iterable for 'on_failure'"),
        ({"on_running": ["x"]}, TypeError, "Expected callables in 'on_running'; got str"),
    ],
)
def test_bad_options_are_refused_at_definition(
    options: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        flow(**options)(lambda: None)


def test_a_zero_timeout_means_none() -> None:
    assert flow(timeout_seconds=0)(lambda: None).timeout_seconds is None


def test_a_hook_option_given_as_none_is_no_hook_and_a_misspelt_option_is_named() -> None:
    assert flow(on_failure=None)(lambda: None).on_failure_hooks == []
    with pytest.raises(
        TypeError, match=r"unknown option 'on_falure' \(did you mean 'on_failure'\?\)"
    ):
        flow(on_falure=[print])(lambda: None)


def test_flowtop_list_says_what_a_flow_s_runs_do_beyond_its_tasks(tmp_path: Path) -> None:
    (tmp_path / "nightly.py").write_text(
        textwrap.dedent(
            """
            from flowtop import flow, task
            from flowtop.task_runners import ThreadPoolTaskRunner

            def notify(flow, flow_run, state):
                print(state.name)

            @task
            def one() -> int:
                return 1

            @flow(retries=2, retry_delay=5, timeout_seconds=90, flow_run_name="daily-{day}",
                  task_runner=ThreadPoolTaskRunner(max_workers=3), on_failure=[notify])
            def nightly(day: str = "mon") -> int:
                return one()

            @flow
            def plain() -> int:
                return one()
            """
        )
    )
    listed = fork_cli.run(
        ["list", str(tmp_path)],
        timeout=60,
        check=True,
    ).stdout.splitlines()
    runs = [line for line in listed if line.startswith("  runs: ")]
    assert runs == [
        "  runs: retries 2, 5s apart; time limit 1m30s; named daily-{day}; "
        "at most 3 tasks at once; on_failure: notify"
    ]  # and none for `plain`, which sets none of them


def test_with_options_copies_the_flow_with_some_options_changed() -> None:
    from flowtop.task_runners import ThreadPoolTaskRunner

    def first(flow: Any, flow_run: Any, state: Any) -> None: ...

    def second(flow: Any, flow_run: Any, state: Any) -> None: ...

    @flow(
        retries=2,
        flow_run_name="daily-{day}",
        task_runner=ThreadPoolTaskRunner(max_workers=3),
        on_failure=[first],
    )
    def daily(day: str = "mon") -> str:
        return day

    copy = daily.with_options(name="daily-copy", retry_delay_seconds=4, on_failure=[second])
    assert (copy.name, copy.retries, copy.retry_delay, copy.max_workers) == (
        "daily-copy",
        2,
        4.0,
        3,
    )
    assert copy.run_name == "daily-{day}" and copy.on_failure_hooks == [second]
    assert daily.on_failure_hooks == [first] and daily.retry_delay == 0
    assert daily.with_options(on_failure=[]).on_failure_hooks == [first]  # Prefect's `or`
    assert copy("tue") == "tue"
    with pytest.raises(TypeError, match="unknown option 'retires'"):
        daily.with_options(retires=1)


def test_a_hook_reads_the_run_s_tags_and_start_as_prefect_s_docs_do() -> None:
    """The docs' hook prints `flow_run.tags` and `flow_run.expected_start_time`: both
    raised AttributeError (logged and swallowed, so the hook silently did nothing)."""
    from datetime import UTC, datetime

    from flowtop import tags

    seen: list[Any] = []

    def report(flow_: Any, flow_run: Any, state: Any) -> None:
        seen.append((flow_run.tags, flow_run.expected_start_time, flow_run.start_time))

    @flow(on_completion=[report])
    def nightly() -> int:
        return 1

    before = datetime.now(UTC)
    with tags("nightly", "db"):
        nightly()
    ((names, expected, started),) = seen
    assert names == ["db", "nightly"] and expected == started
    assert before <= started <= datetime.now(UTC)
