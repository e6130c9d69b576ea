"""Issue 16, items 1-5: runs that never ended. Each one must now end, saying why.

A non-finite delay (NaN, infinity) from any source, a user callback that raises
``SystemExit`` or ``KeyboardInterrupt``, attempts that hang past their timeout on every
worker, and a worker count no process can start. Every run here is waited for with a
bound: a hang fails the test instead of the suite.
"""

from __future__ import annotations

import json
import logging
import math
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowtop import Flow, Retry, task
from flowtop.engine import Runner
from flowtop.engine import pool as pool_module
from flowtop.engine.delays import DelayError, compute_delay, exponential_backoff, fmt_seconds
from flowtop.engine.errors import PredicateError, TaskTimeout
from flowtop.engine.events import TaskStateChanged, json_line
from flowtop.engine.policy import RetryPolicy, decide
from flowtop.engine.pool import WorkerPool
from flowtop.engine.states import State, StateType
from flowtop.engine.timer import ManualClock

from .conftest import flowtop

S = StateType
BOUND = 10.0  # seconds a run may take here before the test calls it a hang


@pytest.fixture
def runner() -> Iterator[Runner]:
    runner = Runner(2, rng=lambda: 0.5)
    yield runner
    runner.shutdown(wait=False)


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at teardown: tasks that hang wait on it, so no thread outlives its test."""
    event = threading.Event()
    yield event
    event.set()


def run_one(runner: Runner, t: Any) -> State:
    flow = Flow(f"flow-{t.name}")
    flow.add_task(t)
    result = runner.start(flow).result(timeout=BOUND)
    return result[t.name]


# -- 1. NaN delays ------------------------------------------------------------------------
def test_retry_with_a_nan_delay_is_refused_saying_so() -> None:
    with pytest.raises(ValueError, match=r"Retry\(delay=\) must be a finite.*got nan"):
        Retry("again", delay=float("nan"))


def test_a_task_raising_retry_with_nan_fails_and_its_run_ends(runner: Runner) -> None:
    @task
    def job() -> None:
        raise Retry("again", delay=float("nan"))

    state = run_one(runner, job)
    assert state.type is S.FAILED and isinstance(state.exception, ValueError)
    assert "Retry(delay=) must be a finite" in str(state.exception)


def test_a_retry_whose_delay_became_nan_fails_the_task(runner: Runner) -> None:
    """The check is also where the delay is used, not only where ``Retry`` is built."""

    @task
    def job() -> None:
        error = Retry("again", delay=1)
        error.delay = float("nan")
        raise error

    state = run_one(runner, job)
    assert state.type is S.FAILED and isinstance(state.exception, DelayError)
    assert "Retry(delay=) must be a finite number of seconds, got nan" in str(state.exception)


def test_infinite_jitter_times_a_zero_delay_fails_the_task_instead_of_waiting_nan() -> None:
    # A policy built in code (settings and @task refuse inf); inf × 0 is NaN.
    policy = RetryPolicy(max_retries=2, retry_delay=0.0, retry_jitter=math.inf)
    decision = decide(policy, State(S.FAILED, None, ValueError("x"), 1), rng=lambda: 0.0)
    assert not decision.retry and decision.final is S.FAILED
    assert isinstance(decision.error, DelayError) and "finite" in str(decision.error)


@pytest.mark.parametrize("jitter", [math.inf, math.nan, 10**400])
def test_task_refuses_a_non_finite_jitter(jitter: float) -> None:
    with pytest.raises(ValueError, match=r"task 'job': retry_jitter must be a finite number"):

        @task(retry_jitter=jitter)
        def job() -> None: ...


def test_a_nan_countdown_can_still_be_shown() -> None:
    assert fmt_seconds(math.nan) == "?s"


# -- 2. infinite delays -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (math.inf, "retry_delay must be a finite number of seconds, got inf"),
        (math.nan, "retry_delay must be a finite number of seconds, got nan"),
        ([1, math.inf], r"retry_delay\[1\] must be a finite number of seconds, got inf"),
    ],
)
def test_task_refuses_a_non_finite_retry_delay(spec: Any, message: str) -> None:
    with pytest.raises(ValueError, match=rf"task 'job': {message}"):

        @task(max_retries=1, retry_delay=spec)
        def job() -> None: ...


def test_retry_with_an_infinite_delay_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Retry\(delay=\) must be a finite.*got inf"):
        Retry("again", delay=math.inf)


def forever(attempt: int) -> float:
    return math.inf


def test_a_delay_callable_returning_inf_fails_the_task_naming_it(runner: Runner) -> None:
    @task(max_retries=3, retry_delay=forever)
    def job() -> None:
        raise ConnectionError("down")

    state = run_one(runner, job)
    assert state.type is S.FAILED and state.attempt == 1
    assert str(state.exception) == (
        "retry_delay forever(1) must be a finite number of seconds, got inf"
        "; the attempt raised ConnectionError: down"
    )
    # the task's own error is kept: its traceback is shown first
    assert isinstance(state.exception.__context__, ConnectionError)


def test_a_backoff_grown_past_any_float_fails_the_task_instead_of_waiting_forever() -> None:
    with pytest.raises(DelayError, match=r"finite number of seconds \(set max_delay"):
        compute_delay(exponential_backoff(1, 2), 2000)
    assert compute_delay(exponential_backoff(1, 2, max_delay=60), 2000).seconds == 60.0
    assert compute_delay(exponential_backoff(0, 2), 2000).seconds == 0.0  # not 0 × inf


def test_json_lines_are_strict_json_even_with_a_non_finite_number() -> None:
    """``allow_nan=False`` in the one place events become JSON; a stray inf becomes null."""
    event = TaskStateChanged("r", "f", "t", S.AWAITING_RETRY, 1, 3, 1.0, retry_in=math.inf)
    line = json_line(event)

    def refuse(constant: str) -> None:
        raise AssertionError(f"not JSON: {constant} in {line!r}")

    data = json.loads(line, parse_constant=refuse)
    assert data["retry_in"] is None and line.endswith("\n") and line.count("\n") == 1


def test_flowtop_run_json_ends_and_prints_strict_json_when_a_delay_is_infinite(
    tmp_path: Path,
) -> None:
    (tmp_path / "flows.py").write_text(
        "import math\n"
        "from flowtop import Flow, task\n\n"
        "def forever(attempt):\n    return math.inf\n\n"
        "@task(max_retries=2, retry_delay=forever)\n"
        "def job():\n    raise ConnectionError('down')\n\n"
        "with Flow('endless') as flow:\n    job()\n"
    )
    done = flowtop("run", "--json", "flows.py", cwd=tmp_path, timeout=BOUND * 3)

    def refuse(constant: str) -> None:
        raise AssertionError(f"not JSON: {constant}")

    events = [json.loads(line, parse_constant=refuse) for line in done.stdout.splitlines()]
    final = [e for e in events if e["event"] == "task_state"][-1]
    assert done.returncode == 1, done.stderr
    assert final["state"] == "FAILED" and final["attempt"] == 1
    assert final["error"]["message"] == (
        "retry_delay forever(1) must be a finite number of seconds, got inf"
        "; the attempt raised ConnectionError: down"
    )
    assert "ConnectionError: down\n\nDuring handling" in final["error"]["traceback"]
    assert events[-1]["event"] == "run_finished" and events[-1]["state"] == "FAILED"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[defaults]\nretry_jitter = 1e309\n", "retry_jitter must be a finite number >= 0"),
        ("[defaults]\nretry_delay = inf\n", "retry_delay must be a finite number of seconds >= 0"),
        ("[defaults]\nworkers = 100000\n", "workers must be an integer from 1 to 1024"),
    ],
)
def test_flowtop_run_refuses_endless_settings_naming_file_and_line(
    tmp_path: Path, toml: str, message: str
) -> None:
    (tmp_path / "flows.py").write_text(
        "from flowtop import Flow, task\n\n@task\ndef job():\n    return 1\n\n"
        "with Flow('f') as flow:\n    job()\n"
    )
    (tmp_path / "flowtop.toml").write_text(toml)
    done = flowtop("run", "flows.py", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(f"flowtop run: flowtop.toml:2: [defaults]: {message}")
    assert "Traceback" not in done.stderr


# -- 3. callbacks raising BaseException ---------------------------------------------------
def exits(state: State) -> bool:
    sys.exit(3)


def interrupts(attempt: int) -> float:
    raise KeyboardInterrupt


def test_a_retry_predicate_calling_sys_exit_fails_the_task_and_the_run_ends(
    runner: Runner,
) -> None:
    @task(max_retries=2, retry_predicate=exits)
    def job() -> int:
        return 1

    state = run_one(runner, job)
    assert state.type is S.FAILED and isinstance(state.exception, PredicateError)
    assert str(state.exception) == "retry_predicate exits raised SystemExit: 3"


def test_a_retry_delay_raising_keyboard_interrupt_fails_the_task_and_the_run_ends(
    runner: Runner,
) -> None:
    @task(max_retries=2, retry_delay=interrupts)
    def job() -> None:
        raise ConnectionError("down")

    state = run_one(runner, job)
    assert state.type is S.FAILED and isinstance(state.exception, DelayError)
    assert str(state.exception) == (
        "retry_delay interrupts(1) raised KeyboardInterrupt; the attempt raised ConnectionError: down"
    )
    assert isinstance(state.exception.__cause__, KeyboardInterrupt)


def test_a_predicate_exiting_after_a_timeout_leaves_the_timer_working(
    runner: Runner, release: threading.Event
) -> None:
    """A timed-out attempt was decided on the timer thread, where the predicate ran: it
    is decided on a thread of its own now (``test_timeout_while_judged``)."""

    @task(max_retries=1, timeout=0.05, retry_predicate=exits)
    def hangs() -> None:
        release.wait(BOUND)

    @task(max_retries=1, retry_delay=0.01)
    def later() -> None:
        raise Retry("once more")

    state = run_one(runner, hangs)
    assert state.type is S.FAILED and "raised SystemExit" in str(state.exception)
    assert run_one(runner, later).attempt == 2  # retry timers still fire


class ExitsWhenPickled:
    def __reduce__(self) -> Any:
        sys.exit(4)

    def __repr__(self) -> str:
        return "ExitsWhenPickled()"


def test_an_argument_whose_pickling_calls_sys_exit_does_not_stall_a_flow_run(
    runner: Runner,
) -> None:
    """A ``@flow`` fingerprints each call's inputs by pickling them: user code too."""
    from flowtop import flow

    @task
    def echo(value: object) -> str:
        return repr(value)

    @flow
    def pipeline() -> str:
        return echo(ExitsWhenPickled())  # type: ignore[no-any-return]

    result = runner.start(pipeline).final_result(BOUND)
    assert result.state is S.COMPLETED and result.value == "ExitsWhenPickled()"


