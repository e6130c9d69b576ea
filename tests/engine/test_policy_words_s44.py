"""The retry policy says what it does (review s44): every view words a policy from
``RetryPolicy.describe``/``summary`` and every reason from ``decide``, so each misstatement
is pinned here rule by rule, then once end to end where the words reach a user.

- An empty ``retry_on`` (retry no exception) read ``unset`` (``if self.retry_on``).
- Jitter, which only lengthens a delay, read ``±50%``.
- A budget no ``max_retries`` set read ``max_retries=3 (retries=3)``.
- ``@flow(retries=None)``, Prefect 3's default, was refused.
- A ``retry_condition_fn`` raising ``SystemExit`` failed its task with flowtop's error.
- A truthy non-bool predicate answer read ``returned True``; a subclass ``is in retry_on``;
  a mistyped ``retry_delay`` read ``Invalid retry_delay must be…``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowtop import Flow, Retry, flow, task
from flowtop.commands.printers import _why_not_retried
from flowtop.engine.errors import RetriesExhausted, TaskTimeout
from flowtop.engine.events import TaskStateChanged
from flowtop.engine.layers import Layer
from flowtop.engine.policy import RetryPolicy, decide
from flowtop.engine.runner import Runner
from flowtop.engine.states import State, StateType
from flowtop.workspace.flow_shapes import placeholders
from flowtop.workspace.workspace import Workspace


def failed(exc: BaseException, attempt: int = 1) -> State:
    return State(StateType.FAILED, exc, exc, attempt, task="t")


def completed(result: object, attempt: int = 1) -> State:
    return State(StateType.COMPLETED, result, None, attempt, task="t")


def final_messages(flow_: Flow) -> dict[str, str]:
    """Each task's FAILED event message, as the detail pane, history and --json read it."""
    seen: list[object] = []
    with Runner(sinks=[seen.extend]) as runner:
        runner.run(flow_)
    return {
        e.task: e.message
        for e in seen
        if isinstance(e, TaskStateChanged) and e.state is StateType.FAILED
    }


# -- 1. an empty retry_on is "none", not "unset" -----------------------------------------


def test_an_empty_retry_on_is_described_as_none_and_an_absent_one_as_unset() -> None:
    empty = RetryPolicy(max_retries=2).with_values(Layer.TASK, retry_on=())
    assert empty.describe()["retry_on"] == ("none: only Retry retries", Layer.TASK)
    assert RetryPolicy(max_retries=2).describe()["retry_on"][0] == "unset"


def test_an_empty_retry_on_retries_on_retry_only_whatever_max_retries_says() -> None:
    policy = RetryPolicy(max_retries=2, retry_on=())
    assert policy.retry_only
    assert policy.summary() == "2× on Retry only 0s"  # the TRY column then reads 1/1 (+2)
    assert decide(policy, failed(Retry())).retry  # rule 1 still holds


def test_an_empty_retry_on_beside_a_predicate_still_says_no_exception_is_retried() -> None:
    policy = RetryPolicy(retry_on=(), retry_predicate=lambda s: True)
    assert not policy.retry_only  # the predicate may retry a completed attempt
    assert policy.summary() == "3× 0s on no exception if predicate"
    assert policy.describe()["retry_on"][0] == "none: a failure retries only on Retry"


def test_a_failure_against_an_empty_retry_on_says_the_list_is_empty() -> None:
    decision = decide(RetryPolicy(max_retries=2, retry_on=()), failed(ConnectionError("x")))
    assert not decision.retry
    assert decision.reason == "retry_on is empty (only Retry retries)"


def test_retry_on_emptied_in_flowtop_toml_is_none_in_list_and_the_retry_editor(
    tmp_path: Path,
) -> None:
    (tmp_path / "s.py").write_text(
        "from flowtop import Flow, task\n\n"
        "@task(max_retries=2)\ndef t():\n    raise ConnectionError('down')\n\n"
        'with Flow("s") as s:\n    t()\n',
        encoding="utf-8",
    )
    (tmp_path / "flowtop.toml").write_text('[flows."s".tasks."t"]\nretry_on = []\n')
    with Workspace(tmp_path) as workspace:
        workspace.load()
        assert not workspace.errors, workspace.errors
        flow_ = workspace.flows["s"]
        policy = workspace.policy_for(flow_, flow_.nodes["t"])
    assert policy.describe()["retry_on"] == ("none: only Retry retries", Layer.TOML)
    assert placeholders(policy)["retry_on"] == "none: only Retry retries from flowtop.toml"


# -- 2. jitter only lengthens a delay ------------------------------------------------------


