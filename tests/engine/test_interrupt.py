"""A task past its time limit is interrupted at its next Python line, as Prefect does:
its thread stops instead of looping on, given up, until the process ends.

Each task here loops in Python (``spinning``) and would never return on its own; the
loop notes what stopped it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from flowtop import Flow, flow, task
from flowtop.engine import Runner
from flowtop.engine.errors import TaskTimeout
from flowtop.engine.flow_hooks import FlowInterrupted
from flowtop.engine.states import StateType
from flowtop.engine.user_call import UserCall

from .kit import Recorder, wait_until


class Spinner:
    """A function that loops in Python until an exception stops it, noting which one and
    on which thread it ran."""

    def __init__(self) -> None:
        self.stopped_by: list[str] = []
        self.threads: list[threading.Thread] = []

    def __call__(self) -> None:
        self.threads.append(threading.current_thread())
        spins = 0
        try:
            while True:
                spins += 1
        except BaseException as exc:
            self.stopped_by.append(type(exc).__name__)
            raise

    def all_stopped(self) -> bool:
        return all(not thread.is_alive() for thread in self.threads)


@pytest.fixture
def spinner() -> Spinner:
    return Spinner()


def test_an_attempt_past_its_timeout_stops_and_its_retry_runs(spinner: Spinner) -> None:
    spin = task(spinner, name="spin", timeout=0.2, max_retries=1, retry_delay=0)
    with Flow("spins") as graph:
        spin()
    with Runner(2) as runner:
        result = runner.run(graph)
    assert result["spin"].type is StateType.FAILED and result["spin"].attempt == 2
    wait_until(spinner.all_stopped)  # no thread left looping
    # what stopped its code is no Exception (its own ``except Exception`` would go on);
    # the attempt fails with TaskTimeout
    assert spinner.stopped_by == ["TaskInterrupted", "TaskInterrupted"]
    assert isinstance(result["spin"].exception, TaskTimeout)
    error = result.attempts["spin"][0].error
    assert error is not None and "CancelledError was raised in its code" in error.message
    # its traceback is where the task was when its time ran out: the line a hang is on
    assert error.traceback.startswith("Traceback (most recent call last):")
    where = error.traceback.splitlines()[1]
    assert "test_interrupt.py" in where and where.endswith("in __call__"), error.traceback


def test_an_attempt_past_its_timeout_keeps_what_it_printed(spinner: Spinner) -> None:
    """Its end carries its output, as any attempt's does: the history and `watch` show
    it, not only the live view; what the given-up thread prints later is not its."""

    def chatty() -> None:
        print("fetching page 1")
        spinner()

    recorder = Recorder()
    with Flow("chatty") as graph:
        task(chatty, timeout=0.2, max_retries=1, retry_delay=0)()
    with Runner(2, sinks=[recorder]) as runner:
        runner.run(graph)
        assert runner.bus.flush(5)
    ends = recorder.of("chatty", StateType.AWAITING_RETRY) + recorder.of("chatty", StateType.FAILED)
    assert [(end.attempt, end.output) for end in ends] == [
        (1, "fetching page 1\n"),
        (2, "fetching page 1\n"),
    ]


def test_at_a_flows_time_limit_its_running_task_stops(spinner: Spinner) -> None:
    """Prefect interrupts a direct task call at the flow's ``timeout_seconds``; the task
    is cancelled and its thread stops rather than running on unseen."""
    spin = task(spinner, name="spin")

    @flow(timeout_seconds=0.2)
    def limited() -> None:
        spin()

    with pytest.raises(TimeoutError, match=r"timed out after 0\.2"):
        limited()
    wait_until(spinner.all_stopped)
    assert spinner.stopped_by == ["FlowInterrupted"]


def test_a_task_called_outside_any_flow_is_stopped_too(spinner: Spinner) -> None:
    spin = task(spinner, name="spin", timeout=0.2)
    with pytest.raises(TaskTimeout, match="CancelledError was raised in its code") as raised:
        spin()
    assert raised.traceback[-1].name == "__call__"  # the spinning line, not flowtop's
    wait_until(spinner.all_stopped)
    assert spinner.stopped_by == ["TaskInterrupted"]


def test_a_task_that_swallows_the_interrupt_is_given_up_all_the_same() -> None:
    """``except BaseException`` catches what stops it (``TaskInterrupted``; Prefect's
    ``CancelledError`` too): the attempt has failed already, the run ends, and the pool
    replaced the thread."""
    release = threading.Event()
    swallowed: list[str] = []

    @task(timeout=0.2)
    def stubborn() -> None:
        try:
            while not release.is_set():
                pass
        except BaseException as exc:  # noqa: BLE001 - what a careless task does, under test
            swallowed.append(type(exc).__name__)
        release.wait(5)

    with Flow("stubborn") as graph:
        stubborn()
    try:
        with Runner(2) as runner:
            result = runner.run(graph)
        assert result["stubborn"].type is StateType.FAILED
        wait_until(lambda: swallowed == ["TaskInterrupted"])
    finally:
        release.set()


def thread_running(fn: Callable[[], Any]) -> tuple[threading.Thread, UserCall, list[str]]:
    """``fn`` in a ``UserCall`` on a thread of its own; the list gets how the call ended."""
    ended: list[str] = []

    def body() -> None:
        try:
            call.run(fn, [], {})
            ended.append("returned")
        except BaseException as exc:  # noqa: BLE001 - how the call ended is what is tested
            ended.append(type(exc).__name__)

    thread = threading.Thread(target=body, daemon=True)
    call = UserCall(0, thread)
    return thread, call, ended


def test_an_interrupt_before_the_call_begins_keeps_it_from_beginning() -> None:
    called: list[int] = []
    thread, call, ended = thread_running(lambda: called.append(1))
    assert call.interrupt(TimeoutError)
    thread.start()
    thread.join(5)
    assert ended == ["TaskInterrupted"] and called == []  # an Exception's stand-in


def test_an_interrupt_after_the_call_ended_does_nothing() -> None:
    after = threading.Event()
    thread, call, ended = thread_running(lambda: None)
    thread.start()
    thread.join(5)
    assert ended == ["returned"]
    assert not call.interrupt(TimeoutError)
    # the thread that made the call goes on unharmed: nothing is pending for it
    mine = UserCall(1)
    mine.run(after.set, [], {})
    assert not mine.interrupt(TimeoutError)
    time.sleep(0.01)  # a pending exception would be raised at one of these lines
    assert after.is_set()


def test_a_call_is_interrupted_once(spinner: Spinner) -> None:
    thread, call, ended = thread_running(spinner)
    thread.start()
    wait_until(lambda: spinner.threads != [])
    assert call.interrupt(FlowInterrupted)
    assert not call.interrupt(TimeoutError)
    thread.join(5)
    assert ended == ["FlowInterrupted"] and spinner.stopped_by == ["FlowInterrupted"]


FRAMES_UNDER_GC = """
import gc, threading
from flowtop.engine.user_call import current_frames

