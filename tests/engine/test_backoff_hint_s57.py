"""``exponential_backoff``'s numbers written as text say what to write, as ``@task``'s do.

README: an option of the wrong type names the option, the value and the type it must be
(``…got str '3'; write retries=3, without quotes``), ``exponential_backoff(factor=…)``
alike. It said ``exponential_backoff(factor=) must be a finite number >= 1, got str '2'``
and no more (rv365 §5); ``base=`` and ``max_delay=`` in seconds with a unit, and
Prefect's ``backoff_factor=``, neither. A number that would be refused all the same
(``factor="0.5"``) gets no hint. A settings file's table says what it always said: its
hints are written the settings file's way (``workspace.settings``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowtop import exponential_backoff
from flowtop.workspace.settings import SettingsFileError, parse_settings

HINTED = [
    (
        {"factor": "2"},
        "exponential_backoff(factor=) must be a finite number >= 1, got str '2'; "
        "write factor=2, without quotes",
    ),
    (
        {"factor": " 1.5 "},
        "exponential_backoff(factor=) must be a finite number >= 1, got str ' 1.5 '; "
        "write factor=1.5, without quotes",
    ),
    (
        {"base": "2m"},
        "exponential_backoff(base=) must be seconds (int/float) or a timedelta, got str '2m'; "
        "write base=120 (seconds), without quotes",
    ),
    (
        {"max_delay": "30"},
        "exponential_backoff(max_delay=) must be seconds (int/float) or a timedelta, got str "
        "'30'; write max_delay=30, without quotes",
    ),
    (
        {"backoff_factor": "10"},
        "exponential_backoff(backoff_factor=) must be a finite number of seconds >= 0, got "
        "str '10'; write backoff_factor=10, without quotes",
    ),
]


@pytest.mark.parametrize(("given", "said"), HINTED)
def test_a_number_written_as_text_says_what_to_write(given: dict[str, Any], said: str) -> None:
    with pytest.raises(TypeError) as raised:
        exponential_backoff(**given)
    assert str(raised.value) == said


@pytest.mark.parametrize(
    "given",
    [{"factor": "0.5"}, {"factor": "two"}, {"base": "-3"}, {"backoff_factor": "-1"}],
)
def test_text_that_would_be_refused_as_a_number_too_gets_no_hint(given: dict[str, Any]) -> None:
    with pytest.raises(TypeError) as raised:
        exponential_backoff(**given)
    assert "without quotes" not in str(raised.value)


def test_a_settings_file_s_backoff_table_says_what_it_said(tmp_path: Path) -> None:
    path = tmp_path / "flowtop.toml"
    text = '[flows.etl.tasks.load]\nretry_delay = { factor = "2" }\n'
    with pytest.raises(SettingsFileError) as raised:
        parse_settings(path, text)
    assert str(raised.value).endswith(
        "exponential_backoff(factor=) must be a finite number >= 1, got str '2'"
    )
