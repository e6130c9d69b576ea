"""A run that ends while a task is blocked in C (a long ``time.sleep``, a socket read)
returns to its caller without waiting for that call: Ctrl+C, a flow's
``timeout_seconds`` and a cancel give the attempt up, and its worker with it.

Python cannot stop a thread blocked in C. The runner's shutdown joined every worker,
so a script's ``KeyboardInterrupt`` and a ``@flow``'s timeout reached the caller only
once the blocked call returned. Each task here blocks in ``Event.wait`` (C, which no
exception raised in its thread interrupts) until the test releases it, or until
``BLOCKED`` seconds have passed, so an engine that waits for it fails here, late.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from flowtop import Flow, flow, task
from flowtop.engine import Runner
from flowtop.engine.errors import FlowRunTimeoutError
from flowtop.engine.states import StateType

from .kit import wait_until

#: How long a blocked task waits for the test to release it.
BLOCKED = 8.0


class Blocked:
    """A task body blocked in C until ``release`` (or ``BLOCKED`` seconds); ``before``
    runs first, on the task's thread."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.released = threading.Event()
        self.returned = threading.Event()  # also when interrupted as it returned
        self.blocked_for = 0.0
        self.thread: threading.Thread | None = None
        self.before: Callable[[], None] = lambda: None

    def __call__(self) -> None:
        self.thread = threading.current_thread()
        self.started.set()
        self.before()
        start = time.monotonic()
        try:
            self.released.wait(BLOCKED)
        finally:
            self.blocked_for = time.monotonic() - start
            self.returned.set()

    def waited_for(self) -> bool:
        """Whether its caller got control only once the wait in C had ended. (Under load
        the run's interruption may reach the task before it begins to wait: it then
        returns at once, and no caller waited for a blocked call.)"""
        return self.returned.is_set() and self.blocked_for > BLOCKED / 2


@pytest.fixture
def blocked() -> Iterator[Blocked]:
    body = Blocked()
    yield body
    body.released.set()  # its thread ends now, before the thread check of the teardown
    wait_until(lambda: body.thread is None or not body.thread.is_alive())


def ctrl_c() -> None:
    """What Ctrl+C does: SIGINT, which the main thread raises as ``KeyboardInterrupt``
    while it waits for the run (sent to it: a signal sent to the process may wake
    another thread, and the main thread only once the run ends)."""
    signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)


def _flow_call(body: Blocked) -> Callable[[], Any]:
    download = task(body, name="download")

    @flow
    def fetch() -> None:
        download()

    return fetch


def _static_run(body: Blocked) -> Callable[[], Any]:
    with Flow("fetch") as graph:
        task(body, name="download")()
    return graph.run


@pytest.mark.parametrize("make", [_flow_call, _static_run], ids=["@flow call", "Flow.run()"])
def test_ctrl_c_reaches_the_script_while_its_task_is_blocked_in_c(
    blocked: Blocked, make: Callable[[Blocked], Callable[[], Any]]
) -> None:
    blocked.before = ctrl_c
    call = make(blocked)
    with pytest.raises(KeyboardInterrupt):
        call()
    assert not blocked.waited_for(), "the caller waited for the blocked task"


@pytest.mark.parametrize("how", ["call", "submit"])
def test_a_flow_timeout_reaches_the_caller_while_its_task_is_blocked_in_c(
    blocked: Blocked, how: str
) -> None:
    download = task(blocked, name="download")

    @flow(timeout_seconds=0.2)
    def fetch() -> None:
        if how == "call":
            download()
        else:
            download.submit().result()

    with pytest.raises(FlowRunTimeoutError):
        fetch()
    assert blocked.started.is_set()
    assert not blocked.waited_for(), "the caller waited for the blocked task"


def test_a_cancelled_run_s_blocked_worker_is_replaced(blocked: Blocked) -> None:
    """On a runner the TUI shares, the next run does not wait for the worker a
    cancelled run's blocked task holds."""
    with Flow("stuck") as stuck:
        task(blocked, name="download")()
    with Flow("quick") as quick:
        task(lambda: 42, name="answer")()
    with Runner(workers=1) as runner:
        first = runner.start(stuck)
        assert blocked.started.wait(BLOCKED)
        assert first.cancel()
        result = runner.start(quick).final_result(BLOCKED * 2)
        assert result["answer"].type is StateType.COMPLETED
        assert not blocked.waited_for(), "the next run waited for the blocked task"


def test_a_normal_run_s_workers_are_all_joined_at_shutdown() -> None:
    """Only a worker inside an attempt of an ended run is given up: a run that ends on
    its own leaves none, and the shutdown joins every worker."""

    @task
    def step(i: int) -> int:
        return i

    @flow
    def steps() -> int:
        return sum(f.result() for f in [step.submit(i) for i in range(20)])

    with Runner(workers=4) as runner:
        assert runner.start(steps).final_result(10).value == sum(range(20))
        pool = runner.executor
    assert getattr(pool, "abandoned", 0) == 0
    assert not [t for t in threading.enumerate() if t.name.startswith("flowtop-worker")]
