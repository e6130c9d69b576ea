"""A ``@flow``'s own retries (``retries=N``): each one a new run, linked to the one it retries.

A run whose body failed (``flow_result.retries_after``) ends FAILED as it is, and its
retry starts as a run of its own (``rerun_of`` it), recorded at once and running its body
after ``retry_delay_seconds``. Whoever waits for the call follows that chain to its last
run (``final_run``); a caller that stops waiting calls off the run on now, or the retry
about to start (``call_off``). Kept apart from ``dynamic_run``, whose run this is.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from .context import child_of, in_attempt
from .rerun_cache import retrying
from .run import FlowRun
from .run_handle import wait_for
from .subflow_reruns import rerun_calls
from .tags import tags_in_effect
from .timer import on_a_thread

if TYPE_CHECKING:
    from .dynamic import FlowFunction


class FlowRetries(FlowRun):
    """The retry chain of a ``@flow`` function's run (``DynamicRun`` sets every field)."""

    flow: FlowFunction
    _args: tuple[Any, ...]
    _kwargs: dict[str, Any]
    first_attempt: str  # the run id a retry's cache keys read (``rerun_cache``)
    called_in: object  # the parent's task attempt (``flow_in_task``)
    #: The retry it led to, once started.
    next_run: FlowRetries | None
    #: Set once its retry started, or none will: what ``final_run`` waits for.
    _successor: threading.Event
    #: It ended to retry: a new run follows it (``DynamicRun._finish``).
    _retrying: bool
    _called_off: str | None  # why, once its caller stopped waiting

    def call_off(self, why: str) -> None:
        """Cancel this run, or the flow-level retry it led to: one not started yet never
        starts, nor is waited for (its caller stopped waiting for it: ``flow_await``)."""
        self._called_off = why
        if self.cancel(why):
            return
        if self.next_run is not None:
            self.next_run.call_off(why)
        else:
            self._successor.set()

    def _retry_soon(self) -> None:
        """This run ended to retry (under its lock): its retry starts on a thread of its own,
        off this lock and off the runner's timer, as it runs the user's ``flow_run_name``
        and writes to the run store (``Runner.start``), where it held up every retry and
        timeout of the runner. Flow-level retries are rare: a thread each."""
        try:
            name = f"flowtop-flow-retry-{self.flow.name}"
            on_a_thread(self._start_retry, name, self.runner.timer)
        except RuntimeError:  # the runner shut down meanwhile: no retry starts
            self._successor.set()

    def _start_retry(self) -> None:
        """Start the flow-level retry as a new run linked to this one (serving the calls that
        completed here, unless ``retry_reuses_completed`` is False), recorded now and running
        its body after ``retry_delay_seconds``: while it waits it is a live run every client
        sees, which ``flowtop cancel`` and ``c`` cancel, a rerun of this run is refused for,
        ``--prune`` keeps, and the reaper marks interrupted if its process dies."""
        try:
            if not self.runner.closed and self._called_off is None:
                # A subflow's retry is its parent's child too, and it keeps the tags of the
                # call (``with tags(...)``) and its first attempt's id (a cache key's), as
                # Prefect's retry of the same flow run does: this thread has neither.
                reuse = self.flow.retry_reuses_completed
                with (
                    child_of(self.parent_run),
                    in_attempt(self.called_in),
                    tags_in_effect(self.tags),
                    retrying(self.first_attempt),
                ):
                    run = self.runner.start(
                        self.flow,
                        cache=rerun_calls(self.snapshot(kept=True)) if reuse else None,
                        rerun_of=self.run_id,
                        args=self._args,
                        kwargs=self._kwargs,
                        flow_attempt=self.flow_attempt + 1,
                        start_delay=self.flow.retry_delay,
                    )
                assert isinstance(run, FlowRetries)  # a FlowFunction always starts one
                self.next_run = run
                if self._called_off is not None:  # called off as it started
                    run.call_off(self._called_off)
        finally:
            self._successor.set()

    def final_run(self, timeout: float | None = None) -> FlowRetries:
        """This run once it ended, or the last flow-level retry it led to."""
        run: FlowRetries = self
        while True:
            run._wait_end(timeout)
            if not run._retrying:
                return run
            wait_for(run._successor, timeout)
            if run.next_run is None:
                return run
            run = run.next_run
