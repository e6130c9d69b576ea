"""The event bus (no consumer can slow or break a run) and the JSON shapes of SPEC §5."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import pytest

from flowtop import Flow, Retry, task
from flowtop.engine import EventBus, Runner
from flowtop.engine.bus import BATCH_WINDOW, Subscription
from flowtop.engine.events import Event, RunFinished, RunStarted, TaskStateChanged

from .kit import Recorder, wait_until


def many(n: int, name: str = "many") -> Flow:
    @task
    def noop(i: int) -> int:
        return i

    with Flow(name) as flow:
        for i in range(n):
            noop(i)
    return flow


def test_every_sink_gets_the_same_ordered_stream(make_runner) -> None:
    sinks = [Recorder() for _ in range(3)]
    runner = make_runner(4, sinks=sinks)
    runs = [runner.start(many(50, f"f{i}")) for i in range(3)]
    for run in runs:  # generous: a loaded 2-core machine once took more than 5 s
        assert run.wait(60)
    assert runner.bus.flush(60)
    streams = [s.events for s in sinks]
    assert len(streams[0]) == 3 * (1 + 2 * 50 + 1)
    assert streams[0] == streams[1] == streams[2]


def test_a_sink_added_later_sees_later_events(make_runner) -> None:
    early, late = Recorder(), Recorder()
    runner = make_runner(2, sinks=(early,))
    runner.start(many(3, "a")).wait(5)
    runner.bus.flush()
    runner.bus.add_sink(late)
    runner.start(many(3, "b")).wait(5)
    runner.bus.flush()
    assert {e.flow for e in late.events} == {"b"}
    assert early.events[-len(late.events) :] == late.events


def test_a_slow_sink_does_not_slow_the_run(make_runner) -> None:
    """A sink stuck in its first batch until the run is over: the run ends regardless."""
    slow_done = threading.Event()
    released = threading.Event()
    delivered: list[int] = []

    def slow(events: list) -> None:
        released.wait(5)
        delivered.append(len(events))
        if any(isinstance(e, RunFinished) for e in events):
            slow_done.set()

    fast = Recorder()
    runner = make_runner(4, sinks=(slow, fast))
    run = runner.start(many(200))
    assert run.wait(5), "the run waited for a sink that was stuck"
    assert not slow_done.is_set()
    released.set()
    assert runner.bus.flush(5)
    assert slow_done.is_set()
    assert sum(delivered) == len(fast.events) == 1 + 2 * 200 + 1
    assert len(delivered) <= 3  # batched, not one call per event


def test_a_raising_sink_does_not_stop_the_others(make_runner, caplog) -> None:
    calls: list[int] = []

    def broken(events: list) -> None:
        calls.append(len(events))
        raise RuntimeError("consumer bug")

    good = Recorder()
    runner = make_runner(2, sinks=(broken, good))
    with caplog.at_level(logging.ERROR, logger="flowtop.events"):
        runner.start(many(5, "one")).wait(5)
        runner.bus.flush()
        runner.start(many(5, "two")).wait(5)
        runner.bus.flush()
    assert len(good.events) == 2 * (1 + 10 + 1)
    assert sum(calls) == len(good.events)  # the broken sink kept being called
    assert "event sink" in caplog.text and "consumer bug" in caplog.text


def test_flush_waits_for_delivery_and_times_out_on_a_stuck_sink() -> None:
    gate = threading.Event()
    got: list = []

    def gated(events: list) -> None:
        gate.wait(5)
        got.extend(events)

    bus = EventBus([gated])
    try:
        for i in range(10):
            bus.emit(i)  # type: ignore[arg-type]
        assert bus.flush(timeout=0.05) is False
        gate.set()
        assert bus.flush(timeout=5) is True
        assert got == list(range(10))
        bus.emit(10)  # type: ignore[arg-type]
        assert bus.flush() and got == list(range(11))
    finally:
        gate.set()
        bus.close()


def test_a_sink_s_own_batch_window_gathers_a_burst_and_flush_cuts_it_short() -> None:
    patient = Recorder()
    eager = Recorder()
    bus = EventBus([Subscription(patient, batch_window=60.0), eager])  # 60 s: past this test
    try:
        for i in range(200):
            bus.emit(i)  # type: ignore[arg-type]
            if i % 50 == 0:
                time.sleep(0.02)  # longer than the default window: the eager sink drains
        wait_until(lambda: eager.events == list(range(200)))
        assert patient.events == []  # still inside its window
        assert bus.flush(timeout=5)  # does not wait out the 60 s
        assert patient.events == list(range(200)) and patient.batches == 1
        assert eager.batches > 1
    finally:
        bus.close()


def test_a_sink_that_wants_some_events_gets_those_and_is_never_woken_for_the_rest() -> None:
    """``wants`` is asked on the emitting thread: the other events are never queued, so
    the sink's thread sleeps through them, and a flush still reaches it."""
    picky, every = Recorder(), Recorder()
    bus = EventBus([Subscription(picky, wants=lambda e: e % 10 == 0), every])  # type: ignore[operator]
    try:
        for i in range(9):
            bus.emit(i + 1)  # type: ignore[arg-type]
        assert bus.flush(timeout=5)
        assert picky.events == [] and picky.batches == 0  # called for none of them
        for i in range(10, 31):
            bus.emit(i)  # type: ignore[arg-type]
        assert bus.flush(timeout=5)
        assert picky.events == [10, 20, 30]
        assert every.events == list(range(1, 31))
    finally:
        bus.close()


