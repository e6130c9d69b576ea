"""A killed attempt's output is pieced together from its live pieces (``log_fold``),
which go on past the capture's cap for as long as it prints: kept as a capture keeps
an attempt's output, its head and tail, not every piece of an hour's printing."""

from __future__ import annotations

from flowtop.engine.capture import MAX_CAPTURE
from flowtop.engine.events import RunStarted, TaskOutput, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.workspace.log_fold import CUT, fold
from flowtop.workspace.run_log import RunInterrupted


def test_a_killed_chatty_attempt_keeps_its_head_and_tail() -> None:
    piece = "p" * 8000 + "\n"
    events: list[object] = [
        RunStarted("r1", "f", 1, ("chatty",), (1,), ("",), None, 1.0),
        TaskStateChanged("r1", "f", "chatty", S.RUNNING, 1, 1, 1.0),
        TaskOutput("r1", "f", "chatty", 1, "first line\n", 1.5),
    ]
    events += [TaskOutput("r1", "f", "chatty", 1, piece, 2.0) for _ in range(200)]
    events += [
        TaskOutput("r1", "f", "chatty", 1, "last line\n", 3.0),
        RunInterrupted("r1", "its process is gone", 4.0),
    ]
    (task,) = fold([], events)  # type: ignore[arg-type]
    (attempt,) = task.attempt_records
    assert attempt.state == "INTERRUPTED"
    assert attempt.output.startswith("first line\n") and attempt.output.endswith("last line\n")
    assert len(attempt.output) <= MAX_CAPTURE + len(CUT)  # it held all 1.6 MB
    assert attempt.output.count(CUT) == 1


def test_a_killed_quiet_attempt_keeps_all_it_printed() -> None:
    events = [
        RunStarted("r1", "f", 1, ("a",), (1,), ("",), None, 1.0),
        TaskStateChanged("r1", "f", "a", S.RUNNING, 1, 1, 1.0),
        TaskOutput("r1", "f", "a", 1, "one\n", 1.5),
        TaskOutput("r1", "f", "a", 1, "two\n", 2.0),
        RunInterrupted("r1", "its process is gone", 4.0),
    ]
    (task,) = fold([], events)  # type: ignore[arg-type]
    assert task.attempt_records[0].output == "one\ntwo\n"
