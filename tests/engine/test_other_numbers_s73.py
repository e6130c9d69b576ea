"""Retry options given another library's numbers (NumPy's ``int64``, read from a pandas
frame or a config) are taken as Python's, as a ``float64`` (a ``float``) always was:
``max_retries=np.int64(1)`` was refused, "must be an int, got int64".

``Int64`` below stands in for NumPy's integer types: a ``numbers.Integral`` that is not an
``int`` (NumPy registers its own so), without needing NumPy here.
"""

from __future__ import annotations

import numbers
from fractions import Fraction

import pytest

from flowtop import Flow, flow, task
from flowtop.engine.states import StateType


class Int64:
    def __init__(self, value: int) -> None:
        self.value = value

    def __int__(self) -> int:
        return self.value

    def __index__(self) -> int:
        return self.value


numbers.Integral.register(Int64)


def test_retry_options_take_integral_and_real_numbers_of_other_types() -> None:
    calls: list[int] = []

    @task(max_retries=Int64(2), retry_delay=[Int64(0), Fraction(1, 100)], timeout=Int64(30))
    def flaky() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("not yet")
        return len(calls)

    assert flaky.policy.max_retries == 2
    assert flaky.policy.retry_delay == (0.0, 0.01)
    assert flaky.policy.timeout == 30.0
    with Flow("other-numbers-s73") as made:
        flaky()
    result = made.run()
    assert result["flaky"].type is StateType.COMPLETED
    assert len(calls) == 3


def test_a_flow_s_retries_and_prefect_spellings_take_them_too() -> None:
    @flow(retries=Int64(1))
    def body() -> None:
        pass

    assert body.retries == 1

    @task(
        retries=Int64(3),
        retry_delay_seconds=(Int64(1), Int64(2)),
        retry_jitter_factor=Fraction(1, 2),
    )
    def spelled() -> None:
        pass

    assert spelled.policy.max_retries == 3


def test_a_flow_s_timeout_and_delay_take_them_too() -> None:
    @flow(timeout_seconds=Int64(10), retries=1, retry_delay_seconds=Fraction(1, 2))
    def timed() -> None:
        pass

    assert (timed.timeout, timed.retry_delay) == (10.0, 0.5)
    copy = timed.with_options(timeout_seconds=Int64(5), retry_delay_seconds=Int64(2))
    assert (copy.timeout, copy.retry_delay) == (5.0, 2.0)


def test_a_count_given_a_fraction_is_refused_as_what_it_is() -> None:
    """Not "retries must be an int, got float 2.0": no float was written."""
    with pytest.raises(TypeError, match=r"retries must be an int, got Fraction Fraction\(2, 1\)"):
        task(retries=Fraction(2, 1))(lambda: None)
    with pytest.raises(TypeError, match=r"retries must be an int, got Fraction"):
        flow(retries=Fraction(2, 1))(lambda: None)


def test_out_of_range_other_numbers_are_refused_in_plain_words() -> None:
    with pytest.raises(ValueError, match=r"max_retries must be an int >= 0, got -1$"):
        task(max_retries=Int64(-1))(lambda: None)