class ExitingBackend:
    """An executor backend whose shipping of an attempt raises what user code raised."""

    def call(self, fn: Any, args: Any, kwargs: Any, **options: Any) -> Any:
        raise SystemExit(5)

    def close(self) -> None:
        pass


def test_a_backend_raising_system_exit_fails_the_attempt_instead_of_stalling_the_run() -> None:
    @task
    def job() -> int:
        return 1

    runner = Runner(1, backend=ExitingBackend())
    try:
        state = run_one(runner, job)
    finally:
        runner.shutdown()
    assert state.type is S.FAILED and isinstance(state.exception, SystemExit)


# -- 4. hung attempts with a timeout, on every worker ---------------------------------------
def test_hung_attempts_past_their_timeout_do_not_use_up_the_workers(
    release: threading.Event,
) -> None:
    """2 workers, 3 tasks × 4 attempts that all hang: 12 hung threads, and the run ends."""
    started: list[int] = []

    @task(max_retries=3, retry_delay=0, timeout=0.05)
    def hangs(i: int) -> None:
        started.append(i)
        release.wait(BOUND * 2)

    with Flow("hung") as flow:
        for i in range(3):
            hangs(i)
    runner = Runner(2)
    try:
        result = runner.start(flow).result(timeout=BOUND)
        assert result.state is S.FAILED and len(started) == 12
        for state in result.states.values():
            assert state.type is S.FAILED and state.attempt == 4
            assert isinstance(state.exception, TaskTimeout)
            assert "a new worker took its place" in str(state.exception)
        assert isinstance(runner.executor, WorkerPool) and runner.executor.abandoned == 12
    finally:
        runner.shutdown(wait=True)  # must not wait for the hung threads either
    release.set()  # the abandoned threads end as soon as their calls return
    pool = runner.executor
    deadline = time.monotonic() + BOUND
    while pool.abandoned and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pool.abandoned == 0


