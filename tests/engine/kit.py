"""Test helpers for the engine suite: a sink that records events, what held tasks wait on,
and polling without hangs."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import waits
from flowtop import Flow
from flowtop.engine import FlowRun, Runner
from flowtop.engine.events import Event, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType


class Recorder:
    """A sink that keeps every event it is given, in order, and can be read while a run goes on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[Event] = []
        self.batches = 0

    def __call__(self, events: list[Event]) -> None:
        with self._lock:
            self._events.extend(events)
            self.batches += 1

    @property
    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)

    def task_events(self, run_id: str | None = None) -> list[TaskStateChanged]:
        return [
            e
            for e in self.events
            if isinstance(e, TaskStateChanged) and (run_id is None or e.run_id == run_id)
        ]

    def states(self, task: str, run_id: str | None = None) -> list[StateType]:
        return [e.state for e in self.task_events(run_id) if e.task == task]

    def of(self, task: str, state: StateType, run_id: str | None = None) -> list[TaskStateChanged]:
        return [e for e in self.task_events(run_id) if e.task == task and e.state is state]

    def run_started(self, run_id: str) -> RunStarted:
        (event,) = [e for e in self.events if isinstance(e, RunStarted) and e.run_id == run_id]
        return event

    def run_finished(self, run_id: str) -> RunFinished:
        (event,) = [e for e in self.events if isinstance(e, RunFinished) and e.run_id == run_id]
        return event


class Held:
    """What a module's tasks and hooks hold on, module-level as the tasks decorated there:
    a task says ``began`` and waits for ``release``, a hook ``hook_began`` and
    ``hook_release``. A module's autouse fixture runs each test in ``fresh()``."""

    def __init__(self) -> None:
        self.began = threading.Event()
        self.release = threading.Event()
        self.hook_began = threading.Event()
        self.hook_release = threading.Event()

    @contextlib.contextmanager
    def fresh(self) -> Iterator[None]:
        """Cleared for the test, released after it whatever failed: no thread of the test
        is left waiting."""
        for event in (self.began, self.release, self.hook_began, self.hook_release):
            event.clear()
        try:
            yield
        finally:
            self.release.set()
            self.hook_release.set()

    @contextlib.contextmanager
    def running(self, flow: Flow) -> Iterator[tuple[FlowRun, Recorder, Runner]]:
        """``flow`` started on a 2-worker runner that records its events, once a task of
        it has ``began``: the run, the recorder and the runner, shut down after."""
        recorder = Recorder()
        with Runner(2, sinks=[recorder]) as runner:
            run = runner.start(flow)
            assert self.began.wait(10)
            yield run, recorder, runner


def wait_until(condition, timeout: float = 10.0, interval: float = 0.002) -> None:
    """Poll ``condition`` until true; fail the test (not hang it) when it never becomes
    true. (``waits.wait_until``, with the engine tests' timeout as its second argument.)"""
    waits.wait_until(condition, timeout=timeout, interval=interval)


def child_status(pid: int, seconds: float = 10.0) -> int:
    """The exit status of forked child ``pid``; -1 (and killed) if it has not ended by
    then: a child stuck on a lock, or one that went on in the engine, never ends."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return -1


def child_files_open(folder: Path) -> int:
    """The descriptors of this process open on a child file made in ``folder``."""
    found = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # (the listing's own descriptor, closed since)
            found += os.readlink(f"/proc/self/fd/{fd}").startswith(f"{folder}/.children-")
    return found
