"""What a timed-out sync task's code is stopped with says the limit it ran past.

``TaskInterrupted`` (an ``asyncio.CancelledError``, raised at the task's next Python line)
used to read ``the attempt ran past its timeout and is stopped here``: a task that caught
it and logged it (``except asyncio.CancelledError as exc: log.warning(exc)``) could not
tell which limit it was. It now reads ``task interrupted: timed out after 0.2 s``, for a
drop-in Prefect task too (whose ``TaskTimeout`` keeps Prefect's ``Scope timed out after
… second(s).``). The call is stopped by ``UserCall.time_out()``, which says what it does,
where ``interrupt(TaskTimeout)`` named an exception that was never raised there.
"""

from __future__ import annotations

import asyncio
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from flowtop import Flow, TaskTimeout, task
from flowtop.compat.prefect_tasks import task as drop_in_task
from flowtop.engine import Runner
from flowtop.engine.async_call import AsyncCall
from flowtop.engine.task_interrupted import TaskInterrupted, timed_out_after
from flowtop.engine.timer import ManualClock
from flowtop.engine.user_call import UserCall

from .kit import wait_until


class Catcher:
    """A task body that sleeps in a loop until its timeout stops it, noting the
    exception's type, text and repr as the task's own handler sees them."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.caught: list[tuple[type[BaseException], str, str]] = []

    def __call__(self) -> None:
        self.started.set()
        try:
            while True:
                time.sleep(0.002)
        except BaseException as exc:  # what a task that logs its stop does
            self.caught.append((type(exc), str(exc), repr(exc)))
            raise


def run_to_its_timeout(made: Callable[[Catcher], Any], catcher: Catcher) -> Any:
    """Run the task ``made`` of ``catcher`` in a flow on a ManualClock moved past its
    0.2 s timeout once it has started; its result, once the task's code has caught."""
    graph = Flow("catches")
    graph.add_task(made(catcher))
    clock = ManualClock()
    with Runner(2, clock=clock) as runner:
        run = runner.start(graph)
        assert catcher.started.wait(5)
        clock.advance(0.2)
        result = run.result(timeout=10)
    wait_until(lambda: catcher.caught != [])
    return result


def test_a_timed_out_task_catching_the_interrupt_reads_its_limit() -> None:
    catcher = Catcher()
    result = run_to_its_timeout(lambda body: task(body, name="slow", timeout=0.2), catcher)
    assert isinstance(result["slow"].exception, TaskTimeout)  # the attempt's error, as before
    ((kind, text, shown),) = catcher.caught
    assert text == "task interrupted: timed out after 0.2 s"
    assert shown == "TaskInterrupted('task interrupted: timed out after 0.2 s')"
    assert issubclass(kind, TaskInterrupted) and issubclass(kind, asyncio.CancelledError)
    assert kind.__name__ == "TaskInterrupted"  # as a traceback's last line names it


def test_a_drop_in_task_s_interrupt_reads_its_limit_and_its_timeout_stays_prefect_s() -> None:
    catcher = Catcher()
    result = run_to_its_timeout(
        lambda body: drop_in_task(body, name="slow", timeout_seconds=0.2), catcher
    )
    assert str(result["slow"].exception) == "Scope timed out after 0.2 second(s)."
    assert [text for _, text, _ in catcher.caught] == ["task interrupted: timed out after 0.2 s"]


def test_the_interrupt_s_text_survives_pickling_as_task_interrupted() -> None:
    raised = timed_out_after(2.0)()  # as the interpreter makes it in the task's thread
    copy = pickle.loads(pickle.dumps(raised))  # (a subclass made per limit has no import path)
    assert type(copy) is TaskInterrupted and str(copy) == "task interrupted: timed out after 2 s"
    assert timed_out_after(2) is timed_out_after(2.0)  # one class per limit, not per timeout
    assert timed_out_after(None) is TaskInterrupted
    assert str(TaskInterrupted()) == "task interrupted: it ran past its timeout"  # no limit known
    assert str(TaskInterrupted("stopped by hand")) == "stopped by hand"


def test_time_out_raises_the_limit_the_call_began_with_in_its_code() -> None:
    started, seen = threading.Event(), list[str]()

    def spin() -> None:
        started.set()
        while True:
            pass

    def body() -> None:
        try:
            call.run(spin, [], {}, timeout=1.5)
        except TaskInterrupted as exc:
            seen.append(str(exc))

    thread = threading.Thread(target=body, daemon=True)
    call = UserCall(0, thread)
    thread.start()
    assert started.wait(5)
    assert call.time_out()
    assert not call.time_out()  # once
    thread.join(5)
    assert seen == ["task interrupted: timed out after 1.5 s"]


def test_time_out_before_the_call_begins_keeps_it_from_beginning() -> None:
    called: list[int] = []
    call = UserCall(0)
    assert call.time_out()
    with pytest.raises(TaskInterrupted, match=r"^task interrupted: it ran past its timeout$"):
        call.run(lambda: called.append(1), [], {}, timeout=1.0)  # not begun: no limit said
    assert called == []


def test_time_out_cancels_an_async_call() -> None:
    """``AsyncCall`` stops its coroutine its own way (``interrupt``): ``time_out`` too."""
    call = AsyncCall(0)
    assert call.time_out() and call.asked
    assert not call.time_out()