def test_past_the_most_stuck_threads_a_timed_out_task_is_not_retried(
    monkeypatch: pytest.MonkeyPatch, release: threading.Event
) -> None:
    monkeypatch.setattr(pool_module, "MAX_ABANDONED", 1)

    @task(max_retries=5, retry_delay=0, timeout=0.05)
    def hangs() -> None:
        release.wait(BOUND * 2)

    runner = Runner(2)
    try:
        state = run_one(runner, hangs)
    finally:
        runner.shutdown(wait=False)
    assert state.type is S.FAILED and state.attempt == 2  # replaced once, then not retried
    assert "1 stuck threads are the most flowtop replaces: not retried" in str(state.exception)


def test_past_the_most_stuck_threads_a_last_attempt_fails_in_the_retry_rules_words(
    monkeypatch: pytest.MonkeyPatch, release: threading.Event
) -> None:
    """One with no retry left said "not retried: timed out; no worker", as if a retry had
    been given up: its retries were spent anyway."""
    monkeypatch.setattr(pool_module, "MAX_ABANDONED", 1)

    @task(max_retries=0, timeout=0.05)
    def hangs_first() -> None:
        release.wait(BOUND * 2)

    @task(max_retries=0, timeout=0.05)
    def hangs_next() -> None:
        release.wait(BOUND * 2)

    runner = Runner(2)
    try:
        flow = Flow("stuck-twice")
        flow.add_task(hangs_first)
        flow.add_task(hangs_next)
        result = runner.start(flow).result(timeout=BOUND)
    finally:
        runner.shutdown(wait=False)
    for key in ("hangs_first", "hangs_next"):
        state = result[key]
        assert state.type is S.FAILED and state.attempt == 1, (key, state)
        assert "not retried" not in str(state.exception), (key, state.exception)
    said = " ".join(str(result[key].exception) for key in ("hangs_first", "hangs_next"))
    assert "1 stuck threads are the most flowtop replaces" in said, said


