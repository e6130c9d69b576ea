"""A run's state machine: one flow's tasks on the runner's pool, under one lock.

Every state change of a run happens under that run's lock, through ``_transition``,
and is emitted there, so events of a task are totally ordered. Attempts run on pool
threads without the lock (``attempt``): a run queues the attempts due to start and hands
the pool up to ``workers`` jobs that run them one after another (``run_drivers``). A
retry wait is a timer entry, never a sleeping thread. Each attempt carries a token; a
result that comes back after its attempt was timed out, cancelled or given up finds the
token changed and is dropped, which is how a thread that cannot be killed is made harmless.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from . import cached_calls, judging, live_output, task_runs, user_call
from .async_call import AsyncCall
from .attempt import (
    Judged,
    call_here,
    give_up_thread,
    judge,
    replace_thread,
    start_elsewhere,
    timed_out,
)
from .drivers import Begun
from .errors import IllegalTransition
from .events import (
    RETRIED_NOW,
    REUSED_FROM_SOURCE,
    ErrorInfo,
    RunEnd,
    RunFinished,
    RunStarted,
    task_step,
)
from .graph import Node, resolve_inputs
from .policy import Decision, RetryPolicy, summaries
from .records import Attempt, TaskRun, error_info, new_run_id
from .run_actions import RunActions
from .run_drivers import RunDrivers
from .states import (
    AWAITING_RETRY,
    CANCELLED,
    COMPLETED,
    FAILED,
    PENDING,
    RUNNING,
    TRANSITIONS,
    UPSTREAM_FAILED,
    State,
    StateType,
)
from .subflow_waits import SubflowWaits
from .tag_limits import SlotWaits
from .timer import on_a_thread
from .user_call import UserCall
from .value_text import safe_repr

if TYPE_CHECKING:
    from collections.abc import Callable

    from .attempt_output import AttemptOutput
    from .flow import Flow
    from .runner import Runner

#: ``FlowRun._transition``: a record field the caller leaves as it is.
_KEEP: Any = object()


class FlowRun(RunDrivers, RunActions):
    """A run in progress. Thread-safe handle: wait, cancel, retry now, give up."""

    def __init__(
        self,
        runner: Runner,
        flow: Flow,
        number: int,
        policies: Mapping[str, RetryPolicy],
        reuse: Mapping[str, State],
        rerun_of: str | None,
        *,
        run_id: str | None = None,
    ) -> None:
        self.runner = runner
        self.flow = flow
        self.number = number
        self.run_id = run_id or new_run_id()
        self.rerun_of = rerun_of
        self._lock = threading.Lock()  # never re-entered: keep it cheap, it is on the hot path
        self._done = threading.Event()
        self._bus = runner.bus  # events are built only while a sink listens (see _transition)
        # running attempts that printed, and the @flow body once it printed (``live_output.BODY``)
        self.live_output: dict[live_output.Followed, AttemptOutput] = {}
        self._emit = runner.bus.emit
        self._clock = runner.clock
        self.state = RUNNING
        self.cancelled = False
        self.started = self._clock()
        self.started_at = time.time()  # wall clock (``prefect.runtime``'s start time)
        self.finished_at: float | None = None
        self.tasks: dict[str, TaskRun] = {
            key: TaskRun(node, policies[key]) for key, node in flow.nodes.items()
        }
        for tr in self.tasks.values():
            for up in tr.node.upstream:
                self.tasks[up].add_child(tr)
        self._unfinished = len(self.tasks)
        self._reuse = {k: s for k, s in reuse.items() if k in self.tasks and s.is_completed()}
        #: While the run is begun: reused tasks are carried over (their children wait for
        #: the ready list), and the drivers wanted are counted in ``_unsent``, for ``_begin``
        #: to hand the pool once it has released the lock.
        self._starting = True
        self._cancel_at_begin: str | None = None
        self.workers = min(runner.workers, flow.max_workers or runner.workers)
        self._set_up_drivers(runner, self.workers)
        self._slot_waits = SlotWaits(self._clock, self._lock)
        self.subflow_waits = SubflowWaits()  # its attempts waiting for subflows they called
        #: What to do when a task is final, by its key (``DynamicRun.when_final``): wake an
        #: ``await task(...)`` (its event loop's future), hand a done callback to its thread.
        self._on_final: dict[str, list[Callable[[], None]]] = {}

    # -- lifecycle ------------------------------------------------------------------
    def _begin(self) -> None:
        tasks = list(self.tasks.values())
        with self._lock:
            if self._bus.has_sinks:
                self._emit(
                    RunStarted(
                        self.run_id,
                        self.flow.name,
                        self.number,
                        tuple(t.key for t in tasks),
                        tuple(t.max_attempts for t in tasks),
                        summaries([t.policy for t in tasks]),
                        self.rerun_of,
                        time.time(),
                        workers=self.workers,
                    )
                )
            if self._ended_at_begin():
                return
            for tr in tasks:
                reused = self._reuse.get(tr.key)
                if reused is not None:  # carried over: the source run's result and attempt
                    self._complete(tr, reused.result, reused=True, attempt=reused.attempt)
            for tr in [t for t in tasks if t.state is PENDING and t.waiting_on == 0]:
                self._ready(tr)
            self._starting = False
            if self._unfinished == 0:
                self._finish()
            drivers, self._unsent = self._unsent, 0
        self._hand_first_drivers(drivers)  # outside the lock

    def _ended_at_begin(self) -> bool:
        """Under the lock, its start recorded: a run cancelled before it began (a cancel
        queued while its process imported the flow file) ends now, its tasks CANCELLED
        without an attempt; True if so."""
        why = self._cancel_at_begin
        if why is None:
            return False
        self._starting = False
        self._end_cancelled(why)
        return True

    @property
    def keeps_copies(self) -> bool:
        """Whether each result is also kept as its task returned it (``records.pristine``):
        the store keeps it (a moment later), or the ``@flow``'s own retry reuses it."""
        return self.runner.keep_results or bool(self.flow.retries)

    def _notify(self) -> None:
        """A task reached a final state (dynamic runs wake the flow function here)."""

    def _ready(self, tr: TaskRun) -> None:
        """Every upstream task of ``tr`` completed (under the lock): it runs; one that
        caches is looked up first, outside the lock (``cached_calls``)."""
        if tr.node.task.caching is None:
            self._submit(tr)
        else:
            self.runner.executor.submit(cached_calls.serve, self, tr)

    def _submit(self, tr: TaskRun) -> None:
        """Queue the next attempt of ``tr`` (called under the lock)."""
        tr.token += 1
        self.attempt_due(tr, tr.token)

    def _attempt(self, tr: TaskRun, token: int) -> None:
        """Start attempt ``token`` of ``tr`` on this thread, outside any driver (a ``@flow``
        run's async attempts start on the event loop this way)."""
        with self._lock:
            if not self._start(tr, token):
                return
        self._run(tr, token, driver=None)

    def _start(self, tr: TaskRun, token: int) -> bool:
        """Under the lock: begin attempt ``token`` of ``tr`` (RUNNING, its record, its
        timeout) unless it was cancelled, given up or replaced meanwhile."""
        if tr.token != token or self.state is not RUNNING:
            return False
        if not self._slot_waits.admit(self, tr, token):
            return False  # it waits for a slot of its tags' limits (tag_limits)
        now = tr.began = self._clock()
        tr.first_start = now if tr.first_start is None else tr.first_start
        hurried, tr.hurried = tr.hurried, False
        why = RETRIED_NOW if hurried else ""
        self._transition(tr, RUNNING, ts=time.time(), attempt=tr.attempt + 1, message=why)
        if tr.policy.timeout is not None:
            if not user_call.interrupts_imported:
                self.runner.timer.call_at(now, user_call.import_interrupts)
            tr.timer = self.runner.timer.call_at(
                now + tr.policy.timeout, lambda: self._timed_out(tr, token)
            )
        if tr.node.task.is_async:  # on the event loop, whatever the backend: cancelled
            tr.call = AsyncCall(token)
        else:  # a timeout or its run's cancel interrupts it on its thread (not elsewhere)
            tr.call = UserCall(token) if self.runner.backend is None else None
        return True

    def _run(self, tr: TaskRun, token: int, *, driver: threading.Thread | None) -> Begun | None:
        """Run the begun attempt ``token`` of ``tr``, and each retry of it that has no
        delay (a retry loop on this thread: no timer or pool round trip); then, when run
        by a driver (``driver``: its thread, this one), begin and return the next queued
        attempt in the same hold of the lock."""
        args, kwargs = self._arguments(tr)  # outside the lock: upstream results are final
        attempt = (self, tr, args, kwargs)  # what TaskRunContext.get() reads in the attempt
        clock = self._clock
        timed = tr.policy.timeout is not None  # its timeout may come while it is judged
        if self.runner.backend is not None or tr.node.task.is_async:
            started = clock()

            def done(value: Any, error: BaseException | None, output: str) -> None:
                if timed and not judging.returned(tr, token, error, output):
                    return  # its timeout (or a cancel) concluded it: nothing to judge
                self._conclude(tr, token, value, error, output, clock() - started)

            start_elsewhere(self.runner, tr, token, attempt, self._giving_place_back(tr, done))
            if driver is None:
                return None
            with self._lock:
                return self._then(0.0, driver)  # handing an attempt over is quick
        while True:  # the default: run the attempt right here, on this pool thread
            fn = cached_calls.attempt_fn(attempt)  # (its hooks, a result_storage_key's error)
            started, wall = clock(), time.perf_counter()
            value, error, output = call_here(fn, args, kwargs, attempt, tr.call_of(token))
            duration, wall = clock() - started, time.perf_counter() - wall
            if timed and not judging.returned(tr, token, error, output):
                with self._lock:  # its timeout (or a cancel) concluded it: nothing to judge
                    return None if driver is None else self._then(wall, driver)
            judged = judge(self, tr, token, value, error, None)
            value, error, decision = judged[:3]  # (unpacked: a star call costs 0.15 µs)
            token, output = task_runs.concluding(self, tr, token, value, error, decision, output)
            with self._lock:
                again = self._apply(tr, token, judged, duration, output)
                if again is not None and self._start(tr, again):
                    token = again
                    continue
                return None if driver is None else self._then(wall, driver)

    def _conclude(
        self,
        tr: TaskRun,
        token: int,
        value: Any,
        error: BaseException | None,
        output: str,
        duration: float,
        *,
        decision: Decision | None = None,
        judged_by: Callable[[], Judged] | None = None,
    ) -> None:
        """An attempt that did not run on a driver came back (the event loop, a backend,
        a timeout): apply its outcome, and queue its retry if that has no delay.
        ``decision`` is given when the outcome is already final (no retry to weigh);
        ``judged_by``, when it is judged another way (a timeout's, ``judging``)."""
        try:
            judged = judged_by() if judged_by else judge(self, tr, token, value, error, decision)
            token, output = task_runs.concluding(self, tr, token, *judged[:3], output)  # hooks
            with self._lock:
                again = self._apply(tr, token, judged, duration, output)
                if again is not None:
                    self.attempt_due(tr, again)
        except Exception as exc:  # noqa: BLE001 - as in _drive: on a backend's or timer's thread
            self._broke(exc)

    def _inputs(self, node: Node) -> tuple[list[Any], dict[str, Any]]:
        """The node's arguments with upstream results in place of their refs."""
        return resolve_inputs(node, self.tasks)

    def _arguments(self, tr: TaskRun) -> tuple[list[Any], dict[str, Any]]:
        """What an attempt of ``tr`` is called with, read on its thread just before the call."""
        return self._inputs(tr.node)

    def _timed_out(self, tr: TaskRun, token: int) -> None:
        """Attempt ``token`` of ``tr`` ran past its timeout (on the timer thread). Its end
        is decided on a thread of its own (``timer.on_a_thread``): that may run the user's code
        (a predicate, hooks), and every retry and timeout of the runner waits for this
        thread. One whose call had returned was being judged: it is not judged again, and
        its task fails (``judging``)."""
        with self._lock:
            if tr.token != token or tr.state is not RUNNING:
                return
            tr.token += 1  # the thread still runs; whatever it returns is now stale
            self.subflow_waits.attempt_given_up(tr.key)  # a subflow it waits for is off
            tr.timer = None
            conclusion, duration, call = tr.token, tr.policy.timeout or 0.0, tr.call
            # The attempt needs this lock to conclude, so its thread has not moved on.
            seen = judging.overdue(tr, token)  # read after the token moved on
            if seen is not None:
                end = judging.overran(tr, seen)  # (where its thread is: before it is given up)
                judged = partial(judging.judged, seen, end)
                error, output = seen.error, seen.output
                conclude = partial(self._conclude, judged_by=judged)
                replaced = replace_thread(self.runner, call)  # a worker stuck judging it
            else:
                output = live_output.so_far(self.live_output, tr)  # before the interrupt ends it
                last = tr.attempt >= tr.policy.max_attempts  # (its retries spent anyway)
                how, replaced, no_retry = give_up_thread(self.runner, call, last=last)
                error, final = timed_out(tr, how, no_retry=no_retry)
                conclude = partial(self._conclude, decision=final)
            if replaced and call is not None:
                self._hand_drivers(self._drivers.given_up(call.thread))
        # (a cancel meanwhile changes the token and wins)
        finish = partial(conclude, tr, conclusion, None, error, output, duration)
        on_a_thread(finish, f"flowtop-timed-out-{tr.key}", self.runner.timer)

    def _apply(
        self,
        tr: TaskRun,
        token: int,
        judged: Judged,
        duration: float,
        output: str,
    ) -> int | None:
        """Apply the judged outcome of attempt ``token`` of ``tr`` (under the lock), unless
        it was timed out, cancelled or given up meanwhile: then it is dropped.

        Its decision is None for the common case, a plain success, which is final (rule 4).
        Returns the token of a retry with no delay, for the caller to start at once.
        """
        if tr.token != token or tr.state is not RUNNING:
            return None
        value, error, decision, info, tr.kept, shown, tr.returned = judged
        tr.drop_timer()
        tr.call = None  # over: kept till the run's end, a call a task cost ~0.5 µs (the GC)
        if decision is None or decision.final is COMPLETED:
            self._complete(tr, value, duration=duration, output=output, shown=shown)
        elif decision.retry:
            assert decision.delay is not None
            delay = decision.delay
            self._transition(
                tr,
                AWAITING_RETRY,
                message=decision.reason,
                value=value,
                exception=error,
                retry_in=delay.seconds,
                delay_explained=delay.explain(),
                error=info,
                duration=duration,
                output=output,
                shown=shown,
            )
            tr.token += 1
            token = tr.token
            if delay.seconds <= 0:
                return token
            tr.timer = self.runner.timer.call_at(
                self._clock() + delay.seconds, lambda: self._retry_due(tr, token)
            )
        else:
            final_error = decision.error if decision.error is not None else error
            assert final_error is not None
            ends, why = decision.final or FAILED, decision.reason  # CANCELLED: returned one
            self._fail(tr, final_error, why, duration=duration, output=output, info=info, ends=ends)
        return None

    def _retry_due(self, tr: TaskRun, token: int) -> None:
        with self._lock:
            if tr.token == token and tr.state is AWAITING_RETRY and self.state is RUNNING:
                tr.timer = None
                self.attempt_due(tr, token)

    def _complete(
        self,
        tr: TaskRun,
        value: Any,
        *,
        duration: float | None = None,
        output: str = "",
        reused: bool = False,
        attempt: int | None = None,
        message: str = "",
        shown: str | None = None,
    ) -> None:
        """``tr`` completed with ``value`` (under the lock); ``reused``: carried over from a
        rerun's source run or served from the cache, ``attempt`` its source's attempt."""
        if tr.node.task.caching is not None and not reused:
            message = tr.cache_note  # "" once stored (``cached_calls.store``)
        self._transition(
            tr,
            COMPLETED,
            message=message or (REUSED_FROM_SOURCE if reused else ""),
            value=value,
            exception=None,
            duration=duration,
            output=output,
            reused=reused,
            attempt=attempt,
            shown=shown,
        )
        self._unfinished -= 1
        for child in tr.children:
            child.waiting_on -= 1
            if child.waiting_on == 0 and child.state is PENDING and not self._starting:
                self._ready(child)
        self._notify()
        if self._unfinished == 0:
            self._finish()

    def _fail(
        self,
        tr: TaskRun,
        error: BaseException,
        reason: str,
        *,
        duration: float | None = None,
        output: str = "",
        info: ErrorInfo | None = None,
        ends: StateType = FAILED,
    ) -> None:
        self._transition(
            tr,
            ends,
            message=reason,
            exception=error,
            error=info or error_info(error),
            duration=duration,
            output=output,
        )
        self._unfinished -= 1
        self._upstream_failed(tr)
        self._notify()
        if self._unfinished == 0:
            self._finish()

    def _upstream_failed(self, failed: TaskRun) -> None:
        stack = list(failed.children)
        while stack:
            child = stack.pop()
            if child.state is PENDING:
                self._mark_upstream_failed(child, failed)
                stack.extend(child.children)

    def _mark_upstream_failed(self, tr: TaskRun, failed: TaskRun) -> None:
        why = f"upstream task {failed.key!r} did not complete"
        self._end_unrun(tr, UPSTREAM_FAILED, why)

    def _end_unrun(
        self,
        tr: TaskRun,
        state: StateType,
        message: str,
        output: str = "",
        duration: float | None = None,
    ) -> None:
        """End a task that no attempt will finish: upstream failed, or cancelled (under the
        lock); ``output`` and ``duration``: what its attempt cut short by a cancel printed,
        and its time so far (``RunActions._cut_short``)."""
        self._transition(tr, state, message=message, output=output, duration=duration)
        self._unfinished -= 1

    def _transition(
        self,
        tr: TaskRun,
        state: StateType,
        *,
        message: str = "",
        value: Any = _KEEP,
        exception: Any = _KEEP,
        announce: bool = False,
        ts: float | None = None,
        retry_in: float | None = None,
        delay_explained: str = "",
        error: ErrorInfo | None = None,
        duration: float | None = None,
        output: str = "",
        reused: bool = False,
        policy: RetryPolicy | None = None,
        shown: str | None = None,
        attempt: int | None = None,
    ) -> None:
        """The one place a task changes state (under the run's lock).

        Refuses a change ``TRANSITIONS`` does not allow, then updates the record (its
        state and message; its attempt number when given, and ``reused``; its result and
        exception when given; the record of the attempt the change begins, or ends, from
        the event's own fields, so the two cannot disagree), emits the
        ``TaskStateChanged``, whose ``result`` (``shown``) shows a value given without an
        exception, and, once the task is final, wakes what waits for it (``_on_final``).
        ``announce``: a ``@flow`` call new to the consumers (PENDING, with its ``policy``
        and upstream calls), checked as coming from no state. The arguments after ``ts``
        are the event's own fields. With no sink to hear it (``flow.run()``), no event is
        built; with one, it is built in one step from its fields in order
        (``events.task_step``), since this runs under the lock every driver waits for,
        twice per attempt.
        """
        prior = None if announce else tr.state
        allowed = TRANSITIONS.get(prior)
        if allowed is None or state not in allowed:
            raise IllegalTransition(
                f"task {tr.key!r} of run {self.run_id}: {prior and prior.value} -> {state.value} is not allowed"
            )
        if tr.slots is not None and prior is RUNNING:
            self._slot_waits.give_back(self, tr)
        tr.state, tr.message, tr.changed = state, message, time.time() if ts is None else ts
        if attempt is not None:
            tr.attempt = attempt
        if reused:
            tr.reused = True
        if state is RUNNING:  # the change begins an attempt
            begun = Attempt(tr.attempt, tr.changed)
            if isinstance(tr.attempts, list):
                tr.attempts.append(begun)
            else:
                tr.attempts = [*tr.attempts, begun]
        elif prior is RUNNING:  # the change ends its attempt, whose record says how
            record = tr.attempts[-1]
            record.state, record.duration, record.output = state, duration, output
            record.error, record.retry_in, record.delay_explained = error, retry_in, delay_explained
        elif prior is AWAITING_RETRY and state is FAILED:  # given up: that failure is final
            tr.attempts[-1].state = FAILED
        if state.is_final and isinstance(tr.attempts, list):
            tr.attempts = tuple(tr.attempts)  # kept so: the run's result shares it
        if value is not _KEEP:
            tr.result = value
        if exception is not _KEEP:
            tr.exception = exception
        if self._bus.has_sinks:
            if shown is None and value is not _KEEP and exception is None:
                shown = safe_repr(value)  # else made outside the lock by ``judge``
            # fmt: off
            fields = (self.run_id, self.flow.name, tr.key, state, tr.attempt, tr.max_attempts,
                      tr.changed, retry_in, delay_explained, error, shown,
                      duration, output, reused, message,
                      "" if policy is None else policy.summary(),
                      tuple(tr.node.upstream) if announce else (), "task_state")
            # fmt: on
            self._emit(task_step(fields))
        if self._on_final and state.is_final:
            self._wake_waiters(tr)

    def _wake_waiters(self, tr: TaskRun) -> None:
        """``tr`` is final: what waits for it goes on (under the lock; each quick)."""
        for then in self._on_final.pop(tr.key, ()):
            then()

    def _finish(self) -> None:
        if self.state is RUNNING and not self._end_held_back():  # (its subflows' ends first)
            self._end_now()

    def _end_now(self) -> None:
        """Under the lock, RUNNING: it ends, and its waiters are told."""
        self.state = self._final_state()
        self.finished_at = self._clock()
        self._drivers.clear()
        try:  # its state is final: whatever fails from here, its waiters are told
            if self._bus.has_sinks:
                counts = dict(Counter(t.state.value for t in self.tasks.values()))
                own = self._own_end_safely()
                took = self.finished_at - self.started if own.took is None else own.took
                ended = (self.run_id, self.flow.name, self.number, self.state, counts, took)
                self._emit(RunFinished(*ended, time.time(), **own.fields()))
            self._notify()
        finally:  # its workers given up on first: a waiter (``final_state``, no lock) may
            try:  # shut the runner down at once, joining every worker
                self.runner._run_done(self)
            finally:
                self._done.set()

    def _own_end(self) -> RunEnd:
        """What the run itself raised and printed, apart from its tasks, and in how many
        seconds it retries itself as a new linked run: a ``@flow`` function's (none here)."""
        return RunEnd()

    def _final_state(self) -> StateType:
        if self.cancelled:
            return CANCELLED
        if all(t.state is COMPLETED for t in self.tasks.values()):
            return COMPLETED
        return FAILED
