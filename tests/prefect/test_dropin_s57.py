"""Prefect 3 drop-in differences found by exploring (s57), each checked in Prefect's source
(src/prefect at ce79dd3):

- ``@task(timeout_seconds=0)`` and ``task.with_options(timeout_seconds=0)`` refused the
  whole file (``timeout must be greater than 0``); Prefect reads 0 as no timeout
  (``tasks.py``: ``float(timeout_seconds) if timeout_seconds else None``);
- Ctrl+C or SIGTERM of ``flowtop run`` called a drop-in flow's ``on_cancellation`` hooks;
  Prefect crashes the run (``flow_engine``: ``handle_crash``), calling ``on_crashed``
  with a ``Crashed`` state;
- ``[defaults] max_retries`` (a run's default budget) gave a drop-in task a ``Retry``
  budget its code cannot spend (``+2 on Retry``): it is its retries now;
- ``@flow(task_runner=ThreadPoolTaskRunner)``, the class, was refused; Prefect's ``Flow``
  makes an instance of it;
- a drop-in flow run no ``flow_run_name`` names was ``export #1`` to Prefect code, where
  Prefect's is a slug (``crafty-lemur``);
- a flow that returned ``Failed(message=…)`` read ``flow raised FailedRun`` with
  flowtop's internal path in its traceback.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from engine.kit import Recorder
from flowtop import flow, task
from flowtop.commands.run_signals import CtrlC, Terminated
from flowtop.compat.prefect_flows import flow as prefect_flow
from flowtop.compat.prefect_tasks import task as prefect_task
from flowtop.context import get_run_context
from flowtop.engine import RunFinished, Runner, StateType
from flowtop.engine.layers import Layer
from flowtop.engine.states import PrefectOnlyStateType
from flowtop.looks import run_error_text
from flowtop.runtime import flow_run as runtime_flow_run
from flowtop.states import Failed
from flowtop.task_runners import ConcurrentTaskRunner, ThreadPoolTaskRunner

SLUG = re.compile(r"[a-z]+-[a-z]+")


# -- 4: timeout_seconds=0 ------------------------------------------------------------------
def test_a_drop_in_task_s_timeout_seconds_of_0_is_no_timeout() -> None:
    @prefect_task(timeout_seconds=0)
    def t0() -> str:
        return "ok"

    @prefect_flow
    def zero() -> str:
        return t0()

    assert t0.timeout_seconds is None and t0.policy.timeout is None
    assert zero() == "ok"
    timed = prefect_task(timeout_seconds=5)(lambda: 1)
    copy = timed.with_options(timeout_seconds=0)  # Prefect's copy has none
    assert copy.timeout_seconds is None and copy.policy.timeout is None
    assert timed.with_options(retries=1).policy.timeout == 5
    assert prefect_task(timeout_seconds=0.0)(lambda: 1).policy.timeout is None


def test_flowtop_s_own_task_still_refuses_a_timeout_of_0() -> None:
    with pytest.raises(ValueError, match="timeout must be greater than 0"):
        task(timeout=0)(lambda: 1)


# -- 8: a task runner class ----------------------------------------------------------------
def test_a_task_runner_class_is_taken_as_prefect_takes_it() -> None:
    @prefect_task
    def one() -> int:
        return 1

    @prefect_flow(task_runner=ThreadPoolTaskRunner)
    def cls_runner() -> int:
        return one.submit().result()

    assert cls_runner() == 1
    assert isinstance(cls_runner.task_runner, ThreadPoolTaskRunner)
    copy = cls_runner.with_options(name="copy", task_runner=ConcurrentTaskRunner)
    assert copy() == 1


# -- 9: a drop-in flow run's default name ---------------------------------------------------
def test_a_drop_in_flow_run_no_flow_run_name_names_is_a_slug_to_prefect_code() -> None:
    names: list[str] = []

    def hook(_: Any, flow_run: Any, __: Any) -> None:
        names.append(flow_run.name)

    @prefect_flow(on_completion=[hook])
    def export() -> None:
        names.extend([get_run_context().flow_run.name, runtime_flow_run.name])

    export()
    assert len(set(names)) == 1 and len(names) == 3, names
    assert SLUG.fullmatch(names[0]), names[0]

    @flow
    def own() -> str:
        return str(runtime_flow_run.name)

    assert re.fullmatch(r"own #\d+", own())  # flowtop's own @flow keeps flowtop's name


# -- 5: Ctrl+C and SIGTERM crash a drop-in flow run -----------------------------------------
def stopped_by(why: str, make_flow: Any) -> tuple[list[str], Any, Any]:
    """Run a flow made by ``make_flow(hooks)`` until its task runs, cancel it with ``why``
    (what ``flowtop run`` gives at a signal): the hooks it called (``kind state-name
    message``), the state the crash hook got, and the run's result."""
    started, release = threading.Event(), threading.Event()
    seen: list[str] = []
    states: list[Any] = []

    def hook(kind: str) -> Any:
        def called(_: Any, __: Any, state: Any) -> None:
            seen.append(f"{kind} {state.name} {state.message}")
            states.append(state)

        return called

    def wait_here() -> None:
        started.set()
        release.wait(5)

    hooks = {k: [hook(k)] for k in ("on_crashed", "on_cancellation", "on_failure")}
    pipeline = make_flow(wait_here, hooks)
    with Runner() as runner:
        run = runner.start(pipeline)
        assert started.wait(5)
        assert run.cancel(why)
        result = run.final_result(5)
        release.set()
    return seen, states[0] if states else None, result


