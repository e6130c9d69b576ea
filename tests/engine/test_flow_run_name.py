"""Prefect's ``@flow(flow_run_name=...)``: a template of the call's parameters or a
callable, resolved as the run starts; the run's ``RunStarted.name`` and its
``FlowRunContext`` carry it, and one that cannot be made fails the run with one line."""

from __future__ import annotations

import pytest

from flowtop import flow
from flowtop.context import FlowRunContext
from flowtop.engine.events import RunStarted
from flowtop.engine.states import StateType
from flowtop.workspace.run_log import decode, encode

from .kit import Recorder


def started(recorder: Recorder, run_id: str) -> RunStarted:
    (event,) = [e for e in recorder.events if isinstance(e, RunStarted) and e.run_id == run_id]
    return event


def test_a_template_is_filled_with_the_call_s_parameters(runner, recorder) -> None:
    seen: list[str] = []

    @flow(flow_run_name="daily-{region}-{day}")
    def report(region: str, day: int = 1) -> None:
        context = FlowRunContext.get()
        assert context is not None
        seen.append(context.flow_run.name)

    run = runner.start(report, args=("eu",))
    assert run.final_result(10).state is StateType.COMPLETED
    runner.bus.flush()
    assert seen == ["daily-eu-1"] and started(recorder, run.run_id).name == "daily-eu-1"


def test_a_callable_is_called_in_the_run_s_context(runner, recorder) -> None:
    def name() -> str:
        context = FlowRunContext.get()
        assert context is not None
        return f"for-{context.parameters['region']}"

    @flow(flow_run_name=name)
    def report(region: str = "us") -> None:
        return None

    run = runner.start(report)
    run.final_result(10)
    runner.bus.flush()
    assert started(recorder, run.run_id).name == "for-us"


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        (
            "x-{nope}",
            "FlowRunNameError: flow_run_name 'x-{nope}' names 'nope' that is not a parameter of 'report'",
        ),
        (lambda: 42, "TypeError: Callable"),
    ],
)
def test_a_name_that_cannot_be_made_fails_the_run_before_its_body(runner, spec, error) -> None:
    ran: list[bool] = []

    @flow(flow_run_name=spec)
    def report(region: str = "us") -> None:
        ran.append(True)

    result = runner.start(report).final_result(10)
    assert result.state is StateType.FAILED and not ran
    assert result.error is not None
    assert f"{type(result.error).__name__}: {result.error}".startswith(error)


def test_a_name_of_another_kind_is_refused_at_definition() -> None:
    with pytest.raises(TypeError, match="Expected string or callable for 'flow_run_name'; got int"):

        @flow(flow_run_name=3)
        def report() -> None: ...


def test_the_name_is_logged_with_the_run_s_start() -> None:
    event = RunStarted("r1", "report", 3, (), (), (), None, 1.0, name="daily-eu")
    assert decode(encode(event), "r1") == event
    assert decode(encode(event._replace(name="")), "r1").name == ""
