"""A ``@flow`` run cut short before its body ends: its time limit, or a cancel.

Either way its subflows' runs end with it, as Prefect's timeout and cancellation cleanup
end them: their results have no one left to use them. A time limit also interrupts the
body, and theirs (``flow_hooks.interrupt``), so their code does not run on after their
caller gave up on it. Kept apart from ``dynamic_run``, whose run this is, which starts
the timer (``_call_body``) and asks ``_closed`` before it starts a task.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from . import flow_hooks
from .run import FlowRun
from .states import StateType
from .timer import on_a_thread

if TYPE_CHECKING:
    from .dynamic import FlowFunction


class FlowCutShort(FlowRun):
    """The early end of a ``@flow`` function's run (``DynamicRun`` sets every field)."""

    flow: FlowFunction
    #: The run whose flow function called this one (a subflow), else None.
    parent_run: str | None
    error: BaseException | None
    #: Its state's message once its time limit (``timeout_seconds``) ended it.
    timed_out: str | None
    _body_thread: threading.Thread | None
    _body_done: bool
    _hooks_thread: threading.Thread | None  # its final hooks' (``flow_hooks``)

    def _time_limit(self) -> None:
        """The timer's call at ``timeout_seconds``: ``_time_out`` on a thread of its own.
        Cancelling tasks waits (their tags' slots given back to the limits' database),
        and every retry and timeout of the runner waits for the timer's thread."""
        name = f"flowtop-flow-timeout-{self.flow.name}"
        on_a_thread(self._time_out, name, self.runner.timer)

    def _time_out(self) -> None:
        """The body ran past ``timeout_seconds``: fail the run now, cancel its unfinished
        tasks and its subflows' runs, and interrupt the body (``flow_hooks``), and theirs:
        Prefect's timeout interrupts the thread its subflows run on, so their code does
        not run on after their caller gave up on it."""
        with self._lock:
            if self._body_done or self.state is not StateType.RUNNING or self._closed():
                return
            assert self.flow.timeout is not None
            assert self._body_thread is not None
            self.error, self.timed_out = flow_hooks.timed_out(self.flow.timeout)
            stopped = {}  # attempts still running stop at their next line, which they name
            for tr in self.tasks.values():
                call = tr.call_of(tr.token) if tr.state is StateType.RUNNING else None
                if call is not None and call.interrupt(flow_hooks.FlowInterrupted):
                    stopped[tr.key] = call.stopped_where("the flow run timed out")
            self._end_unfinished("the flow run timed out", stopped)
            flow_hooks.interrupt(self._body_thread)
            self._finish()
        below = self._live_subflows()  # read before they end with it
        self._cancel_subflows("its parent run timed out")
        for run in below:
            run._interrupt_body()

    def cancel(self, why: str = "cancelled by the user") -> bool:
        """Cancel the run and, as Prefect's cancellation cleanup does, its subflows' runs."""
        if not super().cancel(why):
            return False
        self._cancel_subflows("its parent run was cancelled")
        return True

    def _cancel_subflows(self, why: str) -> None:
        """The runs of the subflows this run's body called end with it (and theirs with
        them): their results have no one left to use them, and a subflow waiting on a
        long retry would otherwise keep its process and the run store busy until it ends.
        Called outside the lock: each child takes its own."""
        for run in self.runner.active_runs:
            if isinstance(run, FlowCutShort) and run.parent_run == self.run_id:
                run.cancel(why)

    def _live_subflows(self) -> list[FlowCutShort]:
        """The live runs of the subflows this run's body called, and of theirs."""
        below = []
        for run in self.runner.active_runs:
            if isinstance(run, FlowCutShort) and run.parent_run == self.run_id:
                below += [run, *run._live_subflows()]
        return below

    def _interrupt_body(self) -> None:
        """Interrupt the body if it is still running (``_time_out``'s way)."""
        with self._lock:
            if not self._body_done and self._body_thread is not None:
                flow_hooks.interrupt(self._body_thread)

    def _closed(self) -> bool:
        """No task starts any more: cancelled, timed out, or ending."""
        return self.cancelled or self.timed_out is not None or self._hooks_thread is not None
