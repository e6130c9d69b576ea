"""What users do to a live run: cancel it, retry a waiting task now, give one up; and
how a run ends when flowtop itself fails inside it.

Kept apart from the state machine (``run``), which they drive through its own steps
(``_end_unrun``, ``_submit``, ``_fail``, ``_finish``), each under the run's lock.

A cancelled run's subflow runs end before it does, and their ends are logged first: the
store's log, the monitor and ``flowtop watch`` read a parent's end last, after its
subflows' cancelled tasks and ends (its end came first, theirs a moment later). It waits
for them ``SUBFLOWS_WAITED`` seconds at most, whatever its kind (a ``@flow``'s run, or a
graph's whose task called a subflow).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from . import attempt_children, live_output
from .errors import RetriesExhausted
from .run_handle import WAKE, RunHandle
from .states import StateType
from .timer import on_a_thread
from .value_text import safe_repr, safe_str

if TYPE_CHECKING:
    from .attempt_output import AttemptOutput
    from .events import RunEnd
    from .records import TaskRun
    from .run import FlowRun
    from .subflow_waits import SubflowWaits
    from .user_call import UserCall

#: Where a failure inside the engine is told, with its traceback, for a bug report.
log = logging.getLogger("flowtop.engine")

#: Why the live runs of the subflows a cancelled run called are cancelled with it.
PARENT_CANCELLED = "its parent run was cancelled"
#: The most a run cut short waits for its subflows' runs to end before it ends (seconds,
#: in all): one whose ``on_cancellation`` hook hangs then ends after it, when its hook
#: returns. Long enough for a hook that sends a message; Prefect's parent waits for none.
SUBFLOWS_WAITED = 5.0


class RunActions(RunHandle):
    """Mixed into ``FlowRun``, whose steps these call."""

    cancelled: bool
    #: The ``why`` it was cancelled with ("cancelled: SIGTERM …", "cancelled by the user"):
    #: a run that ends with no task to carry it (a flow retry in its delay) says it itself.
    cancelled_why = ""
    live_output: dict[live_output.Followed, AttemptOutput]
    subflow_waits: SubflowWaits
    #: The run's clock (``Runner.clock``): a task's ``began`` is on it.
    _clock: Callable[[], float]
    _starting: bool
    #: Why the run was cancelled before it began (``Runner.before_begin``): ``_begin``
    #: ends it so, no task started, after its start is recorded.
    _cancel_at_begin: str | None
    #: A cancel ends the runs of its subflows: its own end waits for theirs (``_finish``).
    _subflows_ending = False
    #: Its end was asked for meanwhile: it is made once theirs are (``_end_held``).
    _end_asked = False

    if TYPE_CHECKING:  # FlowRun's own steps

        def _end_unrun(
            self,
            tr: TaskRun,
            state: StateType,
            message: str,
            output: str = "",
            duration: float | None = None,
        ) -> None: ...

        def _submit(self, tr: TaskRun) -> None: ...

        def _fail(self, tr: TaskRun, error: BaseException, reason: str) -> None: ...

        def _finish(self) -> None: ...

        def _end_now(self) -> None: ...

        def _own_end(self) -> RunEnd: ...

    def cancel(self, why: str = "cancelled by the user") -> bool:
        """Stop scheduling, drop pending retries, mark unfinished tasks CANCELLED (``why``);
        the live runs of the subflows it called are cancelled and end first."""
        with self._lock:
            if self.state is not StateType.RUNNING:
                return False
            if self._starting:  # not begun: ended by ``_begin``, after its RunStarted
                self._cancel_at_begin = why
                return True
            if self._subflows_ending:  # a cancel under way ends it once they ended
                return True
            self._stop_cancelled(why)
            self._subflows_ending = True
        self._end_after_subflows()
        return True

    def _end_cancelled(self, why: str) -> None:
        """Under the lock: the run ends CANCELLED (``_stop_cancelled``) at once: one
        cancelled before it began, whose body called no subflow."""
        self._stop_cancelled(why)
        self._finish()

    def _stop_cancelled(self, why: str) -> None:
        """Under the lock: the run is cancelled, its unfinished tasks ending CANCELLED saying
        ``why``; no task or subflow starts in it any more. A sync attempt still running on
        a thread of this process gets ``TaskInterrupted`` raised in its code (``task
        interrupted: the run was cancelled``), as one past its timeout does, and an async
        one's coroutine is cancelled: a task looping in Python stopped only with its
        process (its thread given up but spinning on), an async one with its runner. Both
        once the attempt's output is read and its token moved on, so what its ``except``
        handler prints goes to the terminal. The processes such an attempt started (and
        theirs) get SIGTERM, then SIGKILL (``attempt_children``)."""
        self.cancelled = True
        self.cancelled_why = why
        running = self._running_calls()  # read while their tokens are still theirs
        self._end_unfinished(why)
        _interrupt_cancelled(running)

    def _end_after_subflows(self) -> None:
        """Off its lock (each child takes its own, and a parent's lock is never held while
        a child ends): cancel the live runs of the subflows it called, each ending its own
        first, then end it. A child whose end comes later (its cancellation hooks run, or
        it has not begun) is waited for on a thread of its own, and the run ends after it:
        its end came first, and the log read ``root CANCELLED`` above ``leaf CANCELLED``."""
        left: list[FlowRun] = []
        try:
            below = [run for run in self.runner.active_runs if run.parent_run == self.run_id]
            for run in below:
                run.cancel(PARENT_CANCELLED)
            left = [run for run in below if not run.done]
        finally:
            if not left:
                self._end_held()
            else:
                try:
                    name = f"flowtop-cancel-{self.flow.name}"
                    on_a_thread(lambda: self._end_after(left), name, self.runner.timer)
                except RuntimeError:  # the runner shut down: it ends now
                    self._end_held()

    def _end_after(self, runs: list[FlowRun]) -> None:
        """End it, held by its cancel, once ``runs`` (its subflows') ended, or were let go
        of without an end (one whose ``_begin`` raised, its runner shut down meanwhile),
        or ``SUBFLOWS_WAITED`` seconds from now: a subflow whose ``on_cancellation`` hook
        never returns keeps it from ending no longer (a graph's run, whose task called
        that subflow, waited for good)."""
        deadline = time.monotonic() + SUBFLOWS_WAITED
        try:
            for run in runs:
                while run in self.runner.active_runs:
                    left = deadline - time.monotonic()
                    if left <= 0 or run.wait(min(WAKE, left)):
                        break
        finally:
            self._end_held()

    def _end_held(self) -> None:
        """Its cancel's end, which its subflows' ends held back: made now, or by its
        ``_finish`` (its final hooks may run first)."""
        with self._lock:
            self._subflows_ending = False
            asked, self._end_asked = self._end_asked, False
            if self.state is not StateType.RUNNING:
                return
            if asked:  # its ``_finish`` came meanwhile: what it asked for, made now
                self._end_now()
            else:
                self._finish()

    def _end_held_back(self) -> bool:
        """Under the lock, as it would end (``FlowRun._finish``): whether its cancel is
        ending its subflows' runs, so its end waits for theirs (``_end_held`` makes it)."""
        if self._subflows_ending:
            self._end_asked = True
        return self._subflows_ending

    def _running_calls(self) -> list[UserCall]:
        """Under the lock: the calls of the attempts running in this process, on a thread or
        the event loop (a process or cluster executor stops its own, ``backends``)."""
        calls = []
        for tr in self.tasks.values():
            call = tr.call_of(tr.token) if tr.state is StateType.RUNNING else None
            if call is not None:
                calls.append(call)
        return calls

    def _end_unfinished(self, why: str, said: Mapping[str, str] | None = None) -> None:
        """Under the lock: every task not final ends CANCELLED (``said``: a task's own why).
        A running attempt keeps what it printed until then, as a timed-out one does."""
        now = self._clock()
        for tr in self.tasks.values():
            if not tr.state.is_final:
                took, output = (
                    self._cut_short(tr, now) if tr.state is StateType.RUNNING else (None, "")
                )
                tr.drop_timer()
                tr.token += 1
                why_this = (said or {}).get(tr.key, why)
                self._end_unrun(tr, StateType.CANCELLED, why_this, output, took)
        self.subflow_waits.all_given_up()  # the subflows its attempts wait for are off

    def _cut_short(self, tr: TaskRun, now: float) -> tuple[float, str]:
        """Under the lock: the time so far of ``tr``'s running attempt, cut short at ``now``
        (the run's clock), and what it printed until then. Its step and record carry both
        (``_end_unrun``): without a duration, ``flowtop history`` showed ``-`` for an
        attempt that ran for seconds, and the monitor's TIME cell was blank, its attempt
        reading as if still running."""
        return now - tr.began, live_output.so_far(self.live_output, tr)

    def _take_waiting(self, key: str, attempt: int | None) -> TaskRun | None:
        """The task ``key`` if it is awaiting a retry in a live run, its timer dropped (under
        the lock). ``attempt``: the failed attempt whose wait the user acted on; a task
        that has moved on to another wait since is not taken (``retry_now``)."""
        tr = self.tasks.get(key)
        live = self.state is StateType.RUNNING
        if tr is None or not live or tr.state is not StateType.AWAITING_RETRY:
            return None
        if attempt is not None and tr.attempt != attempt:
            return None
        tr.drop_timer()
        return tr

    def retry_now(self, key: str, attempt: int | None = None) -> bool:
        """Start the next attempt of a task awaiting retry at once (the TUI's ``n``).

        ``attempt``: the failed attempt whose wait `n` was pressed on. A second `n` for
        that wait (a double press, or one in each of two windows) does nothing: it cut the
        wait of the NEXT attempt too, one nobody had seen, and spent a retry in
        milliseconds. So does one for a wait already cut, its attempt not begun yet."""
        with self._lock:
            tr = self.tasks.get(key)
            if tr is not None and tr.hurried:  # that wait is over already
                return False
            tr = self._take_waiting(key, attempt)
            if tr is None:
                return False
            tr.hurried = True  # its RUNNING step says so: the history tells `n` by it
            self._submit(tr)
            return True

    def give_up(self, key: str, attempt: int | None = None) -> bool:
        """Fail a task awaiting retry now, with its last error (the TUI's ``x``);
        ``attempt``: the failed attempt whose wait `x` was pressed on (``retry_now``)."""
        with self._lock:
            tr = self._take_waiting(key, attempt)
            if tr is None:
                return False
            tr.token += 1
            error = tr.exception
            if error is None:
                error = RetriesExhausted(
                    f"gave up on {tr.key!r} after {tr.attempt} attempts; last result {safe_repr(tr.result)}"
                )
            self._fail(tr, error, "given up by the user")
            return True

    def _broke(self, error: Exception) -> None:
        """flowtop failed while driving an attempt (a bug of its own, never the user's
        code, whose errors are the attempt's): the run ends FAILED, its unfinished tasks
        saying why, where it would wait for good on a task nothing will finish."""
        log.error("flowtop failed inside run %s", self.run_id, exc_info=error)
        why = f"flowtop failed inside its engine: {type(error).__name__}: {safe_str(error)}"
        with self._lock:
            if self.state is StateType.RUNNING:
                self._end_unfinished(why)
                self._finish()

    def _own_end_safely(self) -> RunEnd:
        """``_own_end``, or, when flowtop fails making it (a bug of its own), a note saying
        so. It runs once the run's state is final, where ``_broke`` no longer ends it: the
        run stayed RUNNING for good, its process idle and heartbeating. A cancelled run's
        note says who cancelled it (``cancelled: SIGHUP (flowtop run's terminal closed)``)
        unless its kind said more: ``history``'s NOTE was empty, its tasks alone said why."""
        try:
            own = self._own_end()
            if self.cancelled and self.cancelled_why and not own.note:
                return own._replace(note=self.cancelled_why)
            return own
        except Exception as exc:  # any bug of flowtop's: the run still ends
            log.error("flowtop failed ending run %s", self.run_id, exc_info=exc)
            from .events import RunEnd

            return RunEnd(
                note=f"flowtop failed inside its engine: {type(exc).__name__}: {safe_str(exc)}"
            )


def _interrupt_cancelled(calls: list[UserCall]) -> None:
    """Raise ``TaskInterrupted`` saying ``the run was cancelled`` in each call's code at its
    next Python line (cancel an ``AsyncCall``'s coroutine), or keep the call from
    beginning (``user_call``)."""
    if not calls:
        return
    from .task_interrupted import run_cancelled  # imports asyncio: only when needed

    cancelled = run_cancelled()
    for call in calls:
        call.interrupt(cancelled)
    attempt_children.cut_short()  # the processes they started: SIGTERM, then SIGKILL
