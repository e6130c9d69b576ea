"""The retry editor's field rules, without a terminal."""

from __future__ import annotations

import pytest

from flowtop.engine import exponential_backoff, task
from flowtop.tui.screens.retry_form import read_form
from flowtop.workspace.flow_shapes import initial_texts


def policy_of(**options):
    return task(lambda: None, **options).policy


@pytest.fixture
def initial():
    return initial_texts(policy_of(max_retries=3, retry_delay=[1, 5], retry_on=[ConnectionError]))


def edit(initial, **changes):
    return read_form({**initial, **changes}, initial)


def test_prefill_shows_the_effective_policy_as_text(initial):
    assert initial == {
        "max_retries": "3",
        "retry_delay": "1, 5",
        "backoff_factor": "",
        "max_delay": "",
        "retry_jitter": "0",
        "retry_jitter_factor": "",  # none set: Prefect's, the engine draws no wait with it
        "retry_on": "ConnectionError",
        "timeout": "",
        "retry_deadline": "",
    }


def test_prefill_splits_a_backoff_into_base_factor_and_cap():
    texts = initial_texts(policy_of(retry_delay=exponential_backoff(0.5, 3, max_delay=30)))
    assert (texts["retry_delay"], texts["backoff_factor"], texts["max_delay"]) == ("0.5", "3", "30")
    assert texts["max_retries"] == ""  # unset stays unset: rule 3 depends on it


def test_prefill_leaves_a_custom_callable_delay_empty():
    assert initial_texts(policy_of(retry_delay=lambda n: n * 2))["retry_delay"] == ""


def test_unchanged_form_saves_nothing(initial):
    state = read_form(initial, initial)
    assert state.valid and state.values == {}


def test_only_changed_fields_are_sent(initial):
    state = edit(initial, max_retries="5", timeout="2.5")
    assert state.values == {"max_retries": 5, "timeout": 2.5}


def test_a_cleared_field_removes_its_override_key(initial):
    assert edit(initial, retry_on="").values == {"retry_on": None}


def test_delay_list_and_names_become_toml_values(initial):
    state = edit(
        initial, retry_delay="1, 2.5,10", retry_on="ConnectionError, requests.exceptions.HTTPError"
    )
    assert state.values == {
        "retry_delay": [1, 2.5, 10],
        "retry_on": ["ConnectionError", "requests.exceptions.HTTPError"],
    }


def test_a_delay_list_of_prefects_limit_is_taken_one_more_is_flagged_as_typed(initial):
    """50 delays save (``@task`` and flowtop.toml take them); the 51st was refused only
    by Save, in a message repeating the whole list, while the field said nothing."""
    assert edit(initial, retry_delay=", ".join(["2"] * 50)).values == {"retry_delay": [2] * 50}
    state = edit(initial, retry_delay=", ".join(["2"] * 51))
    assert state.errors == {"retry_delay": "delay list must hold at most 50 delays, got 51"}


def test_backoff_fields_make_one_retry_delay_table(initial):
    state = edit(initial, retry_delay="2", backoff_factor="2", max_delay="60")
    assert state.values == {"retry_delay": {"base": 2, "factor": 2, "max_delay": 60}}
    assert edit(initial, retry_delay="2", backoff_factor="1.5").values == {
        "retry_delay": {"base": 2, "factor": 1.5}
    }


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"max_retries": "three"}, "max_retries", "whole number"),
        ({"max_retries": "-1"}, "max_retries", "0 or more"),
        ({"max_retries": "2.5"}, "max_retries", "whole number"),
        ({"retry_delay": "-1"}, "retry_delay", "at least 0"),
        ({"retry_delay": "1,,2"}, "retry_delay", "empty item"),
        ({"retry_delay": "1, x"}, "retry_delay", "delay #2 must be a number"),
        ({"retry_delay": "nan"}, "retry_delay", "finite"),
        ({"retry_delay": ", ".join(["1"] * 51)}, "retry_delay", "at most 50 delays, got 51"),
        ({"backoff_factor": "0.5", "retry_delay": "1"}, "backoff_factor", "at least 1"),
        ({"backoff_factor": "2", "retry_delay": ""}, "retry_delay", "needs a base delay"),
        ({"backoff_factor": "2"}, "retry_delay", "one number"),
        ({"max_delay": "30"}, "max_delay", "set a backoff factor"),
        ({"retry_jitter": "-0.1"}, "retry_jitter", "at least 0"),
        ({"retry_on": "Connection Error"}, "retry_on", "not an exception name"),
        ({"retry_on": "ValueError,"}, "retry_on", "empty name"),
        ({"timeout": "0"}, "timeout", "more than 0"),
        ({"retry_deadline": "soon"}, "retry_deadline", "must be a number"),
    ],
)
def test_each_bad_field_names_what_is_wrong(initial, changes, field, words):
    state = edit(initial, **changes)
    assert not state.valid and state.values == {}
    assert words in state.errors[field], state.errors
    assert set(state.errors) == {field}
