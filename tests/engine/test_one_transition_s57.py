"""Issue 17: every change of a task's record goes through ``FlowRun._transition``; the
engine imports nothing above it; one name for the flow modules' package.

- A reused task's ``reused`` and ``attempt`` are set by the transition, so a refused one
  leaves the record as it was (they were set by each caller before it).
- What waits for a task to be final is woken by the transition itself, for any run.
- Replayed steps are made by one constructor, the engine's by one positional helper.
"""

from __future__ import annotations

import threading
from pathlib import Path

import grimp
import pytest

import flowtop
from flowtop import Flow, task
from flowtop.engine.errors import IllegalTransition
from flowtop.engine.events import TaskStateChanged, replayed_step, task_step
from flowtop.engine.states import State, StateType

from .kit import Recorder


def test_a_refused_transition_leaves_reused_and_attempt_as_they_were(make_runner) -> None:
    @task
    def one() -> int:
        return 1

    with Flow("refused") as flow:
        one()
    run = make_runner(1).start(flow)
    assert run.wait(30)
    (tr,) = run.tasks.values()
    with run._lock, pytest.raises(IllegalTransition):  # COMPLETED is final
        run._complete(tr, 2, reused=True, attempt=7)
    assert (tr.reused, tr.attempt, tr.result) == (False, 1, 1)


def test_a_reused_task_record_and_event_say_the_same(make_runner) -> None:
    @task
    def one() -> int:
        return 1

    with Flow("reused") as flow:
        one()
    sink = Recorder()
    runner = make_runner(1, sinks=(sink,))
    first = runner.start(flow)
    assert first.wait(30)
    (key,) = first.tasks
    source = first.tasks[key]
    again = runner.start(flow, reuse={key: State(StateType.COMPLETED, result=1, attempt=3)})
    assert again.wait(30) and runner.bus.flush(30)
    tr = again.tasks[key]
    (step,) = sink.of(key, StateType.COMPLETED, again.run_id)
    assert (tr.reused, tr.attempt) == (step.reused, step.attempt) == (True, 3)
    assert source.reused is False


def test_a_task_turning_final_wakes_its_waiters_in_any_run(make_runner) -> None:
    """A static flow's run too: the waking is the transition's, not an override's."""
    started, gate = threading.Event(), threading.Event()

    @task
    def slow() -> int:
        started.set()
        gate.wait(30)
        return 1

    @task
    def after(x: int) -> int:
        return x

    with Flow("waiters") as flow:
        after(slow())
    run = make_runner(2).start(flow)
    try:
        assert started.wait(30)
        waiting = next(tr for tr in run.tasks.values() if tr.state is StateType.PENDING)
        woken: list[StateType] = []
        with run._lock:
            run._on_final.setdefault(waiting.key, []).append(lambda: woken.append(waiting.state))
        run.cancel("cancelled by the test")
        assert woken == [StateType.CANCELLED]
    finally:
        gate.set()
        run.wait(30)


def test_steps_are_made_by_one_helper_each() -> None:
    fields = dict(run_id="r", flow="f", task="t", state=StateType.RUNNING)
    fields |= dict(attempt=1, max_attempts=2, ts=1.0)
    by_keyword = TaskStateChanged(**fields, message="m")  # type: ignore[arg-type]
    assert replayed_step(**fields, message="m") == by_keyword  # type: ignore[arg-type]
    in_order = tuple(by_keyword)
    assert type(task_step(in_order)) is TaskStateChanged and task_step(in_order) == by_keyword


def test_the_engine_imports_nothing_of_flowtop_runtime() -> None:
    """``caching`` formats a ``result_storage_key`` with ``engine.runtime_reads``; it
    imported ``flowtop.runtime`` inside a function, a cycle no contract saw."""
    graph = grimp.build_graph("flowtop", exclude_type_checking_imports=True, cache_dir=None)
    engine = {m for m in graph.modules if m.startswith("flowtop.engine.")}
    above = {
        (m, i)
        for m in engine
        for i in graph.find_modules_directly_imported_by(m)
        if i == "flowtop.runtime" or i.startswith("flowtop.runtime.")
    }
    assert above == set()


def test_the_flow_modules_package_is_named_once() -> None:
    app = Path(flowtop.__file__).parent
    named = [
        path
        for path in app.rglob("*.py")
        if 'FLOW_PACKAGE = "' in path.read_text(encoding="utf-8")
        or 'FLOW_PACKAGE: str = "' in path.read_text(encoding="utf-8")
    ]
    assert [p.relative_to(app).as_posix() for p in named] == ["engine/flow_package.py"]
