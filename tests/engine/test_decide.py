"""SPEC §3 rule by rule against ``decide``: the one function the runner trusts with retries.

Each test pins one sentence of the spec, so a regression names the rule it broke.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from flowtop.engine.delays import exponential_backoff
from flowtop.engine.errors import PredicateError, RetriesExhausted, Retry, TaskTimeout
from flowtop.engine.policy import RetryPolicy, decide
from flowtop.engine.states import State, StateType


def failed(exc: BaseException, attempt: int = 1) -> State:
    return State(StateType.FAILED, exc, exc, attempt, task="t")


def completed(result: object, attempt: int = 1) -> State:
    return State(StateType.COMPLETED, result, None, attempt, task="t")


def is_bad(state: State) -> bool:
    return state.result == "bad"


def always(state: State) -> bool:
    return True


def never(state: State) -> bool:
    return False


def exploding(state: State) -> bool:
    raise ZeroDivisionError("predicate bug")


# -- rule 1: Retry -------------------------------------------------------------------------


def test_retry_is_eligible_without_any_option() -> None:
    decision = decide(RetryPolicy(), failed(Retry("again")))
    assert decision.retry and decision.final is None


def test_retry_beats_a_predicate_that_says_no() -> None:
    decision = decide(RetryPolicy(retry_predicate=never), failed(Retry()))
    assert decision.retry


def test_retry_beats_retry_on_that_does_not_match() -> None:
    decision = decide(RetryPolicy(retry_on=(ConnectionError,)), failed(Retry()))
    assert decision.retry


def test_retry_beats_a_raising_predicate() -> None:
    assert decide(RetryPolicy(retry_predicate=exploding), failed(Retry())).retry


def test_retry_delay_overrides_policy_delay_and_ignores_jitter() -> None:
    policy = RetryPolicy(retry_delay=30.0, retry_jitter=1.0)
    decision = decide(policy, failed(Retry(delay=2.5)), rng=lambda: 0.99)
    assert decision.delay is not None
    assert decision.delay.seconds == 2.5
    assert decision.delay.source == "Retry(delay=)"
    assert decision.delay.jitter == 0.0


def test_retry_delay_accepts_timedelta() -> None:
    decision = decide(RetryPolicy(), failed(Retry(delay=timedelta(minutes=2))))
    assert decision.delay is not None and decision.delay.seconds == 120.0


def test_retry_without_delay_uses_policy_delay() -> None:
    decision = decide(RetryPolicy(retry_delay=7.0), failed(Retry()))
    assert decision.delay is not None and decision.delay.seconds == 7.0


@pytest.mark.parametrize("bad", [-1, "soon", True])
def test_retry_rejects_a_bad_delay(bad: object) -> None:
    with pytest.raises(ValueError, match="Retry"):
        Retry(delay=bad)  # type: ignore[arg-type]


def test_retry_still_bounded_by_budget() -> None:
    policy = RetryPolicy(max_retries=2)
    assert decide(policy, failed(Retry(), attempt=2)).retry
    decision = decide(policy, failed(Retry(), attempt=3))
    assert not decision.retry and decision.final is StateType.FAILED
    assert isinstance(decision.error, Retry)


# -- rule 2: retry_predicate -----------------------------------------------------------------


def test_predicate_retries_a_completed_attempt_by_result() -> None:
    policy = RetryPolicy(retry_predicate=is_bad)
    assert decide(policy, completed("bad")).retry
    decision = decide(policy, completed("good"))
    assert not decision.retry and decision.final is StateType.COMPLETED


def test_predicate_sees_the_state() -> None:
    seen: list[State] = []

    def spy(state: State) -> bool:
        seen.append(state)
        return False

    outcome = completed("r", attempt=2)
    decide(RetryPolicy(retry_predicate=spy), outcome)
    assert seen == [outcome]


def test_predicate_decides_failures_without_retry_on() -> None:
    assert decide(RetryPolicy(retry_predicate=always), failed(KeyError("k"))).retry
    decision = decide(RetryPolicy(retry_predicate=never), failed(KeyError("k")))
    assert not decision.retry and decision.final is StateType.FAILED
    assert isinstance(decision.error, KeyError)


@pytest.mark.parametrize(
    ("options", "retry_only"),
    [
        ({}, True),
        ({"retry_predicate": lambda state: True}, False),
        ({"retry_on": (ValueError,)}, False),
        ({"max_retries": 2}, False),
    ],
)
def test_only_a_policy_without_options_is_described_as_retry_only(
    options: dict[str, object], retry_only: bool
) -> None:
    """A predicate spends the budget too (rule 2): "Retry only" was said of it."""
    policy = RetryPolicy(**options)
    assert policy.retry_only is retry_only
    assert ("on Retry only" in policy.summary()) is retry_only
    assert ("Retry only" in policy.describe()["max_retries"][0]) is retry_only


def test_predicate_no_beats_max_retries() -> None:
    """Rule 2 comes before rule 3: an explicit max_retries does not retry what the predicate refuses."""
    decision = decide(RetryPolicy(retry_predicate=never, max_retries=5), failed(ValueError()))
    assert not decision.retry and decision.final is StateType.FAILED


def test_predicate_with_retry_on_requires_a_match_for_failures() -> None:
    policy = RetryPolicy(retry_predicate=always, retry_on=(ConnectionError,))
    assert decide(policy, failed(ConnectionError())).retry
    decision = decide(policy, failed(ValueError()))
    assert not decision.retry and decision.final is StateType.FAILED
    assert "retry_on" in decision.reason


def test_predicate_with_retry_on_still_judges_completed_attempts() -> None:
    """retry_on filters failures only; a completed attempt has no exception to match."""
    policy = RetryPolicy(retry_predicate=is_bad, retry_on=(ConnectionError,))
    assert decide(policy, completed("bad")).retry


def test_predicate_no_with_matching_retry_on_does_not_retry() -> None:
    policy = RetryPolicy(retry_predicate=never, retry_on=(ConnectionError,))
    assert not decide(policy, failed(ConnectionError())).retry


def test_predicate_raising_fails_with_predicate_error_naming_it() -> None:
    for outcome in (completed("x"), failed(ValueError("v"))):
        decision = decide(RetryPolicy(retry_predicate=exploding, max_retries=3), outcome)
        assert not decision.retry and decision.final is StateType.FAILED
        assert isinstance(decision.error, PredicateError)
        text = str(decision.error)
        assert "exploding" in text and "raised" in text and "ZeroDivisionError" in text
        assert isinstance(decision.error.__cause__, ZeroDivisionError)


def test_predicate_whose_result_has_no_truth_value_fails_clearly() -> None:
    class Ambiguous:
        def __bool__(self) -> bool:
            raise ValueError("truth value is ambiguous")

    decision = decide(RetryPolicy(retry_predicate=lambda s: Ambiguous()), completed(1))
    assert isinstance(decision.error, PredicateError)
    # The predicate answered; the truth test of its answer raised (a numpy array's does):
    # said so, not "the predicate raised", which would send the user to the wrong code.
    said = "returned a value of type Ambiguous whose truth test raised ValueError"
    assert said in str(decision.error)


def test_completed_but_eligible_with_no_budget_is_retries_exhausted_naming_predicate() -> None:
    policy = RetryPolicy(retry_predicate=is_bad, max_retries=2)
    assert decide(policy, completed("bad", attempt=2)).retry
    decision = decide(policy, completed("bad", attempt=3))
    assert not decision.retry and decision.final is StateType.FAILED
    assert isinstance(decision.error, RetriesExhausted)
    assert "is_bad" in str(decision.error)
    assert "'bad'" in str(decision.error)


def test_exhausted_message_survives_a_result_whose_repr_raises() -> None:
    class Nasty:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    policy = RetryPolicy(retry_predicate=always, max_retries=0)
    decision = decide(policy, completed(Nasty()))
    assert "<unrepresentable Nasty" in str(decision.error)


# -- rule 3: plain failures ------------------------------------------------------------------


def test_retry_on_matching_retries() -> None:
    policy = RetryPolicy(retry_on=(ConnectionError, TimeoutError))
    assert decide(policy, failed(ConnectionRefusedError())).retry  # subclasses match
    assert decide(policy, failed(TaskTimeout("late"))).retry  # TaskTimeout is a TimeoutError


def test_retry_on_not_matching_fails_even_with_max_retries() -> None:
    policy = RetryPolicy(retry_on=(ConnectionError,), max_retries=5)
    decision = decide(policy, failed(ValueError("v")))
    assert not decision.retry and decision.final is StateType.FAILED
    assert isinstance(decision.error, ValueError)
    assert "ValueError is not in retry_on" in decision.reason


def test_no_options_only_retry_retries() -> None:
    policy = RetryPolicy()
    for exc in (ValueError(), ConnectionError(), TaskTimeout()):
        decision = decide(policy, failed(exc))
        assert not decision.retry and decision.final is StateType.FAILED
        assert decision.error is exc
    assert decide(policy, failed(Retry())).retry


def test_explicit_max_retries_retries_plain_failures() -> None:
    assert decide(RetryPolicy(max_retries=1), failed(ValueError())).retry


def test_max_retries_zero_disables_retries_even_for_retry() -> None:
    policy = RetryPolicy(max_retries=0)
    for outcome in (failed(ValueError()), failed(Retry())):
        decision = decide(policy, outcome)
        assert not decision.retry and decision.final is StateType.FAILED
    policy = RetryPolicy(max_retries=0, retry_predicate=always)
    assert isinstance(decide(policy, completed(1)).error, RetriesExhausted)


def test_budget_defaults_to_default_max_retries() -> None:
    policy = RetryPolicy(default_max_retries=2)
    assert decide(policy, failed(Retry(), attempt=2)).retry
    assert not decide(policy, failed(Retry(), attempt=3)).retry
    assert RetryPolicy().budget == 3 and RetryPolicy().max_attempts == 4


def test_explicit_max_retries_wins_over_default() -> None:
    policy = RetryPolicy(max_retries=1, default_max_retries=10)
    assert not decide(policy, failed(ValueError(), attempt=2)).retry


def test_default_budget_alone_does_not_make_plain_failures_retry() -> None:
    decision = decide(RetryPolicy(default_max_retries=10), failed(ValueError()))
    assert not decision.retry


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(1), GeneratorExit()])
def test_base_exceptions_are_never_retried(exc: BaseException) -> None:
    policies = [
        RetryPolicy(max_retries=5),
        RetryPolicy(retry_on=(BaseException,)),
        RetryPolicy(retry_predicate=always, max_retries=5),
    ]
    for policy in policies:
        decision = decide(policy, failed(exc))
        assert not decision.retry and decision.final is StateType.FAILED
        assert decision.error is exc


# -- rule 4: a plain completed attempt is final ---------------------------------------------


def test_completed_without_predicate_is_final() -> None:
    decision = decide(RetryPolicy(max_retries=5, retry_on=(Exception,)), completed("x"))
    assert not decision.retry and decision.final is StateType.COMPLETED and decision.error is None


# -- delays and the deadline -----------------------------------------------------------------


def test_delay_follows_the_attempt_number() -> None:
    policy = RetryPolicy(max_retries=5, retry_delay=(1.0, 2.0, 5.0))
    delays = [decide(policy, failed(ValueError(), attempt=n)).delay.seconds for n in range(1, 6)]  # type: ignore[union-attr]
    assert delays == [1.0, 2.0, 5.0, 5.0, 5.0]


def test_jitter_uses_the_injected_rng() -> None:
    policy = RetryPolicy(max_retries=1, retry_delay=10.0, retry_jitter=0.5)
    decision = decide(policy, failed(ValueError()), rng=lambda: 0.4)
    assert decision.delay is not None
    assert decision.delay.seconds == pytest.approx(10.0 * (1 + 0.5 * 0.4))
    assert decision.delay.jitter == pytest.approx(0.2)


def test_both_jitters_are_explained_as_one_from_the_delay_before_either() -> None:
    """``retry_jitter`` and Prefect's ``retry_jitter_factor`` both apply; the explanation
    said only the factor's draw, from the already raised delay: "retry_delay=0.1s, jitter
    -8% = 0.135s", where 0.1 s less 8% is 0.092 s."""
    policy = RetryPolicy(max_retries=1, retry_delay=0.1, retry_jitter=0.5, retry_jitter_factor=0.2)
    decision = decide(policy, failed(ValueError()), rng=lambda: 0.9)
    assert decision.delay is not None
    seconds = decision.delay.seconds
    assert decision.delay.jitter == pytest.approx(seconds / 0.1 - 1)
    percent = f"{(seconds / 0.1 - 1) * 100:+.0f}%"
    assert decision.delay.explain().startswith(f"retry_delay=0.1s, jitter {percent} = ")


