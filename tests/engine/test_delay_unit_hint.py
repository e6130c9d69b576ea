"""Seconds written as text with a unit (``retry_delay="5s"``) are refused with the seconds
to write instead, as ``retries="3"`` already says ``write retries=3, without quotes``.

Before: ``@task(retries=3, retry_delay="5s")`` said only ``Invalid retry_delay: … got str
'5s'``, and a list of them (``["1s", "5s"]``) or of numbers as text (``["1", "5"]``) no
more: the user was left to guess that the delay is seconds, without quotes.
"""

from __future__ import annotations

from typing import Any

import pytest

from flowtop import task

#: The delay as written, and the hint's end: what to write instead.
DELAYS_WITH_UNITS = [
    ("5s", "write retry_delay=5 (seconds), without quotes"),
    ("500ms", "write retry_delay=0.5 (seconds), without quotes"),
    ("2m", "write retry_delay=120 (seconds), without quotes"),
    ("1h", "write retry_delay=3600 (seconds), without quotes"),
    ("5 s", "write retry_delay=5 (seconds), without quotes"),
    ("1.5min", "write retry_delay=90 (seconds), without quotes"),
    (["1s", "5s"], "write retry_delay=[1, 5] (seconds), without quotes"),
    ([0.5, "2m"], "write retry_delay=[0.5, 120] (seconds), without quotes"),
    (["1", "5"], "write retry_delay=[1, 5], without quotes"),
]


def _refusal(**options: Any) -> str:
    """What ``@task(**options)`` is refused with."""
    with pytest.raises(TypeError) as raised:

        @task(**options)
        def fetch() -> None: ...

    return str(raised.value)


@pytest.mark.parametrize(("delay", "hint"), DELAYS_WITH_UNITS)
def test_a_delay_written_with_a_unit_says_the_seconds_to_write(delay: Any, hint: str) -> None:
    said = _refusal(retries=3, retry_delay=delay)
    assert said.startswith("task 'fetch': Invalid retry_delay: ")
    assert said.endswith(f"got str {delay!r}; {hint}" if isinstance(delay, str) else f"; {hint}")


def test_prefect_s_spelling_and_a_timeout_are_named_as_written() -> None:
    assert _refusal(retry_delay_seconds="5s").endswith(
        "got str '5s'; write retry_delay_seconds=5 (seconds), without quotes"
    )
    assert _refusal(timeout_seconds="2m").endswith(
        "got str '2m'; write timeout_seconds=120 (seconds), without quotes"
    )


#: Text that is no number of seconds, and the end of its refusal: no hint follows it.
NO_SECONDS = [
    ({"retry_delay": "5x"}, "got str '5x'"),  # no unit known: no guess
    ({"retry_delay": [1, "a"]}, "got str 'a'"),  # an item no number: no list to write
    ({"retry_delay": "soon"}, "got str 'soon'"),
    ({"retries": "5s"}, "got str '5s'"),  # a count, not seconds
]


def test_only_a_number_with_a_known_unit_gets_seconds_to_write() -> None:
    assert _refusal(retry_delay="5 sec").endswith("write retry_delay=5 (seconds), without quotes")
    for options, end in NO_SECONDS:
        assert _refusal(**options).endswith(end), options
