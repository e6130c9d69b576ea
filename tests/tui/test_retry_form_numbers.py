"""The retry editor's numbers as the user writes them, and what it says of one it refuses.

Its fields were prefilled with ``:g`` (six digits: a jitter of 0.123456789 showed as
0.123457, a 10000000.5 s delay as 1e+07, values not in force) or, for a whole float,
every digit (1e308 as 309 of them). A jitter of 1e308 was taken, and failed the task at
its first retry; ``5s`` in a delay field said only ``must be a number``, where ``@task``
says what to write.
"""

from __future__ import annotations

from flowtop.engine.policy import RetryPolicy
from flowtop.tui.screens.retry_form import read_form
from flowtop.workspace.flow_shapes import fmt_number, initial_texts


def test_the_fields_show_each_number_as_written() -> None:
    texts = initial_texts(
        RetryPolicy(retry_delay=10000000.5, retry_jitter=0.123456789, timeout=30.0)
    )
    assert (texts["retry_delay"], texts["retry_jitter"], texts["timeout"]) == (
        "10000000.5",
        "0.123456789",
        "30",
    )
    assert fmt_number(1e308) == "1e+308"  # a policy built in code: short, reads back the same
    assert float(fmt_number(1e308)) == 1e308


def test_a_jitter_past_the_bound_is_flagged_as_typed() -> None:
    initial = initial_texts(RetryPolicy())
    state = read_form({**initial, "retry_jitter": "1e308"}, initial)
    assert state.errors == {
        "retry_jitter": "jitter must be at most 100 (adds up to 10,000% to each delay), got 1e308"
    }
    assert read_form({**initial, "retry_jitter": "100"}, initial).values == {"retry_jitter": 100}


def test_seconds_with_a_unit_say_what_to_write() -> None:
    initial = initial_texts(RetryPolicy())
    state = read_form({**initial, "retry_delay": "5s", "timeout": "2m"}, initial)
    assert state.errors == {
        "retry_delay": "delay must be a number, got '5s'; write 5 (seconds)",
        "timeout": "timeout must be a number, got '2m'; write 120 (seconds)",
    }
    listed = read_form({**initial, "retry_delay": "1, 500ms"}, initial)
    assert listed.errors == {
        "retry_delay": "delay #2 must be a number, got '500ms'; write 0.5 (seconds)"
    }
    jitter = read_form({**initial, "retry_jitter": "5s"}, initial)  # no seconds: no hint
    assert jitter.errors == {"retry_jitter": "jitter must be a number, got '5s'"}
