"""A chatty attempt's output goes on reaching the sinks past the capture's cap
(``live_output.since``): its progress prints said "progress 1999" for 25 of its 26 s."""

from __future__ import annotations

import threading
import time

import pytest

from flowtop.engine import Flow, Runner, TaskOutput, live_output, task
from flowtop.engine.capture import MAX_CAPTURE, Captured

from .kit import Recorder


@pytest.fixture(autouse=True)
def look_often(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_output, "EVERY", 0.02)


def lines(first: int, last: int) -> str:
    return "".join(f"progress {i} " + "p" * 90 + "\n" for i in range(first, last))


def test_a_running_attempt_s_prints_keep_coming_past_the_capture_s_cap(
    runner: Runner, recorder: Recorder
) -> None:
    go_on = threading.Event()

    @task
    def chatty() -> int:
        print(lines(0, 4000), end="")  # ~400 KB: past MAX_CAPTURE
        print("past the cap")
        assert go_on.wait(10)  # held until the test has seen its last line live
        return 1

    flow = Flow("liveprint")
    flow.add_task(chatty)
    run = runner.start(flow)
    deadline = time.monotonic() + 5
    try:
        while not any("past the cap" in e.text for e in pieces(recorder)):
            assert time.monotonic() < deadline, "its prints stopped coming at the cap"
            time.sleep(0.01)
    finally:
        go_on.set()
    assert run.final_result(10).is_completed()
    assert all(len(e.text) < live_output.MOST + 100 for e in pieces(recorder))


def pieces(recorder: Recorder) -> list[TaskOutput]:
    return [e for e in recorder.events if isinstance(e, TaskOutput)]


def test_each_look_sends_what_was_printed_since_the_last_and_tells_a_gap() -> None:
    captured = Captured()
    captured.write("start\n")
    text, at = live_output.since(captured, 0, True)
    assert (text, at) == ("start\n", 6)
    captured.write(lines(0, 30))  # under MOST: all of it, nothing told
    text, at = live_output.since(captured, at, True)
    assert text == lines(0, 30) and at == captured.size
    captured.write(lines(30, 5000))  # past the cap, and far more than MOST
    text, end = live_output.since(captured, at, True)
    assert end == captured.size
    gap, _, rest = text.partition("\n")
    shown = rest.splitlines()
    assert shown[-1].startswith("progress 4999 ") and shown[0].startswith("progress ")
    skipped = len(lines(30, int(shown[0].split()[1])))  # the lines before the first shown
    assert skipped > 1_000  # (its count has a thousands separator)
    assert gap == f"… {skipped:,} characters of output skipped …"  # "163,840", not "163840"
    assert len(rest) <= live_output.MOST
    captured.write("half a line")
    text, at = live_output.since(captured, end, True)
    assert text == "half a line"
    captured.write(lines(0, 3000))
    text, _ = live_output.since(captured, at, False)  # the gap's note on a line of its own
    assert text.startswith("\n… ") and text.endswith(lines(2999, 3000))


def test_the_head_s_rest_and_the_tail_come_together_when_nothing_was_dropped() -> None:
    captured = Captured()
    size = MAX_CAPTURE // 2 - 5
    captured.write("x" * size)  # longer than MOST, but under the cap: all of it, as before
    text, at = live_output.since(captured, 0, True)
    assert at == size and text == "x" * size
    captured.write("0123456789")  # five in the head, five in the tail
    text, end = live_output.since(captured, at, False)
    assert text == "0123456789" and end == MAX_CAPTURE // 2 + 5
