"""The retry editor's words for a drop-in Prefect task (session 47), as ``PolicyView``
gives them to the editor, in process or from the flow host as JSON.

On ``lookup_customer`` (``retries=4``, ``retry_delay_seconds=exponential_backoff(
backoff_factor=1)``, ``retry_jitter_factor=0.5``, ``retry_condition_fn``) the editor read
`Backoff factor none … ← task`, `Max delay no cap (needs a backoff factor)` and `Retry on
any exception when max retries is set ← builtin`, while `flowtop list` showed the backoff,
the condition and the jitter factor, each from ``task``.
"""

from __future__ import annotations

from typing import Any

from flowtop.compat import prefect_imports
from flowtop.engine import task
from flowtop.engine.delays import ExponentialBackoff, PrefectBackoff
from flowtop.engine.layers import Layer
from flowtop.engine.policy import RetryPolicy
from flowtop.engine.states import State
from flowtop.workspace.flow_shapes import PolicyView, placeholders

CONDITION_TEXT = "retry_condition_fn decides (set to filter by type too)"


def retry_only_transient(task: Any, task_run: Any, state: Any) -> bool:
    return True


def lookup_customer(**changes: Any) -> RetryPolicy:
    """The policy of the explorer's drop-in task, ``changes`` given to its ``@task``."""
    with prefect_imports():
        from prefect import task as prefect_task
        from prefect.tasks import exponential_backoff

    options: dict[str, Any] = {
        "retries": 4,
        "retry_delay_seconds": exponential_backoff(backoff_factor=1),
        "retry_jitter_factor": 0.5,
        "retry_condition_fn": retry_only_transient,
        **changes,
    }

    def lookup(cid: int) -> dict[str, int]:
        return {"cid": cid}

    policy: RetryPolicy = prefect_task(**options)(lookup).policy
    return policy


def both_ways(policy: RetryPolicy, below: RetryPolicy | None = None) -> list[PolicyView]:
    """The view made in process, and as the TUI reads it from the flow host."""
    view = PolicyView.of(policy, below)
    return [view, PolicyView.from_json(view.to_json())]


def test_a_prefect_backoff_fills_the_delay_fields_as_the_backoff_it_is() -> None:
    policy = lookup_customer()
    assert isinstance(policy.retry_delay, PrefectBackoff)
    for view in both_ways(policy):
        assert (view.texts["retry_delay"], view.texts["backoff_factor"]) == ("1", "2")
        assert view.texts["max_delay"] == ""  # uncapped, as in the code
        assert "needs a backoff factor" not in view.hints["max_delay"], view.hints
        assert view.hints["max_delay"].startswith("no cap")
        assert {view.layer_of(name) for name in ("backoff_factor", "max_delay")} == {Layer.TASK}


def test_the_backoff_the_fields_describe_waits_as_prefect_s_does() -> None:
    """Saved with a cap, the fields write flowtop's backoff of that base and factor:
    the same waits as Prefect's, retry by retry (up to the cap)."""
    prefect = PrefectBackoff(1.5)
    texts = PolicyView.of(lookup_customer(retry_delay_seconds=prefect)).texts
    written = ExponentialBackoff(float(texts["retry_delay"]), float(texts["backoff_factor"]))
    assert [written(n) for n in range(1, 20)] == [prefect.delay(n) for n in range(1, 20)]


def test_an_unset_retry_on_beside_a_retry_condition_fn_says_the_condition_decides() -> None:
    for view in both_ways(lookup_customer()):
        assert view.hints["retry_on"] == CONDITION_TEXT
        assert view.layer_of("retry_on") is Layer.TASK  # the condition's layer, not builtin
        assert view.deciders() == [("retry_condition_fn", "retry_only_transient", Layer.TASK)]


def test_a_retry_predicate_decides_too_and_a_set_retry_on_keeps_its_own_words() -> None:
    def not_done(state: State) -> bool:
        return bool(state.result != "done")

    view = PolicyView.of(task(lambda: None, max_retries=2, retry_predicate=not_done).policy)
    assert view.hints["retry_on"] == "retry_predicate decides (set to filter by type too)"
    assert view.layer_of("retry_on") is Layer.TASK
    listed = task(lambda: None, retry_predicate=not_done, retry_on=[ConnectionError]).policy
    assert PolicyView.of(listed).hints["retry_on"] == "ConnectionError from task"


def test_an_emptied_retry_on_of_an_override_says_the_condition_decides_again() -> None:
    below = lookup_customer()
    policy = below.with_values(Layer.OVERRIDES, retry_on=(ConnectionError,))
    for view in both_ways(policy, below):
        assert view.hints["retry_on"] == CONDITION_TEXT
        assert view.layer_of("retry_on") is Layer.OVERRIDES  # the value in effect's layer


def test_the_jitter_factor_is_told_apart_from_flowtop_s_jitter() -> None:
    for view in both_ways(lookup_customer()):
        assert view.jitter_factor() == ("0.5", Layer.TASK)
        assert view.layer_of("retry_jitter") is Layer.BUILTIN  # no retry_jitter is set
        assert view.texts["retry_jitter"] == "0"
    assert PolicyView.of(lookup_customer(retry_jitter_factor=0)).jitter_factor() is None  # none


def test_a_flowtop_task_s_words_are_as_before() -> None:
    view = PolicyView.of(task(lambda: None, max_retries=3, retry_delay=[1, 5]).policy)
    assert view.hints["retry_on"] == "any exception when max retries is set"
    assert view.hints["max_delay"] == "no cap (needs a backoff factor)"
    assert view.layer_of("retry_on") is Layer.BUILTIN
    assert view.layer_of("max_delay") is Layer.TASK  # the delay fields are one setting
    assert view.deciders() == [] and view.jitter_factor() is None
    assert placeholders(RetryPolicy())["retry_on"] == "any exception when max retries is set"