def test_jitter_is_summarised_as_up_to_so_much_longer() -> None:
    policy = RetryPolicy(max_retries=2, retry_delay=(1.0, 2.0), retry_jitter=0.5)
    assert policy.summary() == "2× [1s, 2s] +0–50%"


# -- 3. the budget says whether max_retries set it -----------------------------------------


def test_no_retries_left_with_max_retries_unset_says_the_budget_and_its_layer() -> None:
    decision = decide(RetryPolicy(), failed(Retry("again"), attempt=4))
    assert decision.final is StateType.FAILED
    assert decision.reason == (
        "task raised Retry; no retries left: max_retries unset (budget 3, Retry only) [builtin]"
    )


def test_no_retries_left_names_a_budget_from_defaults_as_flowtop_list_does() -> None:
    policy = RetryPolicy().with_values(Layer.DEFAULTS, default_max_retries=2)
    decision = decide(policy, failed(Retry("again"), attempt=3))
    listed, layer = policy.describe()["max_retries"]
    assert (listed, layer) == ("unset (budget 2, Retry only)", Layer.DEFAULTS)
    assert decision.reason.endswith(f"no retries left: max_retries {listed} [defaults]")


def test_no_retries_left_with_max_retries_set_quotes_it() -> None:
    """(It said both spellings, ``max_retries=2 (retries=2)``: test_budget_words_s59.)"""
    decision = decide(RetryPolicy(max_retries=2), failed(ValueError("x"), attempt=3))
    assert decision.reason == "no retries left: max_retries=2"


def test_a_predicate_exhausting_an_unset_budget_does_not_claim_max_retries() -> None:
    policy = RetryPolicy(retry_predicate=lambda s: True)
    decision = decide(policy, completed("bad", attempt=4))
    assert isinstance(decision.error, RetriesExhausted)
    assert "no retries left: max_retries unset (budget 3) [builtin]" in str(decision.error)
    assert "max_retries=3" not in str(decision.error)


def test_a_plain_retry_task_ends_saying_its_unset_budget() -> None:
    @task
    def plain() -> None:
        raise Retry("again")

    with Flow("s") as f:
        plain()
    assert final_messages(f)["plain"] == (
        "task raised Retry; no retries left: max_retries unset (budget 3, Retry only) [builtin]"
    )


# -- 4. @flow(retries=None) is Prefect 3's "not set" ---------------------------------------


def test_flow_retries_none_is_accepted_as_no_retries() -> None:
    calls: list[int] = []

    @flow(retries=None)
    def body() -> int:
        calls.append(1)
        raise ValueError("once")

    assert body.retries == 0
    with pytest.raises(ValueError, match="once"):
        body()
    assert calls == [1]
    with pytest.raises(ValueError, match="retries must be an int >= 0, got -1"):
        flow(lambda: None, retries=-1)


# -- 5. a condition raising a BaseException: no retry, the task's own error ---------------


def exits(task_: Any, task_run: Any, state: Any) -> bool:
    sys.exit(4)


def interrupts(task_: Any, task_run: Any, state: Any) -> bool:
    raise KeyboardInterrupt


def cancels(task_: Any, task_run: Any, state: Any) -> bool:
    raise asyncio.CancelledError("its own")


class Unprintable(BaseException):
    def __str__(self) -> str:
        raise RuntimeError("no str")


def unprintable(state: State) -> bool:
    raise Unprintable


@pytest.mark.parametrize(
    ("condition", "said"),
    [
        (exits, "exits raised SystemExit: 4"),
        (interrupts, "interrupts raised KeyboardInterrupt"),
        (cancels, "cancels raised CancelledError: its own"),
    ],
)
def test_a_condition_raising_a_base_exception_means_no_retry_with_the_task_s_error(
    condition: Callable[..., bool], said: str
) -> None:
    @task(retries=2, retry_condition_fn=condition)
    def t() -> None:
        raise ValueError("own error")

    decision = decide(t.policy, failed(ValueError("own error")))
    assert not decision.retry and decision.final is StateType.FAILED
    assert isinstance(decision.error, ValueError)
    assert decision.reason == f"retry_condition_fn {said}"


def test_a_condition_whose_error_cannot_be_printed_is_still_reported() -> None:
    decision = decide(
        RetryPolicy(max_retries=1, retry_condition_fn=unprintable), failed(ValueError("own"))
    )
    assert (
        decision.reason
        == "retry_condition_fn unprintable raised Unprintable: <unprintable Unprintable>"
    )


