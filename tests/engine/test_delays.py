"""Every form ``retry_delay`` accepts (SPEC §2), every bad form refused by name, and ``fmt_seconds``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flowtop import task
from flowtop.engine.delays import (
    DelayError,
    compute_delay,
    exponential_backoff,
    fmt_seconds,
    normalize_delay,
)


def delays(spec: object, attempts: int = 5, **kwargs: object) -> list[float]:
    normalized = normalize_delay(spec)
    return [compute_delay(normalized, n, **kwargs).seconds for n in range(1, attempts + 1)]  # type: ignore[arg-type]


def test_default_is_zero() -> None:
    assert delays(None, 2) == [0.0, 0.0]


def test_timedelta() -> None:
    assert delays(timedelta(minutes=1), 2) == [60.0, 60.0]


@pytest.mark.parametrize("spec", [-0.0, [-0.0], lambda attempt: -0.0, timedelta(seconds=-0.0)])
def test_minus_zero_is_a_plain_zero(spec: object) -> None:
    """``retry_delay=-0.0`` was taken and said ``-0s`` in `flowtop list` and --json."""
    assert [fmt_seconds(seconds) for seconds in delays(spec, 2)] == ["0s", "0s"]


def test_a_negative_timedelta_is_named_by_its_seconds() -> None:
    """It read ``got datetime.timedelta(days=-1, seconds=86399)`` for -1 s."""
    with pytest.raises(ValueError, match=r"must not be negative, got timedelta\(seconds=-1\)$"):
        task(lambda: None, max_retries=1, retry_delay=timedelta(seconds=-1))


@pytest.mark.parametrize("spec", [3, 3.0])
def test_int_and_float_seconds(spec: float) -> None:
    assert delays(spec, 3) == [3.0, 3.0, 3.0]


def test_list_one_per_retry_last_repeats() -> None:
    assert delays([1, 2.5, timedelta(seconds=10)], 5) == [1.0, 2.5, 10.0, 10.0, 10.0]


def test_tuple_works_like_a_list() -> None:
    assert delays((4, 8), 3) == [4.0, 8.0, 8.0]


def test_callable_gets_the_attempt_number() -> None:
    assert delays(lambda n: n * 10, 3) == [10.0, 20.0, 30.0]


def test_callable_may_return_a_timedelta() -> None:
    assert delays(lambda n: timedelta(seconds=n), 2) == [1.0, 2.0]


def test_exponential_backoff_doubles_by_default() -> None:
    assert delays(exponential_backoff(), 4) == [1.0, 2.0, 4.0, 8.0]


def test_exponential_backoff_with_base_factor_and_cap() -> None:
    assert delays(exponential_backoff(base=0.5, factor=3, max_delay=5), 4) == [0.5, 1.5, 4.5, 5.0]


def test_backoff_accepts_timedeltas() -> None:
    backoff = exponential_backoff(base=timedelta(seconds=2), max_delay=timedelta(seconds=3))
    assert delays(backoff, 3) == [2.0, 3.0, 3.0]


def test_backoff_never_overflows() -> None:
    backoff = exponential_backoff(max_delay=60)
    assert compute_delay(backoff, 100_000).seconds == 60.0
    assert exponential_backoff()(100_000) == float("inf")


# -- Prefect 3's exponential_backoff(backoff_factor) (issue 14) ----------------------------
def test_prefect_s_backoff_returns_its_list_of_delays() -> None:
    from flowtop.tasks import exponential_backoff as prefect_backoff

    # Prefect: [backoff_factor * 2**i for i in range(min(retries, 50))]
    assert prefect_backoff(10)(3) == [10.0, 20.0, 40.0]
    assert prefect_backoff(backoff_factor=0.5)(0) == []
    assert len(prefect_backoff(1)(80)) == 50
    assert exponential_backoff(backoff_factor=10)(4) == [10.0, 20.0, 40.0, 80.0]


def test_prefect_s_backoff_as_a_task_s_retry_delay_waits_as_its_list_says() -> None:
    from flowtop.tasks import exponential_backoff as prefect_backoff

    listed = prefect_backoff(10)(50)
    assert delays(exponential_backoff(backoff_factor=10), 50) == listed
    # past the 50th retry, Prefect keeps using the last delay of its list
    assert compute_delay(normalize_delay(prefect_backoff(10)), 60).seconds == listed[-1]

    @task(retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=10))
    def fetch() -> None: ...

    policy = fetch.policy
    assert [compute_delay(policy.retry_delay, n).seconds for n in (1, 2, 3)] == [10.0, 20.0, 40.0]
    assert policy.describe()["retry_delay"] == ("backoff 10s×2^(n-1) (Prefect's)", "task")


def test_prefect_s_backoff_is_checked_and_not_mixed_with_flowtop_s_form() -> None:
    with pytest.raises(
        ValueError, match=r"exponential_backoff\(backoff_factor=\) must be a finite"
    ):
        exponential_backoff(backoff_factor=float("nan"))
    with pytest.raises(
        ValueError, match=r"backoff_factor=\) must be a finite number of seconds >= 0"
    ):
        exponential_backoff(backoff_factor=-1)
    with pytest.raises(TypeError, match="backoff_factor= is Prefect's form"):
        exponential_backoff(2, backoff_factor=10)


def test_backoff_explains_the_cap() -> None:
    breakdown = compute_delay(exponential_backoff(1, 2, max_delay=5), 4)
    assert breakdown.base == 8.0 and breakdown.capped_at == 5.0 and breakdown.seconds == 5.0
    assert "capped at 5s" in breakdown.explain()


def every_other_second(n: int) -> float:
    return 2.0 * n


@pytest.mark.parametrize(
    ("spec", "override", "says"),
    [
        (0.5, None, "retry_delay=0.5s"),  # no arrow: nothing was computed
        ((1, 5, 10), None, "retry_delay[1] → 5s"),
        (every_other_second, None, "retry_delay every_other_second(2) → 4s"),
        (exponential_backoff(1), None, "backoff 1s×2^(n-1) → 2s"),
        (99.0, 0.8, "the task raised Retry(delay=0.8s)"),  # not the policy's wait
    ],
)
def test_each_kind_of_delay_says_where_its_wait_came_from(
    spec: object, override: float | None, says: str
) -> None:
    assert compute_delay(spec, 2, override=override).explain() == says  # type: ignore[arg-type]


def test_jitter_scales_the_delay_within_its_band() -> None:
    assert compute_delay(10.0, 1, jitter=0.5, rng=lambda: 0.0).seconds == 10.0
    assert compute_delay(10.0, 1, jitter=0.5, rng=lambda: 1.0).seconds == 15.0
    assert "jitter +25%" in compute_delay(10.0, 1, jitter=0.5, rng=lambda: 0.5).explain()
    # under 1%: not "+0%", which reads as no jitter at all
    assert "jitter +0.2% = 10s" in compute_delay(10.0, 1, jitter=0.5, rng=lambda: 0.004).explain()


@pytest.mark.parametrize(
    ("spec", "jitter", "says"),
    [
        (
            10.0,
            1e308,
            "retry_jitter=1e+308 would make the 10 s delay before retry 1 infinite: "
            "a delay must be a finite number of seconds; lower retry_jitter",
        ),
        (
            3600.0,
            1e9,
            "retry_jitter=1e+09 would make the 3600 s delay before retry 1 9e+11 s: "
            "a delay must be at most 365 days (31,536,000 seconds); lower retry_jitter",
        ),
        (
            31536000.0,
            0.5,
            "retry_jitter=0.5 would make the 31,536,000 s delay before retry 1 35,478,000 s: "
            "a delay must be at most 365 days (31,536,000 seconds); lower retry_jitter",
        ),
        (
            [1, 2],
            1e308,
            "retry_jitter=1e+308 would make the 1 s delay before retry 1 2.5e+307 s: "
            "a delay must be at most 365 days (31,536,000 seconds); lower retry_jitter",
        ),
    ],
)
def test_jitter_that_makes_a_delay_unusable_is_named_with_plain_numbers(
    spec: object, jitter: float, says: str
) -> None:
    """It said "retry_delay fixed gave a delay of inf s", or, past the cap, the delay in
    hours and minutes: hundreds of digits."""
    with pytest.raises(DelayError) as refused:
        compute_delay(normalize_delay(spec), 1, jitter=jitter, rng=lambda: 0.25)
    assert str(refused.value) == says


def test_override_ignores_spec_and_jitter() -> None:
    breakdown = compute_delay(99.0, 1, jitter=1.0, override=2.0, rng=lambda: 0.9)
    assert breakdown.seconds == 2.0 and breakdown.source == "Retry(delay=)"


@pytest.mark.parametrize(
    ("spec", "error", "named"),
    [
        (-1, ValueError, "retry_delay"),
        (-0.5, ValueError, "retry_delay"),
        (timedelta(seconds=-3), ValueError, "retry_delay"),
        (float("nan"), ValueError, "retry_delay"),
        ("5", TypeError, "retry_delay"),
        (True, TypeError, "retry_delay"),
        ({"a": 1}, TypeError, "retry_delay"),
        ([], ValueError, "retry_delay"),
        ([1, -2], ValueError, r"retry_delay\[1\]"),
        ([1, "x"], TypeError, r"retry_delay\[1\]"),
    ],
)
def test_bad_delays_are_refused_at_definition_naming_task_and_option(
    spec: object, error: type, named: str
) -> None:
    with pytest.raises(error, match=rf"task 'fetch'.*{named}"):

        @task(retry_delay=spec)
        def fetch() -> None: ...


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"base": -1}, "base"),
        ({"factor": 0.5}, "factor"),
        ({"factor": "2"}, "factor"),
        ({"max_delay": -1}, "max_delay"),
    ],
)
def test_bad_backoff_is_refused_naming_the_argument(kwargs: dict, named: str) -> None:
    with pytest.raises((TypeError, ValueError), match=rf"exponential_backoff\({named}="):
        exponential_backoff(**kwargs)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (0.5, "0.5s"),
        (1.25, "1.25s"),
        (9.5, "9.5s"),
        (12, "12s"),
        (59.4, "59s"),
        (60, "1m00s"),
        (185, "3m05s"),
        (3600, "1h00m"),
        (3720, "1h02m"),
        (float("inf"), "∞"),
    ],
)
def test_fmt_seconds(seconds: float, text: str) -> None:
    assert fmt_seconds(seconds) == text