class Local(threading.local):
    pass

class Holder:
    pass

def probe():  # a fresh frame each call: reading it makes a frame object (an allocation)
    return current_frames().get(threading.get_ident())

for i in range(200):
    gc.disable()
    garbage = Holder(); garbage.local = Local(); garbage.me = garbage; del garbage
    gc.set_threshold(gc.get_count()[0] + i % 4, 10, 10)  # collect during the read
    gc.enable()
    assert probe() is not None
print("read", i + 1)
"""


def test_reading_a_thread_s_frame_survives_a_collection_that_frees_a_thread_local() -> None:
    """CPython 3.11 froze for good when a collection started inside
    ``sys._current_frames()`` freed a ``threading.local`` (python/cpython#106883): a flow's
    timeout giving up its running task hung the whole process. The script deadlocked
    at its first collection before the collector was paused around the read."""
    done = subprocess.run(
        [sys.executable, "-c", FRAMES_UNDER_GC], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "read 200"


class _Collector:
    """``gc`` as ``current_frames`` sees it, for two readers: the second reads "disabled"
    while the first is inside, and disables only once the first has enabled again."""

    def __init__(self) -> None:
        self.enabled = True
        self.second_looked = threading.Event()
        self.first_done = threading.Event()

    def isenabled(self) -> bool:
        if threading.current_thread().name == "second":
            self.second_looked.set()
        return self.enabled

    def disable(self) -> None:
        if threading.current_thread().name == "second":
            self.first_done.wait(2)
        self.enabled = False

    def enable(self) -> None:
        self.enabled = True
        if threading.current_thread().name == "first":
            self.first_done.set()


def test_two_frame_readers_at_once_leave_the_collector_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The timer thread (timeouts) and a flow body (a direct call's timeout) may read
    frames at once: one that read "disabled" during the other's pause disabled it again
    after the other's enable, and never enabled it: the collector stayed off for good."""
    from types import SimpleNamespace

    from flowtop.engine import user_call

    collector = _Collector()

    def frames() -> dict[int, Any]:
        if threading.current_thread().name == "first":
            collector.second_looked.wait(0.3)  # the second arrives while the first reads
        return {}

    monkeypatch.setattr(user_call, "gc", collector)
    monkeypatch.setattr(user_call, "sys", SimpleNamespace(_current_frames=frames))
    readers = [
        threading.Thread(target=user_call.current_frames, name=name) for name in ("first", "second")
    ]
    readers[0].start()
    time.sleep(0.05)
    readers[1].start()
    for reader in readers:
        reader.join(5)
    assert collector.enabled