def test_the_pool_replaces_an_abandoned_thread_and_that_thread_ends_after_its_call() -> None:
    pool = WorkerPool(1)
    inside, release, done = threading.Event(), threading.Event(), threading.Event()
    threads: list[threading.Thread] = []

    def stuck() -> None:
        threads.append(threading.current_thread())
        inside.set()
        release.wait(BOUND)

    try:
        pool.submit(stuck)
        assert inside.wait(BOUND)
        assert pool.abandon(threads[0]) and pool.abandoned == 1
        assert not pool.abandon(threads[0])  # only once, and only a worker of this pool
        pool.submit(done.set)  # runs on the replacement while the first thread is stuck
        assert done.wait(BOUND)
        release.set()
        threads[0].join(BOUND)
        assert not threads[0].is_alive() and pool.abandoned == 0
    finally:
        release.set()
        pool.shutdown(wait=True)


def test_a_full_pool_says_it_replaces_no_more_once_not_per_refusal(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """300 tasks stuck past their timeouts printed the warning 600 times (each refusal)."""
    monkeypatch.setattr(pool_module, "MAX_ABANDONED", 1)
    pool = WorkerPool(3)
    release = threading.Event()
    threads: list[threading.Thread] = []
    inside = threading.Semaphore(0)

    def stuck() -> None:
        threads.append(threading.current_thread())
        inside.release()
        release.wait(BOUND)

    try:
        for _ in range(3):
            pool.submit(stuck)
        for _ in range(3):
            assert inside.acquire(timeout=BOUND)
        assert pool.abandon(threads[0])
        with caplog.at_level(logging.WARNING, logger=pool_module.log.name):
            assert not pool.abandon(threads[1])
            assert not pool.abandon(threads[2])
        said = [r.getMessage() for r in caplog.records if "not replacing more" in r.getMessage()]
        assert said == [
            "flowtop worker pool: 1 threads given up on still running; not replacing more"
        ]
    finally:
        release.set()
        pool.shutdown(wait=True)


# -- 5. worker counts ---------------------------------------------------------------------
@pytest.mark.parametrize("workers", [0, 1025, 100_000])
def test_pool_refuses_worker_counts_no_process_can_start(workers: int) -> None:
    with pytest.raises(ValueError, match=r"workers must be an integer from 1 to 1024"):
        WorkerPool(workers)


def test_flowtop_run_refuses_too_many_workers_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "flows.py").write_text(
        "from flowtop import Flow, task\n\n@task\ndef job():\n    return 1\n\n"
        "with Flow('f') as flow:\n    job()\n"
    )
    done = flowtop("run", "--workers", "100000", "flows.py", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "flowtop run: argument --workers: must be from 1 to 1024, got 100000"
        " (see flowtop run --help)\n"
    )


