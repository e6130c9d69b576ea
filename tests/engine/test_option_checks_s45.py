"""A task's retry options are refused where the ``@task`` is written, saying what and where.

Before: a ``retry_predicate`` or ``retry_delay`` callable of the wrong shape was accepted
and failed the task only when an attempt ended, naming flowtop's own line
(``policy.py:265 in decide``); ``retry_delay=exponential_backoff`` (the factory) failed the
task with a ``DelayError``; the wrong-type message left out lists and callables;
``@flow(retry_delay_seconds="5")`` said ``retry_delay``; an option on line 8 of a
``@task(`` was said to be on line 4; an empty message printed ``NoInitArgs: `` with two
spaces in ``flowtop run``'s line.
"""

from __future__ import annotations

import io
import runpy
from pathlib import Path
from typing import Any

import pytest

from flowtop import exponential_backoff, flow, task
from flowtop.commands.printers import HumanPrinter, raised_at
from flowtop.engine.delays import DelayError
from flowtop.engine.events import ErrorInfo, TaskStateChanged
from flowtop.engine.policy import decide
from flowtop.engine.records import error_info
from flowtop.engine.states import State, StateType
from flowtop.tasks import exponential_backoff as prefect_exponential_backoff


def _refusal(**options: Any) -> str:
    with pytest.raises(TypeError) as raised:
        task(max_retries=1, **options)(lambda: None)
    return str(raised.value)


def no_arguments() -> bool:
    return True


def two_arguments(state: Any, exc: Any) -> bool:
    return True


def prefect_condition(task: Any, task_run: Any, state: Any) -> bool:
    return True


def keyword_only(*, state: Any) -> bool:
    return True


def test_a_retry_predicate_that_cannot_take_the_state_is_refused_at_definition() -> None:
    said = _refusal(retry_predicate=no_arguments)
    assert said == (
        "task '<lambda>': retry_predicate no_arguments() must take one argument, "
        "the attempt's State (state -> bool)"
    )
    assert "two_arguments(state, exc) must take one argument" in _refusal(
        retry_predicate=two_arguments
    )
    assert "keyword_only(*, state) must take" in _refusal(retry_predicate=keyword_only)
    prefect = _refusal(retry_predicate=prefect_condition)
    assert prefect.endswith(
        "a (task, task_run, state) function is Prefect's: pass it as retry_condition_fn="
    )


def test_callables_of_the_right_shape_or_unreadable_are_accepted() -> None:
    class Check:
        def __call__(self, state: Any) -> bool:
            return True

    def with_default(state: Any, extra: int = 1) -> bool:
        return True

    def anything(*args: Any) -> bool:
        return True

    for predicate in (lambda state: True, with_default, anything, Check(), bool, print):
        task(max_retries=1, retry_predicate=predicate)(lambda: None)
    task(retries=1, retry_condition_fn=prefect_condition)(
        lambda: None
    )  # Prefect's, where it belongs
    task(max_retries=1, retry_delay=lambda attempt: 1)(lambda: None)
    task(retries=1, retry_delay_seconds=lambda retries: [1] * retries)(lambda: None)


def test_a_retry_condition_fn_must_take_prefect_s_three_arguments() -> None:
    said = _refusal(retry_condition_fn=lambda state: True)
    assert "<lambda>(state) must take Prefect's three arguments" in said


def test_a_retry_delay_callable_that_cannot_take_the_attempt_is_refused() -> None:
    def my_delay() -> float:
        return 1

    assert _refusal(retry_delay=my_delay).endswith(
        "retry_delay test_a_retry_delay_callable_that_cannot_take_the_attempt_is_refused"
        ".<locals>.my_delay() must take one argument, the retry's number (attempt -> seconds)"
    )
    assert "<lambda>() must take one argument, the task's retries, once" in (
        _refusal(retry_delay_seconds=lambda: 1)
    )


@pytest.mark.parametrize("factory", [exponential_backoff, prefect_exponential_backoff])
@pytest.mark.parametrize("option", ["retry_delay", "retry_delay_seconds"])
def test_the_backoff_factory_itself_is_refused_with_what_was_meant(
    factory: Any, option: str
) -> None:
    said = _refusal(**{option: factory})
    assert f"{option}=exponential_backoff is the backoff's factory, not a delay" in said
    assert f"did you mean {option}=exponential_backoff(backoff_factor=…)?" in said


def test_a_mistyped_retry_delay_lists_every_form_it_may_take() -> None:
    for wrong, shown, hint in (
        ("5s", "str '5s'", "; write retry_delay=5 (seconds), without quotes"),
        ({"base": 1}, "dict {'base': 1}", ""),
    ):
        said = _refusal(retry_delay=wrong)
        assert said.endswith(
            "retry_delay: must be seconds (int/float), a timedelta, a list of them (one per "
            f"retry), or a callable attempt -> seconds, got {shown}{hint}"
        )


def test_an_empty_retry_delay_list_says_how_to_write_no_delay() -> None:
    with pytest.raises(ValueError, match="must not be empty") as raised:
        task(max_retries=1, retry_delay=[])(lambda: None)
    assert str(raised.value).endswith(
        "retry_delay list must not be empty: for no delay write retry_delay=0 "
        "(Prefect's retry_delay_seconds=[] means the same)"
    )


def test_flow_option_errors_name_the_option_as_written_and_the_flow_alike() -> None:
    def nightly_load() -> None:
        return None

    with pytest.raises(TypeError) as seconds:
        flow(retries=2, retry_delay_seconds="5")(nightly_load)
    assert str(seconds.value).startswith("@flow 'nightly-load': retry_delay_seconds must be")
    with pytest.raises(ValueError, match="timeout_seconds") as timeout:
        flow(nightly_load, timeout_seconds=-1)
    assert (
        str(timeout.value) == "@flow 'nightly-load': timeout_seconds must not be negative, got -1"
    )
    with pytest.raises(TypeError, match=r"^@flow: unknown option 'retires'"):
        flow(retires=1)