def test_a_filter_that_raises_lets_the_event_through_and_the_emitter_go_on(caplog) -> None:
    got = Recorder()

    def broken(event: Any) -> bool:
        raise KeyError(event)

    bus = EventBus([Subscription(got, wants=broken)])
    try:
        with caplog.at_level(logging.ERROR, logger="flowtop"):
            bus.emit(1)  # type: ignore[arg-type]
        assert bus.flush(timeout=5) and got.events == [1]
        assert "event filter of sink" in caplog.text
    finally:
        bus.close()


def test_add_sink_takes_the_window_as_an_argument_and_refuses_a_bad_one() -> None:
    patient, eager = Recorder(), Recorder()
    bus = EventBus([eager])
    try:
        bus.add_sink(patient, batch_window=60.0)
        bus.emit(1)  # type: ignore[arg-type]
        wait_until(lambda: eager.events == [1])
        assert patient.events == []  # a minute's window, from the argument
        assert bus.flush(timeout=5) and patient.events == [1]
        for bad in (-1, float("nan"), float("inf"), "1"):
            with pytest.raises(ValueError, match="batch_window must be seconds >= 0"):
                bus.add_sink(Recorder(), batch_window=bad)  # type: ignore[arg-type]
    finally:
        bus.close()


def test_close_delivers_everything_then_stops_the_thread() -> None:
    got: list = []
    bus = EventBus([got.extend])
    for i in range(1000):
        bus.emit(i)  # type: ignore[arg-type]
    workers = list(bus._workers)
    bus.close()
    assert got == list(range(1000))
    assert not any(w.thread.is_alive() for w in workers)


def test_events_are_immutable(runner: Runner, recorder: Recorder) -> None:
    runner.start(many(1)).wait(5)
    runner.bus.flush()
    for event in recorder.events:
        with pytest.raises(AttributeError):
            event.flow = "changed"  # type: ignore[misc]


RUN_STARTED = {"event", "run_id", "flow", "run", "tasks", "ts"}
TASK_STATE = {"event", "run_id", "flow", "task", "state", "attempt", "max_attempts", "ts"}
RUN_FINISHED = {"event", "run_id", "flow", "run", "state", "counts", "duration", "ts"}


def test_json_shapes_match_the_spec(runner: Runner, recorder: Recorder) -> None:
    calls: list[int] = []

    @task(max_retries=3, retry_delay=0.01)
    def my_task() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("refused")
        if len(calls) == 2:
            raise Retry("again", delay=0)
        return "ok"

    @task
    def broken() -> None:
        raise ValueError("bad")

    flow = Flow("example-flow")
    flow.add_task(my_task)
    flow.add_task(broken)
    run = runner.start(flow)
    run.wait(5)
    rerun = runner.rerun_failed(run)
    rerun.wait(5)
    runner.bus.flush()
    lines = [json.loads(json.dumps(e.as_json())) for e in recorder.events if e.run_id == run.run_id]

    assert set(lines[0]) == RUN_STARTED | {"workers"}  # the spec's, and the run's workers
    assert lines[0] | {"run_id": None, "ts": None} == {
        "event": "run_started",
        "run_id": None,
        "flow": "example-flow",
        "run": 1,
        "tasks": 2,
        "ts": None,
        "workers": runner.workers,
    }
    for line in lines[1:-1]:
        assert line["event"] == "task_state" and set(line) >= TASK_STATE, line
        assert line["max_attempts"] == 4
    mine = [line for line in lines if line.get("task") == "my_task"]
    assert [(m["state"], m["attempt"]) for m in mine] == [
        ("RUNNING", 1),
        ("AWAITING_RETRY", 1),
        ("RUNNING", 2),
        ("AWAITING_RETRY", 2),
        ("RUNNING", 3),
        ("COMPLETED", 3),
    ]
    waiting = mine[1]
    assert waiting["retry_in"] == 0.01 and waiting["delay_explained"] == "retry_delay=0.01s"
    assert (
        waiting["error"]["type"] == "ConnectionError" and waiting["error"]["message"] == "refused"
    )
    assert "ConnectionError: refused" in waiting["error"]["traceback"]
    assert mine[3]["retry_in"] == 0 and mine[3]["error"]["type"] == "Retry"
    assert mine[3]["delay_explained"] == "the task raised Retry(delay=0s)"
    done = mine[-1]
    assert done["result"] == "'ok'" and isinstance(done["duration"], float) and "error" not in done
    assert "retry_in" not in mine[0] and "result" not in mine[0]
    failed = next(
        line for line in lines if line.get("task") == "broken" and line["state"] == "FAILED"
    )
    assert failed["error"]["type"] == "ValueError"
    assert set(lines[-1]) == RUN_FINISHED
    assert lines[-1]["event"] == "run_finished" and lines[-1]["state"] == "FAILED"
    assert lines[-1]["counts"] == {"COMPLETED": 1, "FAILED": 1}
    assert lines[-1]["run"] == 1 and lines[-1]["duration"] >= 0

    again = [e.as_json() for e in recorder.events if e.run_id == rerun.run_id]
    assert again[0]["rerun_of"] == run.run_id and again[0]["run"] == 2
    reused = [line for line in again if line.get("task") == "my_task"]
    assert (
        reused == [reused[0]] and reused[0]["reused"] is True and reused[0]["state"] == "COMPLETED"
    )
    assert all(json.dumps(e.as_json()) for e in recorder.events)


