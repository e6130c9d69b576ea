"""The settings files take what ``@task`` takes, and a bad delay fails one way.

Before: ``flowtop.toml`` took ``retry_delay = [200,000 numbers]`` (``@task`` refuses more
than 50, Prefect's limit) and ``flowtop list`` printed it as one 1.6 MB line; a
``retry_on`` of 200,000 copies of one name was 200,000 names; ``retry_delay = {}`` meant
a backoff of 1, 2, 4 s, unsaid; a backoff ``{ base = 1, factor = 1e308 }`` failed its
task with a 300-digit number of hours, cut in ``flowtop run``'s line before its ``)``.
And a ``Retry(delay=nan)`` (or ``-1``, ``"x"``, a ``Decimal``) raised a ``ValueError`` the
task's ``retry_on`` retried, each attempt raising it again (``attempt 3/3``), while a
``Retry(delay=1e308)`` failed at once: now both fail at once, not retried, naming the value.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from flowtop import Flow, Retry, StateType, task
from flowtop.engine import Runner
from flowtop.engine.delays import DelayError, exponential_backoff
from flowtop.engine.policy import RetryPolicy, decide
from flowtop.engine.states import State
from flowtop.engine.task import MAX_DELAYS
from flowtop.workspace.settings import SettingsFileError, parse_settings

TOML = Path("/ws/flowtop.toml")
OVERRIDES = Path("/ws/.flowtop/overrides.toml")
TASK_TABLE = '[flows."etl".tasks."extract"]\n'


def refusal(path: Path, text: str) -> str:
    """The one-line error ``path`` holding ``text`` is refused with."""
    with pytest.raises(SettingsFileError) as caught:
        parse_settings(path, text, allow_defaults=path == TOML)
    return str(caught.value)


def numbers(count: int) -> str:
    return "[" + ", ".join(str(i % 7) for i in range(count)) + "]"


# -- retry_delay lists: at most 50, as @task ---------------------------------------------
@pytest.mark.parametrize(
    ("path", "table"),
    [(TOML, "[defaults]\n"), (TOML, TASK_TABLE), (OVERRIDES, TASK_TABLE)],
    ids=["defaults", "flowtop.toml-task", "overrides-task"],
)
def test_a_list_of_more_than_50_delays_is_refused_with_file_line_and_key(
    path: Path, table: str
) -> None:
    at = "[defaults]" if table.startswith("[defaults]") else '[flows."etl".tasks."extract"]'
    text = f"{table}max_retries = 2\nretry_delay = {numbers(200_000)}\n"
    message = refusal(path, text)
    assert message == (
        f"{path}:3: {at}: retry_delay must be at most 50 delays (Prefect's limit), "
        "got list of 200,000 [0, 1, 2, 3, 4, 5, ...]"
    )
    assert "must be at most 50" in refusal(path, f"{table}retry_delay = {numbers(51)}\n")
    fifty = parse_settings(path, f"{table}retry_delay = {numbers(50)}\n", allow_defaults=True)
    held = fifty.defaults if table.startswith("[defaults]") else fifty.tasks[("etl", "extract")]
    assert len(held["retry_delay"]) == 50 == MAX_DELAYS


def test_task_refuses_the_same_lists() -> None:
    with pytest.raises(ValueError, match="more than 50 retry delays"):
        task(retry_delay=[1.0] * 51)(lambda: None)


def test_a_long_value_of_the_wrong_kind_is_shown_by_its_first_items() -> None:
    message = refusal(TOML, f"[defaults]\nretry_jitter = {numbers(200_000)}\n")
    assert message.endswith("got list of 200,000 [0, 1, 2, 3, 4, 5, ...]")
    assert len(message) < 200
    short = refusal(TOML, "[defaults]\nretry_jitter = [1, 2]\n")  # as it was: whole
    assert short.endswith("got list [1, 2]")


# -- retry_on: a name given twice is one name -------------------------------------------
@pytest.mark.parametrize("path", [TOML, OVERRIDES])
def test_retry_on_keeps_each_name_once_in_its_order(path: Path) -> None:
    names = ", ".join(['"KeyError"', *['"ValueError"'] * 200_000, '" KeyError "'])
    checked = parse_settings(path, f"{TASK_TABLE}retry_on = [{names}]\n", allow_defaults=False)
    assert checked.tasks[("etl", "extract")]["retry_on"] == ("KeyError", "ValueError")


# -- retry_delay = {} --------------------------------------------------------------------
@pytest.mark.parametrize(("path", "table"), [(TOML, "[defaults]\n"), (OVERRIDES, TASK_TABLE)])
def test_an_empty_backoff_table_is_refused_saying_how_to_write_the_default(
    path: Path, table: str
) -> None:
    message = refusal(path, f"{table}retry_delay = {{}}\n")
    assert message.startswith(f"{path}:2: ")
    assert message.endswith(
        "retry_delay must be a table with base, factor or max_delay "
        "(the default backoff: { base = 1 }), got dict {}"
    )
    kept = parse_settings(path, f"{table}retry_delay = {{ base = 1 }}\n", allow_defaults=True)
    assert kept is not None


# -- a backoff grown past any delay: its message whole -----------------------------------
def test_a_backoff_past_a_year_says_so_in_a_whole_short_message() -> None:
    policy = RetryPolicy(max_retries=3, retry_delay=exponential_backoff(1, 1e308))
    decision = decide(policy, State(StateType.FAILED, None, ValueError("x"), 2))
    assert isinstance(decision.error, DelayError)
    message = str(decision.error)
    said, attempt_s = message.split("; ")  # the delay's problem, then the attempt's error
    assert said == (
        "the delay before retry 2 would be 1e+308 s (backoff 1s×1e+308^(n-1)): a delay must "
        "be at most 365 days (31,536,000 seconds) (set max_delay to cap a backoff)"
    )
    assert len(said) <= 160  # (a progress line of ``flowtop run`` keeps 160 characters)
    assert attempt_s == "the attempt raised ValueError: x"


# -- Retry(delay=) that is no delay: fails at once, whatever the value -------------------
BAD_DELAYS = [
    (math.nan, "must be a finite number of seconds, got nan"),
    (math.inf, "must be a finite number of seconds, got inf"),
    (-1, "must not be negative, got -1"),
    ("x", "must be seconds (int/float) or a timedelta, got str 'x'"),
    (Decimal("1.5"), "must be seconds (int/float) or a timedelta, got Decimal Decimal('1.5')"),
    (Fraction(1, 2), "must be seconds (int/float) or a timedelta, got Fraction Fraction(1, 2)"),
    (1e308, "must be at most 365 days (31,536,000 seconds), got 1e+308"),
    (timedelta(days=400), "must be at most 365 days (31,536,000 seconds), got 34560000.0"),
]
IDS = ["nan", "inf", "negative", "text", "decimal", "fraction", "1e308", "400-days"]


@pytest.fixture
def runner() -> Iterator[Runner]:
    runner = Runner(2, rng=lambda: 0.5)
    yield runner
    runner.shutdown(wait=False)


@pytest.mark.parametrize(("delay", "said"), BAD_DELAYS, ids=IDS)
def test_a_retry_with_no_usable_delay_fails_at_once_in_a_run(
    runner: Runner, delay: Any, said: str
) -> None:
    calls: list[int] = []

    @task(max_retries=2, retry_delay=0, retry_on=[ValueError])  # would retry a ValueError
    def job() -> None:
        calls.append(1)
        raise Retry("later", delay=delay)

    graph = Flow("bad-retry")
    graph.add_task(job)
    result = runner.start(graph).result(timeout=30)
    state = result["job"]
    assert state.type is StateType.FAILED
    assert calls == [1]  # attempt 1 of 3: none burned
    assert isinstance(state.exception, DelayError)
    assert str(state.exception) == f"Retry(delay=) {said}"
    assert state.message == "Retry(delay=) refused"


@pytest.mark.parametrize(("delay", "said"), BAD_DELAYS, ids=IDS)
def test_a_retry_with_no_usable_delay_fails_at_once_called_outside_a_flow(
    delay: Any, said: str
) -> None:
    calls: list[int] = []

    @task(max_retries=2, retry_delay=0, retry_on=[ValueError])
    def job() -> None:
        calls.append(1)
        raise Retry("later", delay=delay)

    with pytest.raises(DelayError, match=r"^Retry\(delay=\) "):
        job()
    assert calls == [1]
