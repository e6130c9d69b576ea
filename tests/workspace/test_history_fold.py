"""The history's SQL fold against a plain model of what each task went through.

Hypothesis draws task lives the engine can produce (attempts that retry, fail or
complete, a cancel while running or waiting, a task reused by a rerun, one skipped
because its upstream failed, a task a ``@flow`` only reaches mid-run), interleaves them
as concurrent workers would, and cuts the stream into batches at random. What the
history reads back must match the model, and must not depend on where the cuts fell,
nor on how a backlog is sliced for staging.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowtop.engine.events import ErrorInfo, Event, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.workspace import history_fold
from flowtop.workspace.history import History

RUN = "run-1"
FLOW = "modelled"


@dataclass
class Attempt:
    number: int
    state: str = "RUNNING"
    started: float | None = None
    duration: float | None = None
    result: str | None = None
    error: ErrorInfo | None = None
    output: str = ""
    retry_in: float | None = None


@dataclass
class Life:
    """One task's events, and what the history should say about it afterwards."""

    key: str
    planned: bool
    events: list[TaskStateChanged] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    state: str = "PENDING"
    result: str | None = None
    error: ErrorInfo | None = None
    duration: float | None = None
    started: float | None = None
    reused: bool = False


@st.composite
def lives(draw: st.DrawFn, key: str, planned: bool) -> Life:
    life = Life(key, planned)
    limit = draw(st.integers(1, 4))
    clock = iter(range(1, 1000))

    def emit(state: S, attempt: int, **extra: object) -> TaskStateChanged:
        event = TaskStateChanged(RUN, FLOW, key, state, attempt, limit, float(next(clock)), **extra)
        life.events.append(event)
        life.state = state.value
        return event

    kind = draw(st.sampled_from(["attempts", "reused", "upstream_failed", "cancelled_pending"]))
    if kind == "reused":
        emit(S.COMPLETED, 0, result="'kept'", reused=True)
        life.result, life.reused = "'kept'", True
        return life
    if kind == "upstream_failed":
        emit(S.UPSTREAM_FAILED, 0, message="upstream task 'x' did not complete")
        return life
    if kind == "cancelled_pending":
        emit(S.CANCELLED, 0, message="cancelled by the user")
        return life
    for number in range(1, limit + 1):
        running = emit(S.RUNNING, number)
        attempt = Attempt(number, started=running.ts)
        life.attempts.append(attempt)
        life.started = life.started or running.ts
        ending = draw(st.sampled_from(["fail", "complete", "cancel", "stay"]))
        if ending == "cancel":
            emit(S.CANCELLED, number, message="cancelled by the user")
            attempt.state = "CANCELLED"
            return life
        if ending == "stay":  # the run is still going when the stream ends
            return life
        duration = draw(st.floats(0.001, 5.0))
        output = draw(st.sampled_from(["", "some output\n", "ünïcode ✓\n"]))
        life.duration = (life.duration or 0.0) + duration
        attempt.duration, attempt.output = duration, output
        if ending == "complete":
            result = draw(st.sampled_from(["1", "None", "'text'"]))
            emit(S.COMPLETED, number, result=result, duration=duration, output=output)
            attempt.state, attempt.result = "COMPLETED", result
            life.result, life.error = result, None
            return life
        error = ErrorInfo("ConnectionError", f"boom {number}", "Traceback ...")
        attempt.error, life.error = error, error
        if number == limit:
            emit(S.FAILED, number, error=error, duration=duration, output=output)
            attempt.state = "FAILED"
            return life
        retry_in = draw(st.floats(0.0, 10.0))
        emit(
            S.AWAITING_RETRY,
            number,
            error=error,
            duration=duration,
            output=output,
            retry_in=retry_in,
            delay_explained="fixed",
        )
        attempt.state, attempt.retry_in = "AWAITING_RETRY", retry_in
        if draw(st.booleans()) and draw(st.booleans()):  # cancelled while waiting
            emit(S.CANCELLED, number, message="cancelled by the user")
            attempt.state = "CANCELLED"  # recorded as cut by the cancel, not "retried"
            return life
    return life


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[Life], list[list[Event]]]:
    """Task lives interleaved as workers would emit them, framed by the run, cut into batches."""
    planned = draw(st.integers(1, 5))
    dynamic = draw(st.integers(0, 3))
    tasks = [draw(lives(f"t{i}", True)) for i in range(planned)]
    tasks += [draw(lives(f"dyn-{i}", False)) for i in range(dynamic)]
    queues = [list(life.events) for life in tasks]
    order: list[Event] = []
    while any(queues):
        queue = draw(st.sampled_from([q for q in queues if q]))
        order.append(queue.pop(0))
    start = RunStarted(
        RUN,
        FLOW,
        1,
        tuple(life.key for life in tasks if life.planned),
        tuple(4 for life in tasks if life.planned),
        tuple(f"policy of {life.key}" for life in tasks if life.planned),
        None,
        0.0,
    )
    events: list[Event] = [start, *order]
    if draw(st.booleans()):
        events.append(RunFinished(RUN, FLOW, 1, S.FAILED, {}, 1.0, 999.0))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(events) - 1)), max_size=6)))
    batches = [events[a:b] for a, b in zip([0, *cuts], [*cuts, len(events)], strict=True)]
    return tasks, [b for b in batches if b]


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new store's file, made once: each store below starts as a copy of it (setting up
    the schema afresh was half of an example's time)."""
    path = tmp_path_factory.mktemp("empty") / "history.db"
    History(path).close()
    return path


