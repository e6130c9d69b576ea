"""``Runner.start(..., parameters=…)``: the run records the parameters' JSON it is given
(its subflow call made it already), not its own; without it, it makes its own."""

from __future__ import annotations

from typing import Any

from flowtop import StateType, flow
from flowtop.engine import Runner
from flowtop.engine.events import RunStarted
from flowtop.engine.run_options import NOT_GIVEN, RunOptions


def test_a_run_records_the_parameters_it_is_given() -> None:
    @flow
    def child(n: int) -> int:
        return n

    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        given = runner.start(child, args=(1,), parameters='{"n":"as given"}').final_result()
        own = runner.start(child, args=(2,)).final_result()
    assert given.state is own.state is StateType.COMPLETED
    started = [e.parameters for e in seen if isinstance(e, RunStarted)]
    assert started == ['{"n":"as given"}', '{"n":2}']
    assert RunOptions().parameters is NOT_GIVEN
