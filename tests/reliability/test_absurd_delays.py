"""Finite but absurd delays: ``retry_delay=1e300`` used to pass every check.

A run with it waited 1e300 s (it never ended, its countdown a 300-digit number of hours);
``timeout=1e300`` on a task called outside a flow raised ``OverflowError`` from
``Thread.join``. Every delay, timeout and deadline is now at most
:data:`~flowtop.engine.delays.MAX_SECONDS` (365 days), refused where it is written with
the file and key, and a delay that only grows past it when computed fails its task.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from flowtop import Flow, Retry, task
from flowtop.engine import Runner
from flowtop.engine.delays import DelayError, compute_delay, exponential_backoff
from flowtop.engine.policy import RetryPolicy, decide
from flowtop.engine.states import State, StateType

from .conftest import flowtop

MAX_SECONDS = 365 * 24 * 3600.0  # the README's maximum
TOO_LONG = r"must be at most 365 days \(31,536,000 seconds\)"


@pytest.fixture
def runner() -> Iterator[Runner]:
    runner = Runner(2, rng=lambda: 0.5)
    yield runner
    runner.shutdown(wait=False)


def run_one(runner: Runner, t: Any) -> State:
    flow = Flow(f"flow-{t.name}")
    flow.add_task(t)
    return runner.start(flow).result(timeout=10)[t.name]


@pytest.mark.parametrize(
    ("options", "what"),
    [
        ({"retry_delay": 1e300}, "retry_delay"),
        ({"retry_delay": timedelta(days=400)}, "retry_delay"),
        ({"retry_delay": [1, 1e300]}, r"retry_delay\[1\]"),
        ({"retry_delay": exponential_backoff(base=1)}, None),  # a cap is not required
        ({"timeout": 1e300}, "timeout"),
        ({"retry_deadline": 10**20}, "retry_deadline"),
    ],
)
def test_task_refuses_a_duration_past_a_year(options: dict[str, Any], what: str | None) -> None:
    if what is None:
        task(max_retries=1, **options)(lambda: None)
        return
    with pytest.raises(ValueError, match=rf"task 'job': {what} {TOO_LONG}"):

        @task(max_retries=1, **options)
        def job() -> None: ...


def test_a_year_itself_is_accepted() -> None:
    @task(max_retries=1, retry_delay=MAX_SECONDS, timeout=timedelta(days=365))
    def job() -> None: ...

    assert job.policy.retry_delay == MAX_SECONDS


def test_a_backoff_refuses_a_base_or_cap_past_a_year() -> None:
    with pytest.raises(ValueError, match=rf"exponential_backoff\(base=\) {TOO_LONG}"):
        exponential_backoff(base=1e300)
    with pytest.raises(ValueError, match=rf"exponential_backoff\(max_delay=\) {TOO_LONG}"):
        exponential_backoff(max_delay=1e300)


def test_a_task_called_outside_a_flow_with_a_huge_timeout_is_refused_not_overflowed() -> None:
    """Its attempt thread was joined with the timeout: ``OverflowError`` at the call."""
    with pytest.raises(ValueError, match=rf"timeout {TOO_LONG}"):
        task(timeout=1e300)(lambda: 1)


def test_a_flow_timeout_past_a_year_is_refused_as_a_task_s_is() -> None:
    from flowtop import flow

    with pytest.raises(ValueError, match=rf"timeout_seconds {TOO_LONG}"):
        flow(timeout_seconds=1e300)(lambda: 1)
    assert flow(timeout_seconds=MAX_SECONDS)(lambda: 1) is not None


def test_retry_with_a_huge_delay_fails_the_task_instead_of_waiting(runner: Runner) -> None:
    @task(max_retries=1)
    def job() -> None:
        raise Retry("later", delay=1e300)  # Retry checks finiteness only

    state = run_one(runner, job)
    assert state.type is StateType.FAILED and isinstance(state.exception, DelayError)
    assert str(state.exception) == (
        "Retry(delay=) must be at most 365 days (31,536,000 seconds), got 1e+300"
    )


def huge(attempt: int) -> float:
    return 1e300


def test_a_delay_callable_returning_a_huge_number_fails_the_task(runner: Runner) -> None:
    @task(max_retries=1, retry_delay=huge)
    def job() -> None:
        raise ConnectionError("down")

    state = run_one(runner, job)
    assert state.type is StateType.FAILED and isinstance(state.exception, DelayError)
    assert f"retry_delay huge(1) {TOO_LONG.replace(chr(92), '')}" in str(state.exception)


def test_an_uncapped_backoff_past_a_year_fails_instead_of_waiting_it() -> None:
    policy = RetryPolicy(max_retries=40, retry_delay=exponential_backoff(base=1))
    waited = decide(policy, State(StateType.FAILED, None, ValueError("x"), 25))
    assert waited.retry and waited.delay is not None and waited.delay.seconds == 2.0**24
    refused = decide(policy, State(StateType.FAILED, None, ValueError("x"), 26))
    assert not refused.retry and refused.final is StateType.FAILED
    assert isinstance(refused.error, DelayError)
    assert str(refused.error) == (
        "the delay before retry 26 would be 3.35544e+07 s (backoff 1s×2^(n-1) → 388d): "
        "a delay must be at most 365 days (31,536,000 seconds) (set max_delay to cap a backoff)"
        "; the attempt raised ValueError: x"
    )
    # the formula itself is untouched: Prefect's list of 50 delays is still its list
    assert compute_delay(policy.retry_delay, 26).seconds == 2.0**25


def test_jitter_past_a_year_fails_the_task() -> None:
    failed = State(StateType.FAILED, None, ValueError("x"), 1)
    for policy in (
        RetryPolicy(max_retries=2, retry_delay=3600.0, retry_jitter=1e9),
        RetryPolicy(max_retries=2, retry_delay=MAX_SECONDS, retry_jitter_factor=1.0),
    ):
        decision = decide(policy, failed, rng=lambda: 0.999)
        assert not decision.retry and decision.final is StateType.FAILED
        assert isinstance(decision.error, DelayError)
        assert "must be at most 365 days" in str(decision.error)


def test_a_retry_deadline_still_says_it_would_pass_first() -> None:
    policy = RetryPolicy(max_retries=40, retry_delay=exponential_backoff(), retry_deadline=60.0)
    decision = decide(policy, State(StateType.FAILED, None, ValueError("x"), 30))
    assert decision.reason.endswith("retry_deadline 1m00s would pass")


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        (
            "flowtop.toml",
            "[defaults]\nretry_delay = 1e300\n",
            "flowtop.toml:2: [defaults]: retry_delay must be at most 365 days "
            "(31,536,000 seconds), got float 1e+300",
        ),
        (
            "flowtop.toml",
            '[flows."big".tasks."boom"]\ntimeout = 1e10\n',
            'flowtop.toml:2: [flows."big".tasks."boom"]: timeout must be at most 365 days '
            "(31,536,000 seconds), got float 10000000000.0",
        ),
        (
            "flowtop.toml",
            '[flows."big".tasks."boom"]\nretry_delay = { base = 1, max_delay = 1e300 }\n',
            'flowtop.toml:2: [flows."big".tasks."boom"]: retry_delay: '
            "exponential_backoff(max_delay=) must be at most 365 days",
        ),
        (
            ".flowtop/overrides.toml",
            '[flows."big".tasks."boom"]\nretry_delay = [1, 1e300]\n',
            'overrides.toml:2: [flows."big".tasks."boom"]: retry_delay[1] must be at most '
            "365 days (31,536,000 seconds), got float 1e+300",
        ),
    ],
)
def test_settings_refuse_a_delay_past_a_year_naming_file_and_key(
    tmp_path: Path, file: str, text: str, expected: str
) -> None:
    (tmp_path / "big.py").write_text(
        "from flowtop import Flow, task\n\n"
        "@task(max_retries=1, retry_delay=0.01)\n"
        "def boom():\n    raise ValueError('x')\n\n"
        'with Flow("big") as flow:\n    boom()\n'
    )
    target = tmp_path / file
    target.parent.mkdir(mode=0o700, exist_ok=True)
    target.write_text(text)
    for command in (("run", "big.py", "--no-history"), ("list", "big.py")):
        done = flowtop(*command, cwd=tmp_path, timeout=20)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert expected in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
