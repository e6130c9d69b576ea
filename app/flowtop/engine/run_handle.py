"""What any holder of a run reads: its end, waited for, and every task's final state.

``FlowRun`` (and ``DynamicRun``, a ``@flow`` function's run) are these; how a run runs is
theirs (``run``). Kept apart so the state machine stays one readable file.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .call_guard import engine_code, interrupted
from .records import RunResult, TaskRun
from .rerun_reuse import call_fingerprint
from .states import StateType

#: How often a wait with no time limit wakes to let Python run a signal's handler: a
#: Ctrl+C that came just before the wait blocked (between Python's last look and the
#: lock's wait) was handled only when the wait ended, after the whole run (8 s for a
#: task blocked in C, in one test run of four).
WAKE = 0.2


def wait_for(event: threading.Event, timeout: float | None) -> bool:
    """``event.wait(timeout)``, which a Ctrl+C interrupts within ``WAKE`` when untimed.

    Called from a user's code (a subflow's end, a future's), which a time limit or a cancel
    interrupts: ``Event.wait`` is Python code around a lock, so the wait is flowtop's code
    (``call_guard``), and gives up within ``WAKE`` once an interrupt came (raised as it
    returns)."""
    with engine_code():
        return in_slices(event.wait, timeout)


def in_slices(waits: Callable[[float], bool], timeout: float | None) -> bool:
    """Whether ``waits(seconds)`` (a wait saying whether what it waits for came) ends
    before ``timeout`` (None: whenever), asked ``WAKE`` seconds at a time: a Ctrl+C is
    heard between, and an interrupt of this thread's user code gives the wait up
    (``call_guard.interrupted``: it is raised as the ``engine_code`` block ends)."""
    end = None if timeout is None else time.monotonic() + timeout
    while True:
        left = WAKE if end is None else min(WAKE, max(0.0, end - time.monotonic()))
        if waits(left):
            return True
        if interrupted() or (end is not None and time.monotonic() >= end):
            return False


if TYPE_CHECKING:
    from .flow import Flow
    from .prefect_api import State
    from .runner import Runner


class RunHandle:
    """The reading half of a run (``run.FlowRun`` sets every attribute below)."""

    run_id: str
    flow: Flow
    number: int
    state: StateType
    rerun_of: str | None
    started: float
    finished_at: float | None
    tasks: dict[str, TaskRun]
    _done: threading.Event
    _lock: threading.Lock
    _clock: Callable[[], float]
    runner: Runner
    #: When it started, on the wall clock (``prefect.runtime``'s start time).
    started_at: float

    # What Prefect code reads of a run (``run_protocols.ActiveRun``) that only a ``@flow``
    # function's run has of its own (``DynamicRun``); a graph's run reads so.
    run_name = ""
    flow_attempt = 1
    tags: frozenset[str] = frozenset()
    parent_run: str | None = None

    @property
    def flow_version(self) -> str | None:
        return None

    @property
    def hooks_state(self) -> State[Any] | None:
        return None

    def flow_parameters(self) -> dict[str, Any]:
        return {}

    def wait(self, timeout: float | None = None) -> bool:
        return wait_for(self._done, timeout)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def final_run(self, timeout: float | None = None) -> RunHandle:
        """The run to report, once it ended: this one (a ``@flow`` run's follows its own
        retries: ``DynamicRun``)."""
        self._wait_end(timeout)
        return self

    def final_result(self, timeout: float | None = None) -> RunResult:
        """Every task's final state in the run to report."""
        return self.final_run(timeout).result(timeout)

    def final_state(self, timeout: float | None = None) -> StateType:
        """How the run to report ended, without building every task's ``State``: all
        ``flowtop run`` exits by, and 50,000 of them took it half a second."""
        return self.final_run(timeout).state

    def result(self, timeout: float | None = None) -> RunResult:
        """Wait for the end and return every task's final state."""
        self._wait_end(timeout)
        return self.snapshot()

    def _wait_end(self, timeout: float | None) -> None:
        if not wait_for(self._done, timeout):
            raise TimeoutError(
                f"run #{self.number} of {self.flow.name!r} still running after {timeout}s"
            )

    def input_fingerprint(self, key: str) -> str | None:
        """What a rerun matches a completed call by, besides its key: for a static flow,
        how the flow calls the task (``rerun_reuse.call_fingerprint``)."""
        task = self.tasks.get(key)
        return None if task is None else call_fingerprint(task.node)

    def snapshot(self, *, kept: bool = False) -> RunResult:
        """The run as it stands; with ``kept``, results as their tasks returned them."""
        with self._lock:
            end = self.finished_at if self.finished_at is not None else self._clock()
            return RunResult(
                self.run_id,
                self.flow,
                self.number,
                self.state,
                {k: t.to_state(kept=kept) for k, t in self.tasks.items()},
                {k: tuple(t.attempts) for k, t in self.tasks.items()},
                end - self.started,
                self.rerun_of,
            )
