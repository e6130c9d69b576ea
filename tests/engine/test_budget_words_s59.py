"""A reason quotes the retry budget as the code wrote it (review rv395, F8).

The bundled ``flows/etl.py`` writes ``@task(max_retries=1)``, and its failure read
``no retries left: max_retries=1 (retries=1)`` in the detail pane and ``history``: the
parenthesis read as a second, different setting. The policy did not know which spelling
the task was given; it now keeps it (``RetryPolicy.budget_option``), set where the
task's options are resolved.
"""

from __future__ import annotations

from flowtop import flow, task
from flowtop.engine.events import TaskStateChanged
from flowtop.engine.layers import Layer
from flowtop.engine.policy import RetryPolicy, decide
from flowtop.engine.runner import Runner
from flowtop.engine.states import State, StateType
from flowtop.engine.task import Task


def _last_reason(t: Task) -> str:
    """Why ``t``'s last attempt (it fails every one) was not retried."""
    return decide(t.policy, State(StateType.FAILED, ValueError("x"), ValueError("x"), 2)).reason


def _down() -> None:
    raise ValueError("down")


def test_max_retries_in_code_reads_max_retries_alone() -> None:
    assert _last_reason(task(max_retries=1)(_down)) == "no retries left: max_retries=1"


def test_prefect_s_retries_in_code_reads_retries() -> None:
    assert _last_reason(task(retries=1)(_down)) == "no retries left: retries=1"
    assert _last_reason(Task(_down, retries=1)) == "no retries left: retries=1"


def test_a_copy_keeps_its_task_s_spelling_unless_it_gives_its_own() -> None:
    prefect_style = task(retries=1)(_down)
    assert _last_reason(prefect_style.with_options(name="copy")) == "no retries left: retries=1"
    assert _last_reason(prefect_style.with_options(max_retries=1)) == (
        "no retries left: max_retries=1"
    )
    assert _last_reason(task(max_retries=1)(_down).with_options(retries=1)) == (
        "no retries left: retries=1"
    )


def test_a_settings_file_s_budget_reads_as_the_file_writes_it() -> None:
    coded = task(retries=1)(_down).policy
    filed = coded.with_values(Layer.TOML, max_retries=1)
    failed = State(StateType.FAILED, ValueError("x"), ValueError("x"), 2)
    assert decide(filed, failed).reason == "no retries left: max_retries=1"


def test_the_spelling_is_words_only() -> None:
    assert task(retries=2)(_down).policy == task(max_retries=2)(_down).policy
    assert RetryPolicy(max_retries=2).budget_words() == "max_retries=2"


def _failure_said(t: Task) -> str:
    """What a run says of ``t``'s failure, as the detail pane and history read it."""

    @flow
    def pipeline() -> str:
        return str(t(return_state=True).name)

    seen: list[object] = []
    with Runner(sinks=[seen.extend]) as runner:
        runner.run(pipeline)
    (failed,) = [e for e in seen if isinstance(e, TaskStateChanged) and e.state is StateType.FAILED]
    return failed.message


def test_a_run_says_the_budget_as_its_task_was_written() -> None:
    """As the bundled ``flows/etl.py``'s ``load`` (``@task(max_retries=1, …)``) fails."""
    assert _failure_said(task(max_retries=1, retry_delay=0)(_down)) == (
        "no retries left: max_retries=1"
    )
    assert _failure_said(task(retries=1, retry_delay=0)(_down)) == "no retries left: retries=1"