def test_backoff_cap_is_applied_before_jitter() -> None:
    policy = RetryPolicy(
        max_retries=9, retry_delay=exponential_backoff(1, 2, max_delay=5), retry_jitter=0.1
    )
    decision = decide(policy, failed(ValueError(), attempt=8), rng=lambda: 1.0)
    assert decision.delay is not None
    assert decision.delay.seconds == pytest.approx(5.5)
    assert decision.delay.capped_at == 5.0
    assert "capped at 5s" in decision.delay.explain()


def test_retry_deadline_stops_a_retry_that_would_start_too_late() -> None:
    policy = RetryPolicy(max_retries=5, retry_delay=3.0, retry_deadline=10.0)
    assert decide(policy, failed(ValueError()), elapsed=6.0).retry
    decision = decide(policy, failed(ValueError("v")), elapsed=8.0)
    assert not decision.retry and decision.final is StateType.FAILED
    assert isinstance(decision.error, ValueError)
    assert "retry_deadline" in decision.reason


def test_retry_deadline_on_completed_attempt_fails_with_retries_exhausted() -> None:
    policy = RetryPolicy(retry_predicate=always, retry_delay=1.0, retry_deadline=0.5)
    decision = decide(policy, completed("x"))
    assert isinstance(decision.error, RetriesExhausted)
    assert "retry_deadline" in str(decision.error)


