"""Prefect's default retry delay from the environment is capped as a settings file's is.

``PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS`` holding a list of 20,000 delays was read
whole for every ``@task`` defined without a delay, then refused by the first such task as
its own option (``etl.py:3: task 't': Can not configure more than 50 retry delays``): the
message sent the user to a line that sets no delay, and never named the variable. A
settings file's ``retry_delay`` list is refused past 50 (``workspace.settings``) in words
the environment's refusal now shares, counted before any item is read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.engine.settings import (
    MAX_DELAYS,
    PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS,
    task_defaults,
    temporary_settings,
)
from flowtop.engine.task import MAX_DELAYS as TASK_MAX_DELAYS
from flowtop.workspace.settings import SettingsFileError, parse_settings

DELAY_VARS = (
    "PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS",
    "PREFECT_TASKS_DEFAULT_RETRY_DELAY_SECONDS",
)


@pytest.fixture(autouse=True)
def no_delay_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in DELAY_VARS:
        monkeypatch.delenv(var, raising=False)


def test_the_cap_is_the_one_task_and_settings_files_apply() -> None:
    assert MAX_DELAYS == TASK_MAX_DELAYS == 50


@pytest.mark.parametrize("var", DELAY_VARS)
@pytest.mark.parametrize("brackets", [False, True])
def test_a_huge_list_in_the_environment_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, brackets: bool
) -> None:
    listed = ",".join(["1"] * 20_000)
    monkeypatch.setenv(var, f"[{listed}]" if brackets else listed)
    with pytest.raises(ValueError, match="at most 50") as refused:
        PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS.value()
    assert str(refused.value) == (
        f"environment variable {var}: must be at most 50 delays (Prefect's limit), got 20,000"
    )
    with pytest.raises(ValueError, match=var):  # what a @task defined now meets
        task_defaults()


def test_the_settings_file_says_the_same_words() -> None:
    text = "[defaults]\nretry_delay = [" + ", ".join(["1"] * 51) + "]\n"
    with pytest.raises(SettingsFileError) as refused:
        parse_settings(Path("flowtop.toml"), text)
    assert "must be at most 50 delays (Prefect's limit)" in str(refused.value)


def test_fifty_delays_are_taken_and_empty_parts_do_not_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DELAY_VARS[0], ",".join(["2"] * 50) + ",,")
    assert PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS.value() == [2.0] * 50
    monkeypatch.setenv(DELAY_VARS[0], "[]")
    assert PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS.value() == []
    monkeypatch.setenv(DELAY_VARS[0], "1.5")
    assert PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS.value() == 1.5


def test_temporary_settings_take_the_same_cap() -> None:
    too_many = temporary_settings(updates={PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS: [1] * 51})
    with pytest.raises(ValueError, match=r"^temporary_settings updates: .*at most 50 delays"):
        too_many.__enter__()


def test_a_huge_value_that_is_no_delay_is_said_in_a_short_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DELAY_VARS[0], "x" * 50_000)
    with pytest.raises(ValueError, match="expected seconds") as refused:
        PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS.value()
    said = str(refused.value)
    assert said.startswith(
        f"environment variable {DELAY_VARS[0]}: expected seconds >= 0 or a list of them, got 'xxx"
    )
    assert said.endswith("… (50,002 characters)")
    assert len(said) < 400
