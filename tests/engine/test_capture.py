"""What tasks write and raise reaches the events intact but bounded, and nothing a task does
kills a worker."""

from __future__ import annotations

import logging
import sys
import threading

from flowtop import Flow, StateType, task
from flowtop.engine import Runner
from flowtop.engine.capture import MAX_CAPTURE
from flowtop.engine.runner import MAX_MESSAGE

from .kit import Recorder


def single(fn) -> Flow:
    flow = Flow(fn.name)
    flow.add_task(fn)
    return flow


def test_parallel_tasks_capture_their_own_output(runner: Runner, recorder: Recorder) -> None:
    both_running = threading.Barrier(2, timeout=5)

    def chatter(tag: str) -> str:
        both_running.wait()
        for i in range(200):
            print(f"{tag} out {i}")
            print(f"{tag} err {i}", file=sys.stderr)
            if i % 50 == 0:
                logging.getLogger("chatter").warning("%s log %d", tag, i)
        return tag

    @task
    def left() -> str:
        return chatter("LEFT")

    @task
    def right() -> str:
        return chatter("RIGHT")

    flow = Flow("chatty")
    flow.add_task(left)
    flow.add_task(right)
    run = runner.start(flow)
    result = run.result(timeout=5)
    assert result.is_completed()
    runner.bus.flush()
    for tag, other in (("LEFT", "RIGHT"), ("RIGHT", "LEFT")):
        (done,) = recorder.of(tag.lower(), StateType.COMPLETED, run.run_id)
        lines = done.output.splitlines()
        assert other not in done.output
        assert sum(line.startswith(f"{tag} out") for line in lines) == 200
        assert sum(line.startswith(f"{tag} err") for line in lines) == 200
        assert f"WARNING chatter: {tag} log 150" in lines
        assert result.attempts[tag.lower()][-1].output == done.output


def test_output_outside_tasks_still_reaches_the_terminal(runner: Runner, capsys) -> None:
    @task
    def quiet() -> None:
        print("from the task")

    runner.start(single(quiet)).result(timeout=5)
    print("from the test")
    out = capsys.readouterr().out
    assert "from the test" in out and "from the task" not in out


def test_each_attempt_has_its_own_output(runner: Runner, recorder: Recorder) -> None:
    calls: list[int] = []

    @task(max_retries=1, retry_delay=0)
    def twice() -> None:
        calls.append(1)
        print(f"attempt {len(calls)}")
        if len(calls) == 1:
            raise ValueError("first")

    run = runner.start(single(twice))
    attempts = run.result(timeout=5).attempts["twice"]
    assert [a.output for a in attempts] == ["attempt 1\n", "attempt 2\n"]
    runner.bus.flush()
    assert recorder.of("twice", StateType.AWAITING_RETRY)[0].output == "attempt 1\n"


def test_a_task_printing_100k_lines_keeps_memory_bounded(runner: Runner) -> None:
    @task
    def flood() -> None:
        for i in range(100_000):
            print(f"line {i}")

    output = runner.start(single(flood)).result(timeout=30).attempts["flood"][-1].output
    assert len(output) < MAX_CAPTURE + 200
    assert output.startswith("line 0\n") and output.endswith("line 99999\n")
    assert "characters of output dropped" in output


def test_one_huge_write_is_bounded_too(runner: Runner) -> None:
    @task
    def blob() -> None:
        sys.stdout.write("x" * 2_000_000)

    output = runner.start(single(blob)).result(timeout=30).attempts["blob"][-1].output
    assert len(output) < MAX_CAPTURE + 200
    assert "characters of output dropped" in output


def test_result_whose_repr_raises_is_shown_as_unrepresentable(
    runner: Runner, recorder: Recorder
) -> None:
    class Opaque:
        def __repr__(self) -> str:
            raise RuntimeError("no repr for you")

    @task
    def make() -> Opaque:
        return Opaque()

    run = runner.start(single(make))
    assert isinstance(run.result(timeout=5)["make"].result, Opaque)
    runner.bus.flush()
    (done,) = recorder.of("make", StateType.COMPLETED)
    assert done.result is not None and done.result.startswith("<unrepresentable Opaque")


def test_huge_results_are_cut_in_events(runner: Runner, recorder: Recorder) -> None:
    @task
    def big() -> str:
        return "y" * 10_000

    runner.start(single(big)).result(timeout=5)
    runner.bus.flush()
    (done,) = recorder.of("big", StateType.COMPLETED)
    assert done.result is not None and len(done.result) == 200 and done.result.endswith("…")


def test_a_1mb_error_message_is_truncated_with_a_note(runner: Runner, recorder: Recorder) -> None:
    @task
    def shout() -> None:
        raise ValueError("E" * 1_000_000)

    run = runner.start(single(shout))
    state = run.result(timeout=5)["shout"]
    assert state.type is StateType.FAILED
    runner.bus.flush()
    (failed,) = recorder.of("shout", StateType.FAILED)
    assert failed.error is not None
    assert len(failed.error.message) <= MAX_MESSAGE + 100
    assert failed.error.message.endswith("(900000 more characters)")
    assert len(failed.error.traceback) <= 2 * MAX_MESSAGE + 10


