"""Prefect's docs' generator flows under drop-in (``concepts/flows.mdx``: "Prefect
supports: … Generators"; "Generator functions are consumed when returned from flows"):
a ``@flow`` with ``yield`` runs in its own flow run as its caller iterates it, a flow
called in a task attempt too; a flow that returns a generator has it consumed into a list
(``engine/flow_generators.py``)."""

from __future__ import annotations

from pathlib import Path

from drop_in_kit import drop_in_module

from flowtop.engine import Runner, RunStarted, StateType
from flowtop.engine.events import Event, RunFinished
from flowtop.engine.flow import Flow
from flowtop.engine.records import RunResult
from flowtop.engine.states import StateType as S

DOCS = """
from prefect import flow, task

@task
def double(i):
    return i * 2

@flow
def generator():
    for i in range(3):
        yield double(i)

@flow
def consumer():
    return [val for val in generator()]

@task
def collects():
    return list(generator())

@flow
def via_task():
    return collects()

def gen():
    yield from [1, 2, 3]
    print('Generator consumed!')

@flow
def f():
    return gen()
"""


def _events(flow_: Flow) -> tuple[RunResult, list[Event]]:
    events: list[Event] = []
    with Runner(sinks=[events.extend]) as runner:
        result = runner.run(flow_)
        runner.bus.flush()
    return result, events


def test_the_docs_generator_flow_runs_in_its_own_run_called_in_a_flow_or_a_task(
    tmp_path: Path,
) -> None:
    module = drop_in_module(tmp_path, "docs_generators", DOCS)
    assert list(module.generator()) == [0, 2, 4]
    for caller in (module.consumer, module.via_task):
        result, events = _events(caller)
        assert result.value == [0, 2, 4]
        started = {e.flow: e for e in events if isinstance(e, RunStarted)}
        child = started["generator"]
        ended = [e for e in events if isinstance(e, RunFinished) and e.run_id == child.run_id]
        assert ended[0].state is StateType.COMPLETED
        assert ended[0].counts == {S.COMPLETED.value: 3}  # its tasks, not its caller's


def test_a_flow_returning_a_generator_has_it_consumed_as_the_docs_say(tmp_path: Path) -> None:
    module = drop_in_module(tmp_path, "docs_returned", DOCS)
    assert module.f() == [1, 2, 3]
    result, events = _events(module.f)
    assert result.value == [1, 2, 3]
    (ended,) = [e for e in events if isinstance(e, RunFinished)]
    assert "Generator consumed!" in ended.output