def test_retry_deadline_applies_to_retry_overrides_too() -> None:
    policy = RetryPolicy(retry_deadline=5.0)
    assert not decide(policy, failed(Retry(delay=10)), elapsed=0.0).retry


def test_a_retry_delay_callable_that_raises_fails_the_task_clearly() -> None:
    """A user's delay function is code too: its bug must fail the task, not crash the runner."""

    def broken(attempt: int) -> float:
        raise RuntimeError("delay bug")

    for delay in (broken, lambda n: -1, lambda n: "soon"):
        decision = decide(RetryPolicy(max_retries=2, retry_delay=delay), failed(ValueError("v")))
        assert not decision.retry and decision.final is StateType.FAILED
        assert "retry_delay" in str(decision.error)


class _OnlyBad:
    """A predicate that is an object, not a function: it has no ``__qualname__``."""

    def __call__(self, state: State) -> bool:
        return state.result == "bad"


def test_a_predicate_object_is_named_by_its_class_not_its_repr() -> None:
    """``flowtop list`` and the budget's message said ``<…_OnlyBad object at 0x7f…>``,
    and the message fell back to the word ``retry_predicate`` for one."""
    policy = RetryPolicy(max_retries=0, retry_predicate=_OnlyBad())
    assert policy.describe()["retry_predicate"][0] == "_OnlyBad"
    decision = decide(policy, completed("bad"))
    assert decision.error is not None
    assert str(decision.error).startswith("retry_predicate _OnlyBad still asked for a retry")


def test_the_predicate_s_last_word_counts_its_attempts_in_good_english() -> None:
    """It read ``after 1 attempts``."""
    policy = RetryPolicy(max_retries=0, retry_predicate=_OnlyBad())
    decision = decide(policy, completed("bad"))
    assert "still asked for a retry after 1 attempt, " in str(decision.error)
