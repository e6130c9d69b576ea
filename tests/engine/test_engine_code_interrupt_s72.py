"""An interrupt never lands in flowtop's code that the user's code called (``call_guard``).

A timed-out flow whose subflow waited on its task's future hung about once in a thousand
runs on a loaded machine: the interrupt landed in ``Condition.__exit__`` (Python code)
before it released the run's lock, and every thread of the run then waited on that lock.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

from flowtop import flow, get_run_logger, task
from flowtop.engine import Runner, StateType
from flowtop.engine.call_guard import engine_code, interrupted
from flowtop.engine.dynamic_run import DynamicRun
from flowtop.engine.events import FLOW_BODY, RunFinished, TaskOutput
from flowtop.engine.user_call import UserCall
from waits import wait_until

from .kit import Recorder


class Stop(BaseException):
    """What the interrupter raises (not an ``Exception``: raised as it is)."""


def _run_on_a_thread(call_fn: Any) -> tuple[UserCall, threading.Thread, list[BaseException]]:
    """A ``UserCall`` of ``call_fn`` on a thread of its own, started; what it raised."""
    raised: list[BaseException] = []
    made = threading.Event()
    holder: list[UserCall] = []

    def body() -> None:
        holder.append(UserCall(0))
        made.set()
        try:
            holder[0].run(call_fn, [], {})
        except BaseException as exc:  # noqa: BLE001 - the test reads what came out
            raised.append(exc)

    thread = threading.Thread(target=body)
    thread.start()
    assert made.wait(10)
    return holder[0], thread, raised


def test_a_condition_s_block_in_flowtop_s_code_never_keeps_its_lock() -> None:
    """Without the guard, an interrupt left a ``Condition``'s lock held in half of these."""
    for _ in range(100):
        cond = threading.Condition(threading.Lock())
        looping = threading.Event()

        def loop(cond: threading.Condition = cond, looping: threading.Event = looping) -> None:
            while True:
                with engine_code(), cond:
                    looping.set()

        call, thread, raised = _run_on_a_thread(loop)
        assert looping.wait(10)
        threading.Event().wait(random.random() / 1000)  # (a moment anywhere in the loop)
        assert call.interrupt(Stop)
        thread.join(10)
        assert not thread.is_alive()
        assert [type(e) for e in raised] == [Stop]
        assert not cond._lock.locked()  # type: ignore[attr-defined]


def test_an_interrupt_in_flowtop_s_code_is_raised_as_it_returns() -> None:
    inside, finished = threading.Event(), []

    def fn() -> None:
        with engine_code():
            inside.set()
            wait_until(interrupted, "the interrupt")
            finished.append("the block's last step")
        finished.append("the user's next line")  # never: the interrupt comes out before

    call, thread, raised = _run_on_a_thread(fn)
    assert inside.wait(10)
    assert call.interrupt(Stop)
    thread.join(10)
    assert finished == ["the block's last step"]
    assert [type(e) for e in raised] == [Stop]


def test_an_interrupt_sent_before_flowtop_s_code_begins_comes_once() -> None:
    """The user's code caught it (``except BaseException``) and called flowtop: raised as
    the block begins, before its first step; the next block runs (a ``finally``'s)."""
    looping, caught, steps = threading.Event(), threading.Event(), []

    def fn() -> None:
        looping.set()
        try:
            while True:
                pass  # the user's own loop, where the interrupt lands
        except Stop:
            caught.set()
        try:
            with engine_code():
                steps.append("first block")
        finally:
            with engine_code():
                steps.append("second block")

    call, thread, raised = _run_on_a_thread(fn)
    assert looping.wait(10)
    assert call.interrupt(Stop)
    thread.join(10)
    assert caught.is_set()
    assert steps == ["second block"]
    assert [type(e) for e in raised] == [Stop]


@task
def quick(i: int) -> int:
    return i


@flow(name="busy-s72", timeout_seconds=60)
def busy() -> None:
    i = 0
    while True:  # in flowtop's code (a task's call, its future) most of the time
        quick.submit(i).result()
        i += 1


def test_a_flow_timed_out_while_its_body_calls_tasks_always_ends() -> None:
    for _ in range(20):
        with Runner(2) as runner:
            run = runner.start(busy)
            assert isinstance(run, DynamicRun)
            wait_until(lambda run=run: len(run.tasks) > 3, "a few task calls")
            threading.Event().wait(random.random() / 100)
            run._time_out()  # what its timer calls at timeout_seconds
            assert run.final_state(timeout=10) is StateType.FAILED
            wait_until(lambda run=run: run._body_done, "its body to return")
            assert not run._lock.locked()


@task(timeout_seconds=0.2, retries=1, retry_delay_seconds=0.01)
def logs_on(k: int) -> None:
    while True:  # timed out inside get_run_logger() or a log line, sooner or later
        print("p", k)
        get_run_logger().info("g %s", k)


@flow(name="logs-s72")
def logs() -> None:
    for future in [logs_on.submit(k) for k in range(6)]:
        future.wait()


def _logging_free() -> bool:
    """Whether ``logging``'s module lock can be taken (a timed-out task kept it: every
    ``get_run_logger()`` and ``getLogger`` of the process then waited for good)."""
    lock: Any = logging._lock  # type: ignore[attr-defined]
    if not lock.acquire(timeout=5):
        return False
    lock.release()
    return True


def test_tasks_timed_out_while_they_log_leave_logging_usable() -> None:
    """A tester's `flowtop run` hung at its end 6 times in 20: an interrupt had landed in
    ``logging.getLogger`` under ``get_run_logger()``, its module lock kept for good."""
    for _ in range(4):
        with Runner(6) as runner:
            run = runner.start(logs)
            assert run.final_state(timeout=30) is StateType.COMPLETED
        assert _logging_free()


_go = threading.Event()


@flow(name="cut-tail-s72", timeout_seconds=60)
def cut_tail() -> None:
    print("hi")
    _go.wait(30)
    print("bye")
    while True:  # no return: its time limit cuts it short (here: not in an Event's
        time.sleep(0.05)  # Python code, where it could keep the Event's lock)


def test_a_cut_short_body_s_pieces_join_to_its_run_s_output() -> None:
    """A tester's timed-out bodies: the pieces joined lacked what came after the last
    look (774 characters of 943): the run ends before the body returns."""
    _go.clear()
    recorder = Recorder()
    with Runner(2, sinks=[recorder]) as runner:
        run = runner.start(cut_tail)
        assert isinstance(run, DynamicRun)

        def pieces() -> list[str]:
            found = recorder.events
            return [e.text for e in found if isinstance(e, TaskOutput) and e.task == FLOW_BODY]

        wait_until(lambda: "".join(pieces()) == "hi\n", "its first line as a piece")
        _go.set()
        wait_until(lambda: "bye" in run.body_output.getvalue(), "its last line")  # type: ignore[union-attr]
        run._time_out()  # before the next look (every 0.5 s) sends it
        assert run.final_state(timeout=10) is StateType.FAILED
        runner.bus.flush()
        (end,) = [e for e in recorder.events if isinstance(e, RunFinished)]
        assert end.output == "hi\nbye\n"
        assert "".join(pieces()) == end.output, pieces()