def drop_in_flow(body: Any, hooks: dict[str, Any]) -> Any:
    step = prefect_task(body, name="step")
    return prefect_flow(lambda: step(), name="interruptible", **hooks)


def test_ctrl_c_of_flowtop_run_crashes_a_drop_in_flow_run_as_prefect_s() -> None:
    seen, state, result = stopped_by(CtrlC.why, drop_in_flow)
    assert seen == ["on_crashed Crashed Execution was aborted by an interrupt signal."]
    assert state.type is PrefectOnlyStateType.CRASHED and state.is_crashed()
    assert result.state is StateType.CANCELLED  # flowtop's record is unchanged


def test_sigterm_of_flowtop_run_crashes_a_drop_in_flow_run_too() -> None:
    seen, _, _ = stopped_by(Terminated.why, drop_in_flow)
    assert seen == ["on_crashed Crashed Execution was aborted by a termination signal."]


def test_a_cancel_asked_of_a_drop_in_run_still_calls_on_cancellation() -> None:
    seen, _, _ = stopped_by("cancelled by the user", drop_in_flow)
    assert seen == ["on_cancellation Cancelling cancelled by the user"]


def test_flowtop_s_own_flow_keeps_on_cancellation_at_ctrl_c() -> None:
    def own_flow(body: Any, hooks: dict[str, Any]) -> Any:
        step = task(body, name="step")
        return flow(lambda: step(), name="own-interruptible", **hooks)

    seen, _, _ = stopped_by(CtrlC.why, own_flow)
    assert seen == ["on_cancellation Cancelling cancelled by the user"]


# -- 7: a default budget is a drop-in task's retries ---------------------------------------
def test_a_default_budget_is_a_drop_in_task_s_retries() -> None:
    calls = {"flaky": 0, "pinned": 0}

    @prefect_task
    def flaky() -> int:
        calls["flaky"] += 1
        if calls["flaky"] < 3:
            raise ConnectionError("a")
        return calls["flaky"]

    @prefect_task(retries=0)  # set in the decorator: a default never overrides it
    def pinned() -> int:
        calls["pinned"] += 1
        raise ConnectionError("b")

    @prefect_flow
    def cfg_flow() -> Any:
        return flaky(), pinned(return_state=True)

    with Runner() as runner:
        result = runner.start(cfg_flow, default_max_retries=2).final_result(5)
    assert result.state is StateType.COMPLETED
    assert calls == {"flaky": 3, "pinned": 1}
    policy = flaky.policy.with_values(Layer.DEFAULTS, default_max_retries=2)
    assert (policy.max_retries, policy.source("max_retries")) == (2, Layer.DEFAULTS)
    assert policy.summary().startswith("2× ") and "Retry" not in policy.summary()
    assert policy.describe()["max_retries"] == ("2", Layer.DEFAULTS)


def test_flowtop_s_own_task_keeps_a_retry_only_default_budget() -> None:
    own = task(lambda: 1, name="own")
    policy = own.policy.with_values(Layer.DEFAULTS, default_max_retries=2)
    assert policy.max_retries is None and policy.summary().startswith("2× on Retry only")


# -- 10: a returned Failed(...) -------------------------------------------------------------
def test_a_returned_failed_state_reads_as_returned_not_raised() -> None:
    @prefect_flow
    def parent() -> Any:
        return Failed(message="1 task(s) failed")

    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        runner.run(parent)
        runner.bus.flush()
    [finished] = [e for e in recorder.events if isinstance(e, RunFinished)]
    assert finished.state is StateType.FAILED and finished.error is not None
    error = finished.error
    assert (error.type, error.message, error.traceback) == (
        "returned Failed",
        "1 task(s) failed",
        "",
    )
    assert run_error_text(error.type, error.message) == "flow returned Failed('1 task(s) failed')"
