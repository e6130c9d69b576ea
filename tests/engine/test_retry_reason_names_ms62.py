"""A retry reason names ``retry_on``'s classes as the settings file wrote them (ms62).

``retry_on_match`` said the bare class name (``Sub matches retry_on (Inner)``) where
``summary``/``describe`` already said ``retry_on_written`` (``Outer.Inner``, or the
file's ``errors.Outer.Inner``); ``flowtop run`` still drops the clause that said yes.
"""

from __future__ import annotations

from flowtop.commands.printers import _why_not_retried
from flowtop.engine.layers import Layer
from flowtop.engine.policy import RetryPolicy, decide
from flowtop.engine.states import State, StateType


class Outer:
    class Inner(Exception):
        pass


class Sub(Outer.Inner):
    pass


def failed(exc: BaseException) -> State:
    return State(StateType.FAILED, exc, exc, 1, task="t")


def test_a_subclass_s_match_names_the_listed_class_as_written() -> None:
    policy = RetryPolicy(max_retries=1, retry_on=(Outer.Inner,))
    assert decide(policy, failed(Sub("x"))).reason == "Sub matches retry_on (Outer.Inner)"
    named = policy.with_values(
        Layer.OVERRIDES, retry_on=(Outer.Inner,), retry_on_names=("errs.Outer.Inner",)
    )
    assert decide(named, failed(Sub("x"))).reason == "Sub matches retry_on (errs.Outer.Inner)"
    said = decide(named, failed(Outer.Inner("x"))).reason
    assert said == "errs.Outer.Inner is in retry_on"


def test_flowtop_run_still_drops_a_dotted_yes() -> None:
    reason = "Sub matches retry_on (errs.Outer.Inner); retry_deadline 1s would pass"
    assert _why_not_retried(reason) == "retry_deadline 1s would pass"
    reason = "errs.Outer.Inner is in retry_on; retry_deadline 1s would pass"
    assert _why_not_retried(reason) == "retry_deadline 1s would pass"
