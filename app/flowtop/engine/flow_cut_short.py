"""A ``@flow`` run cut short before its body ends: its time limit, or a cancel.

Either way its subflows' runs end with it, as Prefect's timeout and cancellation cleanup
end them: their results have no one left to use them. They end first, and its own end
waits for theirs (the cancel path's order, ``RunActions._end_after_subflows``): a consumer
reads a parent's end after its subflows' ends. That wait is bounded, as any run's
(``run_actions.SUBFLOWS_WAITED``). A time limit also interrupts the body, and theirs, in
the user's code only (``UserCall.interrupt``), so their code does not run on after their
caller gave up on it; a subflow called once it was cut short starts no run
(``refuse_when_cut_short``).
Kept apart from ``dynamic_run``, whose run this is, which starts the timer
(``_call_body``) and asks ``_closed`` before it starts a task.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from . import flow_hooks
from .flow_in_task import refuse_when_over, why_called_off
from .run import FlowRun
from .states import StateType
from .timer import on_a_thread
from .user_call import UserCall

if TYPE_CHECKING:
    from .dynamic import FlowFunction

#: Why the live runs of the subflows a timed-out run called are cancelled with it.
PARENT_TIMED_OUT = "its parent run timed out"


class FlowCutShort(FlowRun):
    """The early end of a ``@flow`` function's run (``DynamicRun`` sets every field)."""

    flow: FlowFunction
    #: The run whose flow function called this one (a subflow), else None.
    parent_run: str | None
    error: BaseException | None
    #: Its state's message once its time limit (``timeout_seconds``) ended it.
    timed_out: str | None
    _body_call: UserCall | None
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
        not run on after their caller gave up on it. It ends after its subflows, as a
        cancelled run does (``_end_after_subflows``)."""
        with self._lock:
            if self._body_done or self.state is not StateType.RUNNING or self._closed():
                return
            assert self.flow.timeout is not None
            assert self._body_call is not None
            self.error, self.timed_out = flow_hooks.timed_out(self.flow.timeout)
            stopped = {}  # attempts still running stop at their next line, which they name
            for tr in self.tasks.values():
                call = tr.call_of(tr.token) if tr.state is StateType.RUNNING else None
                if call is not None and call.interrupt(flow_hooks.FlowInterrupted):
                    stopped[tr.key] = call.stopped_where("the flow run timed out")
            self._end_unfinished("the flow run timed out", stopped)
            self._body_call.interrupt(flow_hooks.FlowInterrupted)
            self._subflows_ending = True  # its end waits for theirs (``_end_held``)
        below = self._live_subflows()  # read before they end with it
        for run in below:  # its own subflows say why; theirs, that their parent was cancelled
            if run.parent_run == self.run_id:
                run.cancel(PARENT_TIMED_OUT)
        for run in below:
            run._interrupt_body()
        self._end_after_subflows()  # (their cancels there change nothing: see ``cancel``)

    def cancel(self, why: str = "cancelled by the user") -> bool:
        """As any run's (``RunActions.cancel``); one cancelled already keeps its first
        cancel's ``why`` (its hooks may be running: a second cancel, such as its timed-out
        parent's, ``_end_after_subflows``, would have said its parent run was cancelled)."""
        with self._lock:
            if self.state is StateType.RUNNING and (
                self.cancelled or self._cancel_at_begin is not None
            ):
                return True
        return super().cancel(why)

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
            if not self._body_done and self._body_call is not None:
                self._body_call.interrupt(flow_hooks.FlowInterrupted)

    def _closed(self) -> bool:
        """No task starts any more: cancelled, timed out, or ending."""
        return self.cancelled or self.timed_out is not None or self._hooks_thread is not None


def refuse_when_cut_short(flow: FlowFunction, parent: FlowRun) -> None:
    """A subflow called in ``parent``, once it was cut short (cancelled, timed out) or
    ended, starts no run, as a task called there does not (``RunCancelled``): a cancel
    leaves the body running, and a subflow it called then ran as a run of its own, past
    its parent's end. Its final hooks may call one (an ``on_cancellation`` hook's cleanup
    flow)."""
    if not _in_its_hooks(parent):
        refuse_when_over(flow, parent)


def cut_short_meanwhile(parent: FlowRun, run: FlowRun) -> None:
    """``run``, a subflow ``parent`` just started, is cancelled at once if ``parent`` was
    cut short or ended meanwhile: its list of subflows to end was made before ``run``
    started (``refuse_when_cut_short``)."""
    if _in_its_hooks(parent):
        return
    timed_out = getattr(parent, "timed_out", None)
    if parent.state is not StateType.RUNNING or parent.cancelled or timed_out:
        run.cancel(why_called_off(parent))


def _in_its_hooks(parent: FlowRun) -> bool:
    """Whether this thread runs ``parent``'s final hooks (``flow_hooks.end_with_hooks``)."""
    return getattr(parent, "_hooks_thread", None) is threading.current_thread()