def test_an_exception_whose_str_raises_is_reported(runner: Runner, recorder: Recorder) -> None:
    class Mute(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no str")

    @task
    def mute() -> None:
        raise Mute()

    runner.start(single(mute)).result(timeout=5)
    runner.bus.flush()
    (failed,) = recorder.of("mute", StateType.FAILED)
    assert failed.error is not None and failed.error.message == "<unprintable Mute>"


def test_keyboard_interrupt_in_a_task_fails_it_and_the_worker_survives(
    make_runner, recorder: Recorder
) -> None:
    @task(max_retries=3, retry_delay=0)
    def interrupted() -> None:
        raise KeyboardInterrupt

    @task
    def after(x: object = None) -> str:
        return "still working"

    @task
    def exits() -> None:
        raise SystemExit(2)

    with Flow("base-exceptions") as flow:
        interrupted()
        exits()
        after()

    runner = make_runner(1, sinks=(recorder,))  # one worker: it must survive both
    result = runner.start(flow).result(timeout=5)
    assert result["interrupted"].type is StateType.FAILED and result["interrupted"].attempt == 1
    assert isinstance(result["interrupted"].exception, KeyboardInterrupt)
    assert isinstance(result["exits"].exception, SystemExit)
    assert result["after"].result == "still working"
    again = runner.start(single(after)).result(timeout=5)
    assert again.is_completed()
    runner.bus.flush()
    (failed,) = recorder.of("interrupted", StateType.FAILED, result.run_id)
    assert failed.error is not None and failed.error.type == "KeyboardInterrupt"
    assert "never retried" in failed.message


def test_writing_bytes_to_stdout_fails_the_task_not_the_run(runner: Runner) -> None:
    """A real text stream refuses bytes; the capture must too, instead of choking on them later."""

    @task
    def binary() -> None:
        print("before")
        sys.stdout.write(b"raw")  # type: ignore[arg-type]

    result = runner.start(single(binary)).result(timeout=5)
    state = result["binary"]
    assert state.type is StateType.FAILED and isinstance(state.exception, TypeError)
    assert "must be str, not bytes" in str(state.exception)
    assert result.attempts["binary"][-1].output == "before\n"


def test_its_parts_say_where_the_tail_begins_in_all_that_was_written() -> None:
    """``parts`` is read by another thread while the attempt writes (``live_output``): the
    head, and the tail at its place in all that was written, past any middle dropped."""
    from flowtop.engine.capture import Captured

    half = MAX_CAPTURE // 2
    captured = Captured()
    assert captured.parts() == ("", 0, "")
    captured.write("a" * 10)
    assert captured.parts() == ("a" * 10, 10, "")
    captured.write("b" * half)  # fills the head, spills into the tail
    head, begins, tail = captured.parts()
    assert head + tail == "a" * 10 + "b" * half and begins == len(head) == half
    captured.write("c" * MAX_CAPTURE)  # past the cap: the middle goes
    written = "a" * 10 + "b" * half + "c" * MAX_CAPTURE
    head, begins, tail = captured.parts()
    assert head == written[:half] and begins > half and tail == written[begins:]
    assert begins + len(tail) == captured.size
    assert "characters of output dropped" in captured.getvalue()


def test_a_snapshot_reads_as_the_attempt_s_end_would_without_changing_it() -> None:
    """A timed-out attempt's output is read from the timer's thread (``live_output.so_far``)
    while its own thread may still write: the same text ``getvalue`` gives, nothing moved."""
    from flowtop.engine.capture import Captured

    captured = Captured()
    assert captured.snapshot() == ""
    captured.write("a" * 10)
    assert captured.snapshot() == "a" * 10
    for piece in ("b" * MAX_CAPTURE, "c" * 7, "d" * (MAX_CAPTURE // 3)):
        captured.write(piece)
    tail = list(captured.tail)
    snapshot = captured.snapshot()
    assert captured.tail == tail  # read only
    assert snapshot == captured.getvalue()
    assert "characters of output dropped" in snapshot


def test_a_dropped_stand_in_never_closes_or_flushes_the_stream_it_wraps() -> None:
    """IOBase's ``__del__`` closes, so flushes, the stream: not the stand-in's to close, and
    perhaps closed already (Python 3.13 printed "Exception ignored in: <_ThreadRouted…>",
    which fails a user's pytest run under ``-W error``)."""
    import gc
    import io

    from flowtop.engine.capture import _ThreadRoutedStream

    class Watched(io.StringIO):
        flushes = 0

        def flush(self) -> None:
            Watched.flushes += 1

    original = Watched()
    stand_in = _ThreadRoutedStream(original)
    del stand_in
    gc.collect()
    assert Watched.flushes == 0
    assert not original.closed