def test_an_option_of_a_multi_line_task_is_said_on_its_own_line(tmp_path: Path) -> None:
    source = tmp_path / "multiline.py"
    source.write_text(
        "from flowtop import task\n"
        "\n"
        "\n"
        "@task(\n"
        "    max_retries=3,\n"
        "    retry_delay=1,\n"
        "    retry_jitter=-1,\n"
        "    retry_delays=[1, 2],\n"
        ")\n"
        "def fetch():\n"
        "    return 1\n"
    )
    with pytest.raises(TypeError) as unknown:
        runpy.run_path(str(source))
    assert str(unknown.value).startswith("task 'fetch': line 8: unknown option 'retry_delays'")
    source.write_text(source.read_text().replace("    retry_delays=[1, 2],\n", ""))
    with pytest.raises(ValueError, match="retry_jitter") as negative:
        runpy.run_path(str(source))
    assert str(negative.value).startswith("task 'fetch': line 7: retry_jitter must be")
    source.write_text("from flowtop import task\n\n@task(retry_jitter=-1)\ndef f():\n    pass\n")
    with pytest.raises(ValueError, match="retry_jitter") as one_line:
        runpy.run_path(str(source))  # on the decorator's own line: no line to add
    assert str(one_line.value).startswith("task 'f': retry_jitter must be")


def _delay_failure(delay: Any) -> BaseException:
    """The error a failed attempt of a task with ``retry_delay=delay`` fails with, as the
    run gets it from the policy (only flowtop's frames on its stack)."""
    policy = task(max_retries=2, retry_delay=delay)(lambda: None).policy
    decision = decide(policy, State(StateType.FAILED, exception=ValueError("x"), attempt=1))
    assert isinstance(decision.error, DelayError)
    return decision.error


def test_a_delay_callable_s_bad_value_is_placed_at_the_callable() -> None:
    def my_delay(attempt: int) -> Any:
        return "5s"

    info = error_info(_delay_failure(my_delay))
    line = my_delay.__code__.co_firstlineno
    assert raised_at(info.traceback) == f"test_option_checks_s45.py:{line} in my_delay"
    assert info.traceback.endswith(
        "DelayError: retry_delay test_a_delay_callable_s_bad_value_is_placed_at_the_callable"
        ".<locals>.my_delay(1) must be seconds (int/float) or a timedelta, got str '5s'"
        "; the attempt raised ValueError: x\n"
    )


def test_a_delay_callable_that_raises_keeps_its_own_line() -> None:
    def broken(attempt: int) -> float:
        raise KeyError("x")

    info = error_info(_delay_failure(broken))
    line = broken.__code__.co_firstlineno + 1  # the raise, not the def
    assert raised_at(info.traceback) == f"test_option_checks_s45.py:{line} in broken"


def test_an_error_without_a_message_prints_its_type_alone() -> None:
    out = io.StringIO()
    trace = 'Traceback (most recent call last):\n  File "/x/nasty.py", line 32, in no_args\nNoInitArgs\n'
    HumanPrinter(out, live=False)(
        [
            TaskStateChanged(
                "r1",
                "nasty",
                "no_args",
                StateType.FAILED,
                1,
                1,
                0.0,
                error=ErrorInfo("NoInitArgs", "", trace),
            )
        ]
    )
    assert out.getvalue().rstrip().endswith(": NoInitArgs (nasty.py:32 in no_args)")


def test_a_retry_budget_past_a_million_is_a_slip_in_code_too() -> None:
    """``max_retries=10**30`` with no delay retried for ever (a store grew 75 MB in 10 s);
    settings files already stopped at a million."""
    from flowtop.engine.policy import MAX_RETRIES

    with pytest.raises(ValueError, match="max_retries must be at most 1,000,000, got 1,000,000,0"):
        task(max_retries=10**30)(lambda: None)
    assert task(max_retries=MAX_RETRIES)(lambda: None).options["max_retries"] == MAX_RETRIES
    with pytest.raises(ValueError, match="retries must be at most 1,000,000"):
        flow(retries=MAX_RETRIES + 1)(lambda: None)


@pytest.mark.parametrize(
    "option", ["retry_delay", "timeout", "retry_deadline", "max_retries", "retry_jitter"]
)
def test_an_int_too_long_to_print_is_refused_naming_the_option_and_its_size(option: str) -> None:
    """``retry_delay=10**5000`` was refused with Python's "Exceeds the limit (4300 digits)
    for integer string conversion", naming neither the option nor the value."""
    with pytest.raises(ValueError, match=f"{option} must .*, got an int of about 5,001 digits"):
        task(**{option: 10**5000})(lambda: None)


@pytest.mark.parametrize(
    "given", [{"max_retries": 3, "retries": 2}, {"retry_delay": 2, "retry_delay_seconds": 1}]
)
def test_an_option_given_with_its_alias_names_both_spellings(given: dict[str, int]) -> None:
    """With the alias second, the refusal named the canonical option twice
    (``'max_retries' and 'max_retries' both given``)."""
    canonical, alias = list(given)
    with pytest.raises(TypeError, match=f"'{alias}' and '{canonical}' both given; use one"):
        task(**dict(reversed(given.items())))(lambda: None)
    with pytest.raises(TypeError, match=f"'{alias}' and '{canonical}' both given; use one"):
        task(**given)(lambda: None)
