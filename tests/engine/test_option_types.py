"""A retry option of the wrong type is a ``TypeError`` naming the option as written, the
value and the type it must be; a value of the right type out of range stays a ``ValueError``.

Before: ``@task(max_retries='3')`` (and ``retries``, ``retry_jitter``, ``@flow(retries=…)``,
``exponential_backoff(factor='2')``) was refused with a ``ValueError``, as if only the
number were wrong; ``retry_delay_seconds='2'`` and ``timeout_seconds='5'`` were named by
flowtop's spellings (``retry_delay``, ``timeout``); ``retry_predicate=3`` and
``retry_condition_fn=3`` left out the value or its type.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from flowtop import exponential_backoff, flow, task
from flowtop.settings import PREFECT_TASK_DEFAULT_RETRIES, temporary_settings
from flowtop.tasks import exponential_backoff as prefect_exponential_backoff
from flowtop.workspace.settings import SettingsFileError, parse_settings

#: Each option (as the user writes it), a value of the wrong type, and the message.
WRONG_TYPES = [
    (
        "max_retries",
        "3",
        "max_retries must be an int, got str '3'; write max_retries=3, without quotes",
    ),
    ("retries", "3", "retries must be an int, got str '3'; write retries=3, without quotes"),
    ("retries", 2.5, "retries must be an int, got float 2.5"),
    ("max_retries", True, "max_retries must be an int, got bool True"),
    (
        "retry_delay_seconds",
        "2",
        "Invalid retry_delay_seconds: must be seconds (int/float), a timedelta, a list of them "
        "(one per retry), or a callable attempt -> seconds, got str '2'; "
        "write retry_delay_seconds=2, without quotes",
    ),
    (
        "retry_delay_seconds",
        [1, "a"],
        "Invalid retry_delay_seconds: retry_delay_seconds[1] must be seconds (int/float) or a "
        "timedelta, got str 'a'",
    ),
    ("retry_jitter", "a", "retry_jitter must be a number (int/float), got str 'a'"),
    (
        "retry_jitter_factor",
        [0.5],
        "retry_jitter_factor must be a number (int/float), got list [0.5]",
    ),
    (
        "timeout",
        "5",
        "timeout must be seconds (int/float) or a timedelta, got str '5'; write timeout=5, "
        "without quotes",
    ),
    (
        "timeout_seconds",
        "5",
        "timeout_seconds must be seconds (int/float) or a timedelta, got str '5'; "
        "write timeout_seconds=5, without quotes",
    ),
    (
        "retry_deadline",
        "60",
        "retry_deadline must be seconds (int/float) or a timedelta, got str '60'; "
        "write retry_deadline=60, without quotes",
    ),
    ("retry_predicate", 3, "retry_predicate must be callable (state) -> bool, got int 3"),
    (
        "retry_condition_fn",
        "yes",
        "retry_condition_fn must be callable (task, task_run, state) -> bool, got str 'yes'",
    ),
]


@pytest.mark.parametrize(("option", "value", "said"), WRONG_TYPES)
def test_an_option_of_the_wrong_type_is_a_type_error_naming_it(
    option: str, value: Any, said: str
) -> None:
    with pytest.raises(TypeError) as raised:

        @task(**{option: value})
        def fetch() -> None: ...

    assert str(raised.value) == f"task 'fetch': {said}"


def test_with_options_refuses_a_wrong_type_as_the_decorator_does() -> None:
    @task
    def fetch() -> None: ...

    with pytest.raises(TypeError, match=r"^task 'fetch'.with_options: retries must be an int"):
        fetch.with_options(retries="3")


def test_a_flow_s_retries_of_the_wrong_type_is_a_type_error_and_out_of_range_a_value_error() -> (
    None
):
    with pytest.raises(TypeError) as raised:

        @flow(retries="3")
        def nightly() -> None: ...

    assert str(raised.value) == (
        "@flow 'nightly': retries must be an int, got str '3'; write retries=3, without quotes"
    )
    with pytest.raises(ValueError, match="retries must be an int >= 0, got -1"):
        flow(retries=-1)(lambda: None)
    with pytest.raises(
        TypeError, match=r"timeout_seconds must be a number of seconds, got str '5'$"
    ):
        flow(timeout_seconds="5")(lambda: None)
    with pytest.raises(ValueError, match=r"max_retries must be an int >= 0, got -1"):
        task(max_retries=-1)(lambda: None)


def test_a_backoff_factor_of_the_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"factor=\) must be a finite number >= 1, got str '2'"):
        exponential_backoff(factor="2")
    with pytest.raises(TypeError, match=r"backoff_factor=\) .* got str 'x'"):
        prefect_exponential_backoff(backoff_factor="x")
    with pytest.raises(ValueError, match=r"factor=\) must be a finite number >= 1, got 0.5"):
        exponential_backoff(factor=0.5)


def test_a_settings_file_names_file_line_key_and_the_type_of_a_backoff_s_factor(
    tmp_path: Path,
) -> None:
    path = tmp_path / "flowtop.toml"
    text = '[flows.etl.tasks.load]\nmax_retries = 2\nretry_delay = { factor = "2" }\n'
    with pytest.raises(SettingsFileError) as raised:
        parse_settings(path, text)
    assert str(raised.value) == (
        f'{path}:3: [flows."etl".tasks."load"]: retry_delay: '
        "exponential_backoff(factor=) must be a finite number >= 1, got str '2'"
    )


def test_temporary_settings_name_the_type_of_a_value_that_is_not_text() -> None:
    """A ``ValueError`` still, as Prefect's pydantic ``ValidationError`` is one."""
    said = (
        "temporary_settings updates: PREFECT_TASK_DEFAULT_RETRIES: "
        "expected an int >= 0, got list [3]"
    )
    with (
        pytest.raises(ValueError, match=f"^{re.escape(said)}$"),
        temporary_settings({PREFECT_TASK_DEFAULT_RETRIES: [3]}),
    ):
        pass