def test_a_result_whose_repr_never_returns_ends_at_the_task_s_timeout(
    release: threading.Event,
) -> None:
    """The result's repr (for the event) was made under the run's lock: a ``__repr__``
    that never returned held every driver, the timeout, a cancel and SIGTERM for good.
    It is made with the attempt now, which its timeout ends, saying what ran past it."""
    entered = threading.Event()

    class Endless:
        def __repr__(self) -> str:
            entered.set()
            release.wait()
            return "late"

    @task(timeout=0.3)
    def odd() -> Endless:
        return Endless()

    @task
    def plain() -> int:
        return 1

    seen: list[Any] = []
    clock = ManualClock()
    runner = Runner(2, sinks=[seen.extend], clock=clock)
    try:
        with Flow("repr") as flow:
            odd()
            plain()
        run = runner.start(flow)
        assert entered.wait(BOUND)
        clock.advance(0.3)
        result = run.result(timeout=BOUND)
    finally:
        runner.shutdown(wait=False)
    assert result["plain"].type is S.COMPLETED
    assert result["odd"].type is S.FAILED and isinstance(result["odd"].exception, TaskTimeout)
    assert str(result["odd"].exception) == (
        "attempt 1 of 'odd' returned, but its result's repr ran past the timeout of 0.3s"
    )


@pytest.mark.parametrize("executor", ["threads", "async"])
def test_a_failure_inside_the_engine_ends_the_run_failed_saying_so(
    executor: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug of flowtop's while it concluded an attempt killed the driver and left the
    task RUNNING: the run never ended (100 runs hung for 12 minutes)."""
    import flowtop.engine.run as run_module

    broken = iter([True])

    def judge_once_broken(*args: Any) -> Any:
        if next(broken, False):
            raise RuntimeError("an engine bug")
        return real_judge(*args)

    real_judge = run_module.judge
    monkeypatch.setattr(run_module, "judge", judge_once_broken)

    if executor == "threads":

        @task
        def first() -> int:
            return 1

    else:

        @task
        async def first() -> int:
            return 1

    @task
    def after(x: int) -> int:
        return x

    with Flow("bug") as flow:
        after(first())
    runner = Runner(2)
    try:
        run = runner.start(flow)
        result = run.result(timeout=BOUND)
    finally:
        runner.shutdown(wait=False)
    assert run.state is S.FAILED
    assert result["first"].type is S.CANCELLED
    assert "flowtop failed inside its engine: RuntimeError: an engine bug" in (
        result["first"].message
    )
    assert "flowtop failed inside run" in caplog.text  # with its traceback, for a report


def test_a_failure_inside_the_engine_as_the_run_ends_still_ends_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug of flowtop's while it made the run's end (``_own_end``) came after the run's
    state was set, which the safety net took for an ended run: its waiters waited for
    good, the store said RUNNING and the run process sat idle, heartbeating (ten runs,
    4 1/2 minutes, until killed)."""
    from flowtop.engine.run import FlowRun

    def broken(self: FlowRun) -> Any:
        raise NameError("name 'RunEnd' is not defined")

    monkeypatch.setattr(FlowRun, "_own_end", broken)
    with Flow("ends") as flow:
        task(lambda: 1, name="one")()
    seen: list[Any] = []
    runner = Runner(2, sinks=[seen.extend])
    try:
        run = runner.start(flow)
        result = run.result(timeout=BOUND)
    finally:
        runner.shutdown(wait=False)
    assert result["one"].type is S.COMPLETED
    (end,) = [e for e in seen if e.event == "run_finished"]
    assert end.state is S.COMPLETED
    assert end.note == "flowtop failed inside its engine: NameError: name 'RunEnd' is not defined"
    assert "flowtop failed ending run" in caplog.text  # with its traceback, for a report
