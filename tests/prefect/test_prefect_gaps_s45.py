"""Prefect 3.9.1 code that failed under flowtop, each checked against Prefect itself:
Prefect's ``StateType.CRASHED`` (and ``SCHEDULED``, ``PAUSED``, ``CANCELLING``) in a hook,
the ``flow_run`` a hook and ``FlowRunContext`` read (``parameters``, ``state``,
``flow_version``, …), pendulum's methods on ``prefect.runtime``'s times, a task that
returns ``Cancelled(...)``, and the names in ``get_run_logger().extra``."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from flowtop import flow, get_run_logger, task
from flowtop.compat import prefect_imports
from flowtop.context import FlowRunContext
from flowtop.engine.prefect_datetime import DateTime
from flowtop.engine.states import PrefectOnlyStateType, StateType
from flowtop.exceptions import CancelledRun
from flowtop.runtime import flow_run as runtime_flow_run
from flowtop.states import Cancelled


# -- Prefect's StateType names ------------------------------------------------------------
def test_prefect_s_state_type_names_exist_and_match_no_flowtop_state() -> None:
    """``StateType.CRASHED`` raised AttributeError, so a hook alerting on
    ``state.type in (StateType.FAILED, StateType.CRASHED)`` never alerted (the hook's
    error is logged and swallowed)."""
    with prefect_imports():
        from prefect.client.schemas.objects import StateType as PrefectStateType
    assert PrefectStateType is StateType
    alerts: list[str] = []

    def alert(flow_: Any, flow_run: Any, state: Any) -> None:
        if state.type in (PrefectStateType.FAILED, PrefectStateType.CRASHED):
            alerts.append(flow_run.name)

    @task
    def step() -> None:
        raise RuntimeError("db down")

    @flow(on_failure=[alert])
    def nightly() -> None:
        step()

    with pytest.raises(RuntimeError, match="db down"):
        nightly()
    assert alerts == ["nightly #1"]
    for name in ("SCHEDULED", "PENDING", "CRASHED", "PAUSED", "CANCELLING"):
        type_ = getattr(StateType, name)  # its str() Prefect 3.9.1's on Python 3.11
        assert (type_.value, str(type_)) == (name, f"StateType.{name}")
    # not members: every map over the engine's states stays exhaustive, and none matches
    assert {s.value for s in StateType}.isdisjoint(s.value for s in PrefectOnlyStateType)
    assert StateType.CANCELLING != StateType.CANCELLED and StateType.CRASHED != StateType.FAILED
    with pytest.raises(ValueError, match="CRASHED"):
        StateType("CRASHED")


# -- the flow_run a hook and FlowRunContext read --------------------------------------------
def test_a_hook_s_flow_run_has_prefect_s_parameters_state_and_version() -> None:
    """As Prefect 3.9.1 gives them (checked side by side): the bound parameters with
    defaults, the run's state (the hook's own state in a final hook), no deployment, no
    end time and zero run time until the run ends, and the md5 of the flow's file."""
    seen: list[tuple[Any, ...]] = []

    def notify(flow_: Any, flow_run: Any, state: Any) -> None:
        seen.append(
            (
                flow_run.parameters,
                flow_run.state.name,
                flow_run.state_name,
                flow_run.state_type,
                flow_run.state.message == state.message,
                flow_run.deployment_id,
                flow_run.end_time,
                flow_run.total_run_time,
                flow_run.flow_version,
            )
        )

    in_run: list[Any] = []

    @task
    def peek() -> None:
        in_run.append(FlowRunContext.get())

    @flow(on_running=[notify], on_completion=[notify], on_failure=[notify])
    def job(region: str = "eu", mode: str = "ok") -> str:
        in_run.append(FlowRunContext.get())
        peek()
        if mode == "fail":
            raise ValueError(f"bad {region}")
        return region

    job("us")
    with pytest.raises(ValueError, match="bad us"):
        job("us", "fail")
    version = hashlib.md5(Path(__file__).read_bytes(), usedforsecurity=False).hexdigest()
    ok, bad = {"region": "us", "mode": "ok"}, {"region": "us", "mode": "fail"}
    nothing = (None, None, timedelta(0), version)
    assert seen == [
        (ok, "Running", "Running", StateType.RUNNING, True, *nothing),
        (ok, "Completed", "Completed", StateType.COMPLETED, True, *nothing),
        (bad, "Running", "Running", StateType.RUNNING, True, *nothing),
        (bad, "Failed", "Failed", StateType.FAILED, True, *nothing),
    ]
    body, in_task = in_run[:2]
    assert body.flow_run.parameters == in_task.flow_run.parameters == ok == body.parameters
    assert body.flow_run.state_name == "Running"
    assert isinstance(body.start_time, DateTime) and body.start_time == body.flow_run.start_time


# -- pendulum's methods on prefect.runtime's times ------------------------------------------
def test_runtime_times_have_pendulum_s_methods_as_prefect_s_datetime() -> None:
    """``flow_run.scheduled_start_time.to_date_string()`` raised AttributeError."""
    read: list[Any] = []

    @flow
    def report() -> None:
        when = runtime_flow_run.scheduled_start_time
        read.append((when, when.to_date_string(), when.in_timezone("Europe/Paris")))

    before = datetime.now(UTC)
    report()
    ((when, day, paris),) = read
    assert isinstance(when, DateTime) and before <= when <= datetime.now(UTC)
    assert day == when.strftime("%Y-%m-%d") and isinstance(paris, DateTime) and paris == when
    assert isinstance(when + timedelta(days=1), DateTime)


