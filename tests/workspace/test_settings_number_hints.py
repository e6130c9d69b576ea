"""A settings file's number written as text, and a jitter no delay survives.

``retry_delay = "5s"`` was refused with ``got str '5s'`` only, where ``@task`` says what
to write (``write retry_delay=5 (seconds), without quotes``); the file says it too now.
``retry_jitter = 1e308`` was taken, shown as ``+0–inf%``, and failed the task only at
its first retry: every wait it makes is past the 365-day bound. Refused up front, the
bound named, as ``@task`` refuses it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop import task
from flowtop.workspace.settings import SettingsFileError, parse_settings

TABLE = '[flows."etl".tasks."extract"]'


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (
            'retry_delay = "5s"',
            "got str '5s'; write retry_delay = 5 (seconds), without quotes",
        ),
        ('retry_delay = [1, "2m"]', "got str '2m'; write 120 (seconds), without quotes"),
        ('timeout = "5"', "got str '5'; write timeout = 5, without quotes"),
        ('retry_deadline = "1h"', "write retry_deadline = 3600 (seconds), without quotes"),
        ('max_retries = "3"', "got str '3'; write max_retries = 3, without quotes"),
        ("retry_jitter = 1e308", "retry_jitter must be at most 100 (adds up to 10,000% to"),
    ],
)
def test_the_file_says_what_to_write(line: str, says: str) -> None:
    with pytest.raises(SettingsFileError) as refused:
        parse_settings(Path("overrides.toml"), f"{TABLE}\n{line}\n", allow_defaults=False)
    assert str(refused.value).startswith(f"overrides.toml:2: {TABLE}: ")
    assert says in str(refused.value)


def test_only_a_number_gets_the_hint_not_a_word() -> None:
    said = {}
    for value in ("1.5 m", "soon", "5 parsecs"):
        with pytest.raises(SettingsFileError) as refused:
            parse_settings(Path("flowtop.toml"), f'{TABLE}\ntimeout = "{value}"\n')
        said[value] = str(refused.value).split("got ")[1]
    assert said == {
        "1.5 m": "str '1.5 m'; write timeout = 90 (seconds), without quotes",
        "soon": "str 'soon'",
        "5 parsecs": "str '5 parsecs'",
    }


def test_task_refuses_a_jitter_past_the_bound_and_takes_the_bound() -> None:
    with pytest.raises(ValueError, match=r"retry_jitter must be at most 100 \(adds up to"):
        task(retry_jitter=1e308)(lambda: None)
    assert task(retry_jitter=100)(lambda: None).policy.retry_jitter == 100
    taken = parse_settings(Path("flowtop.toml"), f"{TABLE}\nretry_jitter = 100\n")
    assert taken.tasks[("etl", "extract")]["retry_jitter"] == 100