def test_event_types_of_a_run(runner: Runner, recorder: Recorder) -> None:
    run = runner.start(many(2))
    run.wait(5)
    runner.bus.flush()
    kinds = [type(e) for e in recorder.events]
    assert kinds[0] is RunStarted and kinds[-1] is RunFinished
    assert all(k is TaskStateChanged for k in kinds[1:-1])
    started = recorder.run_started(run.run_id)
    assert started.tasks == ("noop", "noop-2") and started.max_attempts == (4, 4)
    assert started.policies == ("3× on Retry only 0s", "3× on Retry only 0s")


class _RacingEvent(threading.Event):
    """A wake-up event whose first ``clear`` lets a put land just before it clears."""

    def __init__(self, put_between) -> None:
        super().__init__()
        self.put_between = put_between

    def clear(self) -> None:
        put, self.put_between = self.put_between, None
        if put is not None:
            put()
        super().clear()


def test_a_put_racing_the_sink_reset_is_not_lost() -> None:
    """Regression: a put between the loop's flag reset and ``wakeup.clear()`` put the sink to sleep."""
    from flowtop.engine.bus import _SinkWorker

    got: list = []
    worker = _SinkWorker(got.extend, "racing", BATCH_WINDOW, None)
    asleep_on = worker.wakeup
    worker.wakeup = _RacingEvent(lambda: worker.put("raced"))
    asleep_on.set()  # one round of the loop, whose reset the put then races
    try:
        assert worker.flush(2.0), "the sink never woke for the put that raced its reset"
        worker.put("later")
        assert worker.flush(2.0)
        assert got == ["raced", "later"]
    finally:
        worker.close(1.0)


def test_a_state_change_fills_every_field_by_name(runner: Runner, recorder: Recorder) -> None:
    """The engine builds a ``TaskStateChanged`` from its fields in order (no keywords, for
    speed): this pins the order it writes them in to the names readers use."""
    assert TaskStateChanged._fields == (
        "run_id", "flow", "task", "state", "attempt", "max_attempts", "ts", "retry_in",
        "delay_explained", "error", "result", "duration", "output", "reused", "message",
        "policy", "upstream", "event",
    )  # fmt: skip
    calls: list[int] = []

    @task(max_retries=1, retry_delay=0.01)
    def chatty() -> int:
        calls.append(1)
        print("working")
        if len(calls) == 1:
            raise ConnectionError("refused")
        return 7

    flow = Flow("fields")
    flow.add_task(chatty)
    run = runner.start(flow)
    run.wait(5)
    runner.bus.flush()
    steps = [e for e in recorder.events if type(e) is TaskStateChanged]
    running, waiting, _, done = steps
    assert (running.run_id, running.flow, running.task) == (run.run_id, "fields", "chatty")
    assert (running.attempt, running.max_attempts, running.event) == (1, 2, "task_state")
    assert waiting.state.value == "AWAITING_RETRY" and waiting.retry_in == 0.01
    assert "0.01" in waiting.delay_explained and waiting.error is not None
    assert waiting.error.type == "ConnectionError" and waiting.result is None
    assert waiting.output == "working\n" and waiting.message and waiting.duration is not None
    assert done.result == "7" and done.reused is False and abs(done.ts - time.time()) < 60
    assert {(step.policy, step.upstream) for step in steps} == {("", ())}  # in the plan


def test_catch_up_delivers_at_once_to_the_sinks_printing_beside_the_flow_only() -> None:
    """What a ``@flow`` body prints waits for ``catch_up``: the printer (with a
    ``before_output``) has then printed everything emitted before, whatever its batch
    window, and made room; the history's long window is left alone."""
    printed: list[Any] = []
    stored: list[Event] = []
    bus = EventBus(
        [
            Subscription(
                printed.extend,
                batch_window=60.0,
                before_output=lambda: printed.append("room made"),
            ),
            Subscription(stored.extend, batch_window=60.0),
        ]
    )
    try:
        started = RunStarted("r1", "f", 1, ("a",), (1,), ("",))
        bus.emit(started)
        bus.catch_up()
        assert printed == [started, "room made"]  # not 60 s later
        assert stored == []
        bus.catch_up()  # nothing held: room made again, nothing delivered
        assert printed == [started, "room made", "room made"]
    finally:
        bus.close(timeout=1.0)
    assert stored == [started]
