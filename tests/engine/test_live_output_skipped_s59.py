"""A running attempt's "… N characters of output skipped …" says how much was skipped in
all (rv396): the monitor shows the last lines, so the latest note alone, and each note
counted only its own look's gap (half a second of output): it read ≈280,000 after
megabytes had gone by, then ``12,027,841 characters not shown`` once the attempt ended."""

from __future__ import annotations

import re
import threading

import pytest

from flowtop.engine import Flow, Runner, TaskOutput, live_output, task
from flowtop.engine.capture import Captured

from .kit import Recorder, wait_until

NOTE = re.compile(r"^… ([\d,]+) characters of output skipped(?: \(([\d,]+) so far\))? …$", re.M)


@pytest.fixture(autouse=True)
def look_often(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_output, "EVERY", 0.02)


def lines(first: int, last: int) -> str:
    return "".join(f"progress {i} " + "p" * 90 + "\n" for i in range(first, last))


def number(text: str) -> int:
    return int(text.replace(",", ""))


def test_a_later_gap_s_note_says_the_whole_count_so_far() -> None:
    captured = Captured()
    captured.write(lines(0, 5000))  # past the cap, and far more than MOST
    first, at = live_output.since(captured, 0, True)
    (gap,) = NOTE.findall(first)
    assert gap[1] == ""  # the first gap is all there is so far: one count
    captured.write(lines(5000, 10_000))
    second, _ = live_output.since(captured, at, True, skipped=number(gap[0]))
    ((this, so_far),) = NOTE.findall(second)
    assert number(so_far) == number(gap[0]) + number(this)
    assert number(this) > 1_000 and "," in so_far


def test_a_running_attempt_s_notes_add_up_to_what_it_skipped(
    runner: Runner, recorder: Recorder
) -> None:
    seen = threading.Event()
    go_on = threading.Event()

    @task
    def chatty() -> int:
        for burst in range(3):  # each look sees one burst: a gap a look
            print(lines(burst * 5000, (burst + 1) * 5000), end="")
            print(f"burst {burst} printed", flush=True)
            assert seen.wait(10)
            seen.clear()
        assert go_on.wait(10)
        return 1

    flow = Flow("skipper")
    flow.add_task(chatty)
    run = runner.start(flow)
    try:
        for burst in range(3):
            wait_until(lambda b=burst: f"burst {b} printed" in text_so_far(recorder))
            seen.set()
    finally:
        seen.set()
        go_on.set()
    assert run.final_result(10).is_completed()
    notes = NOTE.findall(text_so_far(recorder))
    assert len(notes) == 3, notes
    gaps = [number(gap) for gap, _ in notes]
    assert notes[0][1] == "" and all(so_far for _, so_far in notes[1:]), notes
    assert [number(so_far) for _, so_far in notes[1:]] == [sum(gaps[:2]), sum(gaps)]
    # the last says what all the live pieces left out: all printed but what they carry
    printed = len(lines(0, 15_000)) + sum(len(f"burst {b} printed\n") for b in range(3))
    carried = len(re.sub(NOTE.pattern + "\n", "", text_so_far(recorder), flags=re.M))
    assert sum(gaps) == printed - carried


def text_so_far(recorder: Recorder) -> str:
    return "".join(e.text for e in recorder.events if isinstance(e, TaskOutput))