def test_a_run_s_task_whose_condition_exits_fails_with_its_own_error() -> None:
    @task(retries=2, retry_condition_fn=exits)
    def t_exit() -> None:
        raise ValueError("own error")

    with Flow("s") as f:
        t_exit()
    seen: list[object] = []
    with Runner(sinks=[seen.extend]) as runner:
        result = runner.run(f)
    assert isinstance(result["t_exit"].exception, ValueError)
    (end,) = [e for e in seen if isinstance(e, TaskStateChanged) and e.state is StateType.FAILED]
    assert end.message == "retry_condition_fn exits raised SystemExit: 4"
    assert end.error is not None and end.error.type == "ValueError"


# -- 6. reasons say what happened ----------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "said", "retried"),
    [
        (True, "retry_predicate returned True", True),
        (False, "retry_predicate returned False", False),
        ("no", "retry_predicate returned 'no' (true)", True),
        (None, "retry_predicate returned None (false)", False),
        ([], "retry_predicate returned [] (false)", False),
    ],
)
def test_a_predicate_s_answer_is_said_as_returned(answer: object, said: str, retried: bool) -> None:
    decision = decide(RetryPolicy(retry_predicate=lambda s: answer), completed(1))
    assert decision.retry is retried
    assert decision.reason == said


def test_a_predicate_returning_a_big_result_is_said_in_a_few_items() -> None:
    rows = list(range(1_000_000))
    decision = decide(RetryPolicy(retry_predicate=lambda s: s.result), completed(rows))
    assert decision.reason == "retry_predicate returned [0, 1, 2, 3, ...] (true)"


def test_a_predicate_returning_an_object_is_said_by_its_type_not_its_repr() -> None:
    """reprlib builds any other object's whole ``repr`` before cutting it: a frame of 2M
    rows cost 0.3 s a decision. Its type is said instead."""

    class Frame:
        def __repr__(self) -> str:
            raise AssertionError("the whole repr was built")

    decision = decide(RetryPolicy(retry_predicate=lambda s: Frame()), completed(1))
    assert decision.reason == "retry_predicate returned a Frame (true)"


class Sub(ConnectionError):
    pass


def test_a_subclass_matches_retry_on_through_the_type_it_listed() -> None:
    policy = RetryPolicy(max_retries=1, retry_on=(ValueError, ConnectionError))
    assert decide(policy, failed(Sub("x"))).reason == "Sub matches retry_on (ConnectionError)"
    assert decide(policy, failed(ValueError("x"))).reason == "ValueError is in retry_on"
    assert decide(policy, failed(KeyError("x"))).reason == "KeyError is not in retry_on"


def test_a_timeout_matches_retry_on_timeout_error() -> None:
    policy = RetryPolicy(max_retries=1, retry_on=(TimeoutError,))
    decision = decide(policy, failed(TaskTimeout("late")))
    assert decision.retry and decision.reason == "TaskTimeout matches retry_on (TimeoutError)"


def test_a_predicate_s_yes_against_retry_on_names_the_match_or_the_miss() -> None:
    policy = RetryPolicy(max_retries=1, retry_on=(ConnectionError,), retry_predicate=bool)
    assert decide(policy, failed(Sub("x"))).reason == "retry_predicate returned True"
    assert decide(policy, failed(KeyError("x"))).reason == "KeyError is not in retry_on"


@pytest.mark.parametrize(
    ("reason", "why_not"),
    [
        (
            "Sub matches retry_on (ConnectionError); retry_deadline 1s would pass",
            "retry_deadline 1s would pass",
        ),
        (
            "retry_predicate returned 'no' (true); retry_deadline 1s would pass",
            "retry_deadline 1s would pass",
        ),
        ("retry_predicate returned None (false)", "retry_predicate returned None (false)"),
        ("retry_on is empty (only Retry retries)", "retry_on is empty (only Retry retries)"),
    ],
)
def test_flowtop_run_says_only_the_clause_that_stopped_the_retry(reason: str, why_not: str) -> None:
    assert _why_not_retried(reason) == why_not


def test_a_mistyped_retry_delay_reads_as_one_sentence() -> None:
    with pytest.raises(TypeError) as raised:
        task(retry_delay=True)(lambda: None)
    assert str(raised.value).endswith(
        ": Invalid retry_delay: must be seconds (int/float), a timedelta, a list of them"
        " (one per retry), or a callable attempt -> seconds, got bool True"
    )
    with pytest.raises(TypeError, match=r"Invalid retry_delay: retry_delay\[1\] must be seconds"):
        task(retry_delay=[1, "x"])(lambda: None)


def test_a_zero_timeout_says_what_it_got() -> None:
    """It said only "must be greater than 0", where every other option says what it got."""
    with pytest.raises(ValueError, match=r"timeout must be greater than 0, got 0$"):
        task(lambda: 1, name="t", timeout=0)