def test_date_time_formats_as_pendulum_does() -> None:
    """Expected texts are pendulum's own (Prefect 3.9.1's ``DateTime``) for these times."""
    late = DateTime(2026, 12, 4, 20, 7, 9, 645914, tzinfo=UTC)
    early = DateTime(2026, 1, 2, 0, 7, 9, 45914, tzinfo=UTC)
    tokens = "YYYY-MM-DD HH:mm:ss Z ZZ A a Do MMMM MMM dddd ddd hh h M D SSS SSSSSS X x [at] YY T Q"
    assert late.format(tokens) == (
        "2026-12-04 20:07:09 +00:00 +0000 PM a 4th December Dec Friday Fri 08 8 12 4 645 "
        "645914 1796414829 1796414829645 at 26 T 4"
    )
    assert early.format("A hh h Do S SS SSSS") == "AM 12 12 2nd 0 04 0459"
    assert late.to_iso8601_string() == "2026-12-04T20:07:09.645914Z"
    assert late.to_datetime_string() == "2026-12-04 20:07:09"
    assert (
        late.in_timezone("Europe/Paris").to_iso8601_string() == "2026-12-04T21:07:09.645914+01:00"
    )
    with pytest.raises(ValueError, match="'DDDD' is not rendered in flowtop"):
        late.format("DDDD")


def test_a_mocked_scheduled_start_time_is_a_date_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Prefect's ``PREFECT__RUNTIME__…`` mock is made the type of the real value."""
    monkeypatch.setenv("PREFECT__RUNTIME__FLOW_RUN__SCHEDULED_START_TIME", "2026-01-02T03:04:05")
    mocked = runtime_flow_run.scheduled_start_time
    assert isinstance(mocked, DateTime) and mocked.to_date_string() == "2026-01-02"


# -- a task that returns Cancelled(...) -------------------------------------------------------
def test_a_task_returning_cancelled_gives_a_cancelled_state() -> None:
    """As in Prefect 3.9.1 (checked side by side): the state is cancelled, not failed, and
    its result raises ``CancelledRun`` with the state's message."""
    got: dict[str, Any] = {}

    calls: list[int] = []

    @task(retries=2)
    def nothing_to_do() -> Any:
        calls.append(1)
        return Cancelled(message="nothing to do")

    @flow
    def nightly() -> None:
        state = nothing_to_do(return_state=True)
        got["state"] = (state.type, state.name, state.message, state.is_cancelled())
        got["failed"] = state.is_failed()
        with pytest.raises(CancelledRun, match="nothing to do"):
            state.result()
        future = nothing_to_do.submit()
        with pytest.raises(CancelledRun, match="nothing to do"):
            future.result()
        got["future"] = future.state.is_cancelled()

    nightly()
    assert got == {
        "state": (StateType.CANCELLED, "Cancelled", "nothing to do", True),
        "failed": False,
        "future": True,
    }
    assert len(calls) == 2  # one call each, not retried (Prefect 3.9.1 calls it once)
    assert nothing_to_do(return_state=True).is_cancelled()  # outside any flow too
    assert len(calls) == 3


# -- get_run_logger().extra -------------------------------------------------------------------
def test_run_loggers_carry_prefect_s_names_in_extra() -> None:
    """A task's run logger had an empty ``extra``; a flow's had flowtop's own keys."""
    extras: list[dict[str, Any]] = []

    def names() -> None:
        logger = get_run_logger()
        assert isinstance(logger, logging.LoggerAdapter)
        extras.append(dict(logger.extra or {}))

    step = task(name="step", task_run_name="step-{n}")(lambda n: names())

    @flow(flow_run_name="nightly-{region}")
    def nightly(region: str) -> None:
        names()
        step(1)

    step(2)  # outside any flow: Prefect's "<unknown>" flow run
    nightly("eu")
    alone, flow_extra, in_flow = extras
    assert alone["task_run_name"] == "step-2" and alone["task_name"] == "step"
    assert alone["flow_run_id"] is None
    assert alone["flow_run_name"] == alone["flow_name"] == "<unknown>"
    assert flow_extra == {
        "flow_run_name": "nightly-eu",
        "flow_run_id": flow_extra["flow_run_id"],
        "flow_name": "nightly",
        "deployment_name": None,
    }
    assert in_flow == {
        "task_run_id": in_flow["task_run_id"],
        "flow_run_id": flow_extra["flow_run_id"],
        "task_run_name": "step-1",
        "task_name": "step",
        "flow_run_name": "nightly-eu",
        "flow_name": "nightly",
    }
    assert isinstance(in_flow["task_run_id"], str) and isinstance(alone["task_run_id"], str)


def test_a_final_hook_s_flow_run_state_is_the_hook_s_own_state() -> None:
    """A final hook's ``flow_run.state`` is the state it is given: a named completion, a
    crash, a timeout."""
    from flowtop.states import Completed

    pairs: list[tuple[Any, Any]] = []

    def compare(flow_: Any, flow_run: Any, state: Any) -> None:
        pairs.append(((flow_run.state.name, flow_run.state.message), (state.name, state.message)))

    hooks: dict[str, Any] = {"on_completion": [compare], "on_failure": [compare]}

    @flow(**hooks)
    def skipped() -> Any:
        return Completed(message="No work to do", name="Skipped")

    @flow(on_crashed=[compare])
    def crashing() -> None:
        raise SystemExit(3)

    @flow(timeout_seconds=0.05, **hooks)
    def slow() -> None:
        for _ in range(200):
            time.sleep(0.01)

    skipped()
    with pytest.raises(SystemExit):
        crashing()
    with pytest.raises(TimeoutError):
        slow()
    assert [seen for seen, _ in pairs] == [
        ("Skipped", "No work to do"),
        ("Crashed", "Execution was aborted by Python system exit call."),
        ("TimedOut", "Flow run exceeded timeout of 0.05 second(s)"),
    ]
    assert all(seen == given for seen, given in pairs)
