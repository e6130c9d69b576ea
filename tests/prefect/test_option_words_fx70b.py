"""A drop-in Prefect task speaks Prefect's words in option typos and retry reasons (fx70b).

A tester wrote ``@task(retry=3, retry_delay_second=2)`` as Prefect's docs teach, run with
``from prefect import task``: flowtop said ``unknown option 'retry' (did you mean
'retry_on'?)``, a flowtop-only option, named no second typo and listed no valid option.
Its ``@task(retries=5)`` waiting for a retry said ``Why: max_retries is set`` where its
final failure already said ``retries=1``.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from flowtop import flow, task
from flowtop.compat.prefect_flows import flow as prefect_flow
from flowtop.compat.prefect_tasks import PREFECT_TASK_OPTIONS
from flowtop.compat.prefect_tasks import task as prefect_task
from flowtop.engine.events import TaskStateChanged
from flowtop.engine.layers import Layer
from flowtop.engine.policy import RetryPolicy, decide
from flowtop.engine.runner import Runner
from flowtop.engine.states import State, StateType
from flowtop.engine.task import Task


def _refusal(make: object, **options: object) -> str:
    with pytest.raises(TypeError) as refused:
        make(**options)(lambda: 1)  # type: ignore[operator]
    return str(refused.value)


def test_a_drop_in_task_s_typos_are_all_named_with_prefect_s_names() -> None:
    said = _refusal(prefect_task, retry=3, retry_delay_second=2)
    assert said == (
        "task '<lambda>': unknown options 'retry' (did you mean 'retries'?) and "
        "'retry_delay_second' (did you mean 'retry_delay_seconds'?); valid options: "
        + ", ".join(PREFECT_TASK_OPTIONS)
    )
    assert "retry_on" not in said and "max_retries" not in said
    for option in PREFECT_TASK_OPTIONS:  # each one listed is one it takes
        prefect_task(**{option: None})(lambda: 1)
    # flowtop's own options, which it takes too, when no Prefect name is close
    assert "(did you mean 'retry_predicate'?)" in _refusal(prefect_task, retry_predicat=1)
    # one letter from a name it takes, flowtop's too: that one (it said retry_delay_seconds)
    assert "(did you mean 'retry_deadline'?)" in _refusal(prefect_task, retry_deadlin=5)
    assert "(did you mean 'retry_on'?)" in _refusal(prefect_task, retry_on_=[ValueError])
    three = _refusal(prefect_task, zzz=1, retry=1, timeout_second=3)
    assert three.startswith(
        "task '<lambda>': unknown options 'zzz', 'retry' (did you mean 'retries'?) and "
        "'timeout_second' (did you mean 'timeout_seconds'?); valid options: name, retries, "
    )


def test_a_drop_in_copy_s_typos_read_the_same() -> None:
    made = prefect_task(retries=1)(lambda: 1)
    with pytest.raises(TypeError) as refused:
        made.with_options(retry=2, retry_jitter_factr=1)
    assert str(refused.value).startswith(
        "task '<lambda>'.with_options: unknown options 'retry' (did you mean 'retries'?) and "
        "'retry_jitter_factr' (did you mean 'retry_jitter_factor'?); valid options: name, "
        "retries, retry_delay_seconds, "
    )


def test_flowtop_s_own_task_keeps_flowtop_s_names_and_lists_them() -> None:
    said = _refusal(task, retry=3, retry_delay_second=2)
    assert said.startswith(
        "task '<lambda>': unknown options 'retry' (did you mean 'retry_on'?) and "
        "'retry_delay_second' (did you mean 'retry_delay_seconds'?); valid options: name, "
        "max_retries, retry_delay, retry_on, "
    )


def test_the_line_named_is_the_first_unknown_option_s(tmp_path: Path) -> None:
    source = tmp_path / "typos.py"
    source.write_text(
        "from flowtop.compat.prefect_tasks import task\n"
        "\n"
        "@task(\n"
        "    retries=1,\n"
        "    retry=3,\n"
        "    retry_delay_second=2,\n"
        ")\n"
        "def t():\n"
        "    return 1\n"
    )
    with pytest.raises(TypeError) as refused:
        runpy.run_path(str(source))
    assert str(refused.value).startswith("task 't': line 5: unknown options 'retry' ")


# -- the reason a failure is retried names the budget as the code wrote it ------------------
def _down() -> None:
    raise ValueError("down")


def _reason(policy: RetryPolicy, attempt: int = 1) -> str:
    """Why a failed attempt ``attempt`` was retried (or not)."""
    return decide(policy, State(StateType.FAILED, ValueError("x"), ValueError("x"), attempt)).reason


def test_a_drop_in_task_s_retry_reads_retries_is_set() -> None:
    assert _reason(prefect_task(retries=5)(_down).policy) == "retries is set"
    copy = prefect_task(retries=5)(_down).with_options(name="copy")
    assert _reason(copy.policy) == "retries is set"
    assert _reason(copy.policy, 6) == "no retries left: retries=5"  # said once
    # flowtop's own task, and a settings file's budget, keep flowtop's word (as the last
    # failure's ``max_retries=2``)
    assert _reason(task(max_retries=5)(_down).policy) == "max_retries is set"
    assert _reason(copy.policy.with_values(Layer.TOML, max_retries=2)) == "max_retries is set"


def _messages(make_flow: object, t: Task) -> dict[StateType, str]:
    """What a run says of ``t``'s states (the detail pane's ``Why:``, ``--json``'s
    ``message``), by state."""

    def pipeline() -> None:
        t(return_state=True)

    seen: list[object] = []
    with Runner(sinks=[seen.extend]) as runner:
        runner.run(make_flow(pipeline))  # type: ignore[operator]
    return {
        e.state: e.message
        for e in seen
        if isinstance(e, TaskStateChanged)
        and e.state in (StateType.AWAITING_RETRY, StateType.FAILED)
    }


def test_a_run_says_a_drop_in_task_s_retry_in_its_words() -> None:
    said = _messages(prefect_flow, prefect_task(retries=1, retry_delay_seconds=0)(_down))
    assert said == {
        StateType.AWAITING_RETRY: "retries is set",
        StateType.FAILED: "no retries left: retries=1",
    }
    own = _messages(flow, task(max_retries=1, retry_delay=0)(_down))
    assert own[StateType.AWAITING_RETRY] == "max_retries is set"
