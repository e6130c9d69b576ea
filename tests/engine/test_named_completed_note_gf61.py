"""A ``@flow`` run whose body returned ``Completed(name="Skipped", message="No work to
do")`` says so in its record's note: ``flowtop run``'s line and ``history`` read
``COMPLETED`` and nothing else (Prefect's UI shows the run as ``Skipped``)."""

from __future__ import annotations

from typing import Any

from flowtop import flow, task
from flowtop.commands.run_lines import finished_line
from flowtop.engine import Runner, StateType
from flowtop.engine.events import RunFinished
from flowtop.states import Completed

from .kit import Recorder


@task
def check(n: int) -> bool:
    return n > 0


@flow(name="maybe-skip")
def maybe_skip(n: int = 0, name: str = "Skipped", message: str | None = "No work to do") -> Any:
    if not check(n):
        return Completed(message=message, name=name)
    return n


def _ended(**parameters: Any) -> RunFinished:
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        runner.run(maybe_skip, kwargs=parameters)
        runner.bus.flush()
    (ended,) = [e for e in recorder.events if isinstance(e, RunFinished)]
    return ended


def test_a_run_that_returned_a_named_completed_state_says_its_name_and_message() -> None:
    ended = _ended()
    assert ended.state is StateType.COMPLETED
    assert ended.note == "Skipped: No work to do"
    line = finished_line(ended, run_output=False)
    assert "COMPLETED: 1 completed in " in line
    assert "(Skipped: No work to do) → None" in line


def test_the_note_has_what_the_state_says_and_nothing_for_a_plain_end() -> None:
    assert _ended(message=None).note == "Skipped"
    assert _ended(name="Completed", message="all fine").note == "all fine"
    assert _ended(name="Completed", message=None).note == ""
    assert _ended(n=2).note == ""
