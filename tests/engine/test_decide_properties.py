"""``decide`` against a second, independent reading of SPEC §3, over random policies and outcomes.

The reference model below is written from the spec's text, not from policy.py, so a
rule that drifts in either place shows up as a disagreement with a concrete example.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from flowtop.engine.delays import ExponentialBackoff, exponential_backoff
from flowtop.engine.errors import PredicateError, RetriesExhausted, Retry, TaskTimeout
from flowtop.engine.policy import RetryPolicy, decide
from flowtop.engine.states import State, StateType

EXCEPTIONS = [ConnectionError, TimeoutError, ValueError, KeyError]


def pred_true(state: State) -> bool:
    return True


def pred_false(state: State) -> bool:
    return False


def pred_bad_result(state: State) -> bool:
    return state.result == "bad"


def pred_raises(state: State) -> bool:
    raise RuntimeError("boom")


def pred_exits(state: State) -> bool:
    raise SystemExit(3)  # a BaseException: fails the task like any other predicate bug


PREDICATES = [None, pred_true, pred_false, pred_bad_result, pred_raises, pred_exits]

delays = st.one_of(
    st.floats(0, 100, allow_nan=False),
    st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=4).map(tuple),
    st.builds(
        exponential_backoff,
        base=st.floats(0, 10, allow_nan=False),
        factor=st.floats(1, 4, allow_nan=False),
        max_delay=st.none() | st.floats(0, 60, allow_nan=False),
    ),
)

policies = st.builds(
    RetryPolicy,
    max_retries=st.none() | st.integers(0, 4),
    retry_delay=delays,
    retry_on=st.none() | st.lists(st.sampled_from(EXCEPTIONS), max_size=3, unique=True).map(tuple),
    retry_predicate=st.sampled_from(PREDICATES),
    retry_jitter=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
    retry_deadline=st.none() | st.floats(0, 200, allow_nan=False),
    default_max_retries=st.integers(0, 4),
)

errors = st.one_of(
    st.sampled_from(EXCEPTIONS).map(lambda t: t("e")),
    st.builds(lambda: TaskTimeout("late")),
    st.builds(lambda: KeyboardInterrupt()),
    st.builds(lambda: SystemExit(3)),
    st.builds(lambda d: Retry("again", delay=d), st.none() | st.floats(0, 50, allow_nan=False)),
)

outcomes = st.builds(
    lambda failed, exc, result, attempt: State(
        StateType.FAILED if failed else StateType.COMPLETED,
        exc if failed else result,
        exc if failed else None,
        attempt,
        task="t",
    ),
    st.booleans(),
    errors,
    st.sampled_from(["ok", "bad", None]),
    st.integers(1, 7),
)


@dataclass
class Expected:
    retry: bool
    final: StateType | None
    error_type: type[BaseException] | None = None
    delay: float | None = None  # exact when known


def base_delay(spec: object, n: int) -> float:
    """The delay before retry n straight from SPEC §2's list of forms."""
    if isinstance(spec, tuple):
        return spec[min(n, len(spec)) - 1]
    if isinstance(spec, ExponentialBackoff):
        d = spec.base * spec.factor ** (n - 1)
        return d if spec.max_delay is None else min(d, spec.max_delay)
    return float(spec)  # type: ignore[arg-type]


def reference(policy: RetryPolicy, s: State, elapsed: float, u: float) -> Expected:
    """SPEC §3, sentence by sentence."""
    failed = s.type is StateType.FAILED
    e = s.exception
    if failed and not isinstance(e, Exception):
        return Expected(False, StateType.FAILED, type(e))  # BaseExceptions are never retried
    override = None
    if isinstance(e, Retry):  # rule 1
        eligible, override = True, e.delay
    elif policy.retry_predicate is not None:  # rule 2
        try:
            eligible = bool(policy.retry_predicate(s))
        except BaseException:  # noqa: BLE001 - the model of decide: any predicate error fails
            return Expected(False, StateType.FAILED, PredicateError)
        if failed and policy.retry_on is not None and not isinstance(e, policy.retry_on):
            eligible = False
    elif failed:  # rule 3
        eligible = (
            isinstance(e, policy.retry_on)
            if policy.retry_on is not None
            else policy.max_retries is not None
        )
    else:  # rule 4
        eligible = False
    if not eligible:
        if failed:
            return Expected(False, StateType.FAILED, type(e))
        return Expected(False, StateType.COMPLETED)
    budget = policy.max_retries if policy.max_retries is not None else policy.default_max_retries
    exhausted_error = type(e) if failed else RetriesExhausted
    if not s.attempt - 1 < budget:
        return Expected(False, StateType.FAILED, exhausted_error)
    if override is not None:
        delay = override
    else:
        delay = base_delay(policy.retry_delay, s.attempt) * (1 + policy.retry_jitter * u)
    if policy.retry_deadline is not None and elapsed + delay > policy.retry_deadline:
        return Expected(False, StateType.FAILED, exhausted_error)
    return Expected(True, None, None, delay)


@settings(max_examples=400, deadline=None)
@given(policies, outcomes, st.floats(0, 100, allow_nan=False), st.floats(0, 1, exclude_max=True))
def test_decide_agrees_with_the_reference_model(
    policy: RetryPolicy, outcome: State, elapsed: float, u: float
) -> None:
    expected = reference(policy, outcome, elapsed, u)
    decision = decide(policy, outcome, elapsed=elapsed, rng=lambda: u)
    assert decision.retry == expected.retry, decision.reason
    assert decision.final is expected.final, decision.reason
    if expected.error_type is None:
        assert decision.retry or decision.error is None
    else:
        assert type(decision.error) is expected.error_type, decision.reason
    if expected.retry:
        assert decision.delay is not None
        assert abs(decision.delay.seconds - expected.delay) <= 1e-9 * max(1.0, expected.delay)  # type: ignore[operator]


@settings(max_examples=300, deadline=None)
@given(policies, outcomes, st.floats(0, 1, exclude_max=True))
def test_delay_is_non_negative_and_within_the_jitter_band(
    policy: RetryPolicy, outcome: State, u: float
) -> None:
    decision = decide(policy, outcome, rng=lambda: u)
    if not decision.retry:
        assert decision.delay is None
        return
    assert decision.delay is not None
    seconds = decision.delay.seconds
    assert 0 <= seconds < float("inf")  # never NaN, never a wait without end
    if isinstance(outcome.exception, Retry) and outcome.exception.delay is not None:
        assert seconds == outcome.exception.delay
    else:
        d = base_delay(policy.retry_delay, outcome.attempt)
        slack = 1e-9 * max(1.0, d)
        assert d - slack <= seconds <= d * (1 + policy.retry_jitter) + slack


@settings(max_examples=300, deadline=None)
@given(policies, outcomes)
def test_never_retries_past_the_budget(policy: RetryPolicy, outcome: State) -> None:
    decision = decide(policy, outcome, rng=lambda: 0.0)
    if decision.retry:
        assert outcome.attempt <= policy.budget
        assert outcome.attempt < policy.max_attempts
    else:
        assert decision.final in (StateType.COMPLETED, StateType.FAILED)
        assert (decision.final is StateType.FAILED) == (decision.error is not None)
