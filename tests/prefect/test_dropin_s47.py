"""Review s47 of drop-in mode (``from prefect import flow, task``).

- A Prefect task without ``retries`` that failed read ``no retry options (only Retry
  retries)`` in ``flowtop history --run`` (Prefect code cannot raise ``Retry``), and
  ``flowtop list`` gave its budget of 0 the layer ``task``, though nothing was set on the
  task: it is Prefect's default, ``no retries (Prefect's default)`` from ``builtin``.
- An ``on_crashed`` hook's ``state.result()`` raises the crash's own ``SystemExit``, as
  Prefect 3.9.1's ``get_state_exception`` gives it (an ``async`` hook awaiting it gets
  that ``SystemExit`` in Prefect; a sync hook gets ``CancelledError`` there, only because
  the ``SystemExit`` ends the event-loop thread Prefect runs ``result()`` on).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from flowtop import flow
from flowtop.compat import prefect_imports
from flowtop.engine import StateType
from flowtop.engine.layers import Layer
from flowtop.engine.policy import decide
from flowtop.engine.states import State

PREFECT_DEFAULT = "no retries (Prefect's default)"


def drop_in_task(**options: Any) -> Any:
    with prefect_imports():
        from prefect import task as prefect_task

    def fails() -> None:
        raise ValueError("boom")

    return prefect_task(**options)(fails)


# -- a drop-in task's budget of 0: Prefect's default, from no layer of the task's ----------
def test_a_drop_in_task_without_retries_has_prefect_s_default_from_no_layer() -> None:
    unset = drop_in_task().policy
    assert unset.describe()["max_retries"] == (PREFECT_DEFAULT, Layer.BUILTIN)
    assert unset.summary() == "no retries"
    copied = drop_in_task(timeout_seconds=5).with_options(name="again").policy
    assert copied.describe()["max_retries"] == (PREFECT_DEFAULT, Layer.BUILTIN)
    # retries=0 is set on the task: its own words and layer
    assert drop_in_task(retries=0).policy.describe()["max_retries"] == (
        "0 (no retries)",
        Layer.TASK,
    )
    # a workspace's [defaults] max_retries is its retries, from its layer (s57)
    zero = unset.with_values(Layer.DEFAULTS, default_max_retries=0)
    assert zero.describe()["max_retries"] == ("0 (no retries)", Layer.DEFAULTS)
    two = unset.with_values(Layer.DEFAULTS, default_max_retries=2)
    assert two.describe()["max_retries"] == ("2", Layer.DEFAULTS)


def test_its_failure_says_prefect_s_default_not_retry() -> None:
    made = drop_in_task()
    failed = decide(made.policy, State(StateType.FAILED, None, ValueError("boom"), 1))
    assert (failed.retry, failed.final) == (False, StateType.FAILED)
    assert failed.reason == PREFECT_DEFAULT
    zero = made.policy.with_values(Layer.DEFAULTS, default_max_retries=0)
    reason = decide(zero, State(StateType.FAILED, None, ValueError("boom"), 1)).reason
    assert reason == "no retries left: max_retries 0 from defaults"


def test_its_exhausted_budget_is_worded_as_flowtop_list_words_it() -> None:
    """``retry_on`` from ``flowtop.toml`` makes the failure eligible; no retry is left."""
    policy = drop_in_task().policy.with_values(Layer.TOML, retry_on=(ValueError,))
    decision = decide(policy, State(StateType.FAILED, None, ValueError("boom"), 1))
    assert decision.reason == (
        f"ValueError is in retry_on; no retries left: max_retries {PREFECT_DEFAULT} [builtin]"
    )


def test_a_run_of_it_and_the_history_say_prefect_s_default(tmp_path: Path) -> None:
    (tmp_path / "flows.py").write_text(
        textwrap.dedent(
            """
            from prefect import flow, task

            @task
            def fails_once() -> None:
                raise ValueError("boom")

            @flow
            def once() -> None:
                fails_once()
            """
        )
    )
    flowtop = [sys.executable, "-m", "flowtop"]
    ran = subprocess.run(
        [*flowtop, "run", "--prefect-compat", "flows.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 1, ran.stderr
    assert "✗ failed (attempt 1/1): ValueError: boom" in ran.stdout
    shown = subprocess.run(
        [*flowtop, "history", "--run", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert f"  {PREFECT_DEFAULT}\n" in shown.stdout
    assert "Retry" not in shown.stdout
    listed = subprocess.run(
        [*flowtop, "list", "--prefect-compat", "flows.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    [line] = [line for line in listed.stdout.splitlines() if "max_retries" in line]
    assert line.split() == ["max_retries", *PREFECT_DEFAULT.split(), "[builtin]"]


# -- on_crashed: state.result() raises the crash's own exception -----------------------------
def test_an_on_crashed_hook_s_state_result_raises_the_crash_s_own_system_exit() -> None:
    raised: list[BaseException] = []
    given: list[Any] = []

    def hook(flow_: Any, flow_run: Any, state: Any) -> None:
        try:
            state.result()
        except BaseException as exc:  # noqa: BLE001 - SystemExit is what is checked
            raised.append(exc)
        given.append(state.result(raise_on_failure=False))

    async def async_hook(flow_: Any, flow_run: Any, state: Any) -> None:
        try:
            await state.aresult()
        except BaseException as exc:  # noqa: BLE001 - SystemExit is what is checked
            raised.append(exc)

    @flow(on_crashed=[hook, async_hook])
    def crashes() -> None:
        raise SystemExit(3)

    with pytest.raises(SystemExit):
        crashes()
    assert [type(exc) for exc in raised] == [SystemExit, SystemExit]
    assert all(exc.code == 3 for exc in raised if isinstance(exc, SystemExit))
    assert [type(value) for value in given] == [SystemExit]


def test_the_retry_editors_empty_budget_field_says_prefects_default() -> None:
    """With the budget's layer ``builtin``, the editor's hint fell back to flowtop's own
    words, ``unset: budget 0, retries on Retry only``, which a Prefect author cannot act on."""
    from flowtop.workspace.flow_shapes import builtin_placeholders

    assert builtin_placeholders(drop_in_task().policy)["max_retries"] == PREFECT_DEFAULT
    assert builtin_placeholders(drop_in_task(retries=0).policy)["max_retries"] == "0 (no retries)"
