"""A running attempt's output reaches the sinks as it comes (``engine.live_output``)."""

from __future__ import annotations

import threading
import time

import pytest

from flowtop.engine import Flow, Runner, TaskOutput, TaskStateChanged, live_output, task
from flowtop.engine.states import StateType

from .kit import Recorder


@pytest.fixture(autouse=True)
def look_often(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_output, "EVERY", 0.02)


def printing_flow(go_on: threading.Event, lines: int = 3) -> Flow:
    @task(max_retries=1, retry_delay=0)
    def chatty() -> int:
        for i in range(lines):
            print(f"line {i}")
        assert go_on.wait(10)  # held until the test has seen the lines live
        print("done")
        return lines

    flow = Flow("live")
    flow.add_task(chatty)
    return flow


def outputs(recorder: Recorder) -> list[TaskOutput]:
    return [e for e in recorder.events if isinstance(e, TaskOutput)]


def test_what_a_running_attempt_prints_reaches_the_sinks_before_it_ends(
    runner: Runner, recorder: Recorder
) -> None:
    go_on = threading.Event()
    run = runner.start(printing_flow(go_on))
    deadline = time.monotonic() + 10
    while "line 2" not in "".join(e.text for e in outputs(recorder)):
        assert time.monotonic() < deadline, "the lines never came while the attempt ran"
        time.sleep(0.01)
    live = outputs(recorder)
    assert live and all(e.task == "chatty" and e.attempt == 1 for e in live)
    assert "".join(e.text for e in live) == "line 0\nline 1\nline 2\n"  # each piece once
    go_on.set()
    assert run.final_result(10).is_completed()
    runner.bus.flush()
    events = recorder.events
    end = next(
        e for e in events if isinstance(e, TaskStateChanged) and e.state is StateType.COMPLETED
    )
    assert end.output == "line 0\nline 1\nline 2\ndone\n"  # the end still carries all of it
    last_piece = max(i for i, e in enumerate(events) if isinstance(e, TaskOutput))
    assert last_piece < events.index(end)  # no piece after the attempt's end
    assert not run.live_output  # the finished attempt let go of its capture
    deadline = time.monotonic() + 5
    while run.run_id in live_output._followed:  # and nothing looks at the run any more
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_a_quiet_attempt_and_a_run_nobody_listens_to_make_no_pieces(make_runner) -> None:
    recorder = Recorder()
    with_sink = make_runner(2, sinks=(recorder,))

    @task
    def quiet() -> int:
        time.sleep(0.1)  # several looks while it runs
        return 1

    flow = Flow("quiet")
    flow.add_task(quiet)
    run = with_sink.start(flow)
    time.sleep(0.05)
    assert run.run_id not in live_output._followed  # nothing printed: nothing looks
    assert run.final_result(10).is_completed()
    with_sink.bus.flush()
    assert outputs(recorder) == []

    go_on = threading.Event()
    alone = make_runner(2)
    run = alone.start(printing_flow(go_on))
    time.sleep(0.05)
    assert run.run_id not in live_output._followed  # it prints, but no sink listens
    go_on.set()
    assert run.final_result(10).is_completed()
    assert not run.live_output  # the finished attempt let go of its capture


def test_a_piece_names_its_attempt_and_reads_as_json() -> None:
    piece = TaskOutput("r1", "etl", "load", 2, "50% done\n", 5.0)
    assert piece.as_json() == {
        "event": "task_output",
        "run_id": "r1",
        "flow": "etl",
        "task": "load",
        "attempt": 2,
        "text": "50% done\n",
        "ts": 5.0,
    }


def test_an_async_tasks_output_comes_as_it_runs_too(runner: Runner, recorder: Recorder) -> None:
    import asyncio

    @task
    async def crawl() -> int:
        print("page 1")
        await asyncio.sleep(0.3)  # several looks meanwhile, the loop free
        print("page 2")
        return 2

    flow = Flow("async-live")
    flow.add_task(crawl)
    run = runner.start(flow)
    assert run.final_result(10).is_completed()
    runner.bus.flush()
    events = recorder.events
    pieces = outputs(recorder)
    assert pieces and pieces[0].text == "page 1\n"
    end = next(e for e in events if isinstance(e, TaskStateChanged) and e.state.is_final)
    assert events.index(pieces[-1]) < events.index(end) and end.output == "page 1\npage 2\n"
    assert not run.live_output


def test_a_first_print_while_the_runner_shuts_down_does_not_fail_the_task(
    make_runner, recorder: Recorder
) -> None:
    """``shutdown`` stops the watchdog before it closes the bus: a task that prints for
    the first time in between cannot be followed, and its ``print`` must not raise."""
    runner = make_runner(2, sinks=(recorder,))
    running, go_on = threading.Event(), threading.Event()

    @task
    def late() -> int:
        running.set()
        assert go_on.wait(10)
        print("still here")
        return 1

    flow = Flow("late")
    flow.add_task(late)
    run = runner.start(flow)
    assert running.wait(10)
    runner.watchdog.stop()  # as shutdown does first; the sinks still listen
    go_on.set()
    assert run.final_result(10).is_completed()
    assert run.run_id not in live_output._followed