def stored(batches: list[list[Event]], empty: Path) -> tuple:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copyfile(empty, Path(tmp) / "history.db")
        history = History(Path(tmp) / "history.db")
        try:
            for batch in batches:
                history.sink(batch)
                assert history.flush(10)
            return history.run_detail(RUN)
        finally:
            history.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_the_stored_run_is_what_each_task_went_through(empty_store: Path, drawn) -> None:
    tasks, batches = drawn
    detail = stored(batches, empty_store)
    seen = [e.task for batch in batches for e in batch if type(e) is TaskStateChanged]
    reached = sorted((life for life in tasks if not life.planned), key=lambda t: seen.index(t.key))
    expected = [life for life in tasks if life.planned] + reached  # the plan, then first reached
    assert [t.task for t in detail.tasks] == [life.key for life in expected]
    for life, record in zip(expected, detail.tasks, strict=True):
        assert record.state == life.state, life.key
        assert record.reused == life.reused
        assert record.result == life.result
        assert record.started == life.started
        assert (record.error_type, record.error_message) == (
            (life.error.type, life.error.message) if life.error else (None, None)
        )
        assert record.duration == (None if life.duration is None else pytest.approx(life.duration))
        assert record.policy == (f"policy of {life.key}" if life.planned else "")
        got = [
            (a.number, a.state, a.started, a.duration, a.result, a.output, a.retry_in)
            for a in record.attempt_records
        ]
        want = [
            (a.number, a.state, a.started, a.duration, a.result, a.output, a.retry_in)
            for a in life.attempts
        ]
        assert got == want, life.key
        for a, model in zip(record.attempt_records, life.attempts, strict=True):
            assert (a.error_type, a.error_message, a.traceback) == (
                tuple(model.error) if model.error else (None, None, None)
            )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_where_the_batches_were_cut_does_not_matter(empty_store: Path, drawn) -> None:
    _, batches = drawn
    whole = stored([[e for batch in batches for e in batch]], empty_store)
    assert stored(batches, empty_store) == whole
    with mock.patch.object(history_fold, "STEPS_PER_ROW", 2):  # a backlog, in rows of two
        assert stored([[e for batch in batches for e in batch]], empty_store) == whole
