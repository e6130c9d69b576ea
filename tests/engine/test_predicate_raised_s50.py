"""A ``retry_predicate`` that raised while judging a failed attempt hid that attempt's
own error: the task failed with ``PredicateError: retry_predicate <lambda> raised
AttributeError: 'ConnectionError' object has no attribute 'startswith'``, and the
connection error's message and line were nowhere (SPEC: the task fails, saying the
predicate raised; it still does, naming what it was asked about)."""

from __future__ import annotations

import traceback

from flowtop import Flow, task
from flowtop.engine import StateType


def poll() -> str:
    raise ConnectionError("poll endpoint down")


def test_a_predicate_that_raises_on_a_failure_keeps_the_attempt_s_error_in_view() -> None:
    step = task(poll, max_retries=3, retry_predicate=lambda s: s.result.startswith("pending"))
    flow = Flow("pipeline")
    ref = flow.add_call(step, (), {})
    result = flow.run()
    state = result[ref.key]
    assert state.type is StateType.FAILED and state.attempt == 1  # no retry
    said = str(state.exception)
    assert said.startswith("retry_predicate ") and "<lambda> raised AttributeError: " in said
    assert said.endswith(", asked about the attempt's ConnectionError: poll endpoint down")
    shown = "".join(traceback.format_exception(state.exception))
    assert 'raise ConnectionError("poll endpoint down")' in shown  # its line, in the chain


def test_a_predicate_that_raises_on_a_success_says_only_what_it_raised() -> None:
    step = task(lambda: "ok", max_retries=1, retry_predicate=lambda s: s.result.missing)
    flow = Flow("pipeline")
    ref = flow.add_call(step, (), {})
    said = str(flow.run()[ref.key].exception)
    assert said.endswith("<lambda> raised AttributeError: 'str' object has no attribute 'missing'")


def test_errors_without_a_message_are_named_by_their_type_alone() -> None:
    """``KeyError()`` read "raised KeyError: , asked about …" (QA, 2026-12-07)."""

    def judge(state: object) -> bool:
        raise KeyError

    def empty() -> None:
        raise RuntimeError

    step = task(empty, max_retries=1, retry_predicate=judge)
    flow = Flow("pipeline")
    ref = flow.add_call(step, (), {})
    said = str(flow.run()[ref.key].exception)
    assert said.endswith("judge raised KeyError, asked about the attempt's RuntimeError")


def test_a_delay_that_cannot_be_had_keeps_the_attempt_s_error_in_view() -> None:
    """A ``retry_delay`` returning ``inf`` failed the task with the delay's error alone:
    the attempt's ``ConnectionError`` appeared nowhere, not in its traceback either."""
    step = task(poll, max_retries=3, retry_delay=lambda attempt: float("inf"))
    flow = Flow("pipeline")
    ref = flow.add_call(step, (), {})
    state = flow.run()[ref.key]
    assert state.type is StateType.FAILED and state.attempt == 1
    said = str(state.exception)
    assert said.endswith("; the attempt raised ConnectionError: poll endpoint down")
    shown = "".join(traceback.format_exception(state.exception))
    assert shown.index('raise ConnectionError("poll endpoint down")') < shown.index("DelayError")
