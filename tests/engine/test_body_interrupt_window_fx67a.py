"""A ``@flow`` body's interrupt lands in the user's code and nowhere else.

A timed-out (or timed-out parent's) run interrupts its body's thread. Raised once the
body's function had returned, while its thread ran flowtop's closing lines (the output
capture's end, before the run counted the body done), the ``FlowInterrupted`` skipped
those lines: the run never ended, and its worker and body threads outlived it (seen as
a rare teardown error of ``test_flow_cut_short_sf63``). The body's call now says when it
leaves the user's function, as a task attempt's does (``user_call.UserCall``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from flowtop import flow
from flowtop.engine import Runner, StateType, capture
from flowtop.engine.dynamic_run import DynamicRun

from .kit import Recorder


@flow(name="quick-fx67a", timeout_seconds=30)
def quick() -> int:
    return 7


@pytest.fixture
def closing_held(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[threading.Event, threading.Event]]:
    """``capture.end``, which a body's thread calls once the body returned, held there
    until ``release``: ``arrived`` says a body thread is in it."""
    arrived, release = threading.Event(), threading.Event()
    end: Callable[[], None] = capture.end

    def held_end() -> None:
        if threading.current_thread().name.startswith("flowtop-flow-quick-fx67a"):
            arrived.set()
            release.wait(10)
        end()

    monkeypatch.setattr(capture, "end", held_end)
    try:
        yield arrived, release
    finally:
        release.set()


def test_an_interrupt_after_the_body_returned_leaves_the_run_to_end(
    closing_held: tuple[threading.Event, threading.Event],
) -> None:
    arrived, release = closing_held
    with Runner(2, sinks=[Recorder()]) as runner:
        run = runner.start(quick)
        assert arrived.wait(10)
        assert isinstance(run, DynamicRun)
        run._interrupt_body()  # as its timed-out parent's ``_time_out`` does
        release.set()
        assert run.final_state(timeout=10) is StateType.COMPLETED
        assert run.final_result(10).value == 7
