"""A run's state machine: one flow's tasks on the runner's pool, under one lock.

Every state change of a run happens under that run's lock, through ``_transition``,
and is emitted there, so events of a task are totally ordered. Attempts run on pool
threads without the lock. A retry wait is a timer entry, never a sleeping thread. Each
attempt carries a token; a result that comes back after its attempt was timed out,
cancelled or given up finds the token changed and is dropped, which is how a thread
that cannot be killed is made harmless.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import aloop, capture, task_runs
from .backends import hand_over
from .errors import IllegalTransition, RetriesExhausted, TaskTimeout
from .events import ErrorInfo, RunFinished, RunStarted, TaskStateChanged
from .graph import Node, resolve_inputs
from .policy import Decision, RetryPolicy, decide, safe_repr, safe_str, summaries
from .pool import MAX_ABANDONED
from .prefect_api import returned_state
from .records import Attempt, RunResult, TaskRun, error_info, new_run_id
from .states import TRANSITIONS, State, StateType

if TYPE_CHECKING:
    from .flow import Flow
    from .runner import Runner

#: ``FlowRun._transition``: a record field the caller leaves as it is.
_KEEP: Any = object()


class FlowRun:
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
        self._emit = runner.bus.emit
        self._clock = runner.clock
        self.state = StateType.RUNNING
        self.cancelled = False
        self.started = self._clock()
        self.finished_at: float | None = None
        self.tasks: dict[str, TaskRun] = {
            key: TaskRun(node, policies[key]) for key, node in flow.nodes.items()
        }
        for tr in self.tasks.values():
            for up in tr.node.upstream:
                self.tasks[up].children.append(tr)
        self._unfinished = len(self.tasks)
        self._reuse = {k: s for k, s in reuse.items() if k in self.tasks and s.is_completed()}
        self._starting = True  # while reused tasks are carried over, nothing is submitted

    # -- lifecycle ------------------------------------------------------------------
    def _begin(self) -> None:
        tasks = list(self.tasks.values())
        with self._lock:
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
                )
            )
            for tr in tasks:
                reused = self._reuse.get(tr.key)
                if reused is not None:
                    tr.reused = True
                    tr.attempt = reused.attempt
                    self._complete(tr, reused.result, reused=True)
            self._starting = False
            ready = [t for t in tasks if t.state is StateType.PENDING and t.waiting_on == 0]
            for tr in ready:
                self._ready(tr)
            if self._unfinished == 0:
                self._finish()

    def _notify(self) -> None:
        """A task reached a final state (dynamic runs wake the flow function here)."""

    def _ready(self, tr: TaskRun) -> None:
        """Every upstream task of ``tr`` completed (under the lock)."""
        self._submit(tr)

    def _submit(self, tr: TaskRun) -> None:
        """Queue the next attempt of ``tr`` (called under the lock)."""
        tr.token += 1
        self.runner.executor.submit(self._attempt, tr, tr.token)

    def _attempt(self, tr: TaskRun, token: int) -> None:
        """Run the attempt ``token`` names, then on this same thread each retry that has no
        delay: a retry loop, with no timer or pool round trip between its attempts."""
        again: int | None = token
        while again is not None:
            again = self._attempt_once(tr, again)

    def _attempt_once(self, tr: TaskRun, token: int) -> int | None:
        """One attempt; the token of a retry to start at once, if it ended in one here."""
        clock = self._clock
        with self._lock:
            if tr.token != token or self.state is not StateType.RUNNING:
                return None
            tr.attempt += 1
            now = clock()
            if tr.first_start is None:
                tr.first_start = now
            wall = time.time()
            tr.attempts.append(Attempt(tr.attempt, wall))
            self._transition(tr, StateType.RUNNING, ts=wall)
            if tr.policy.timeout is not None:
                tr.timer = self.runner.timer.call_at(
                    now + tr.policy.timeout, lambda: self._timed_out(tr, token)
                )
            args, kwargs = self._inputs(tr.node)
            backend = self.runner.backend
            if backend is None:
                tr.thread = threading.current_thread()
        attempt = (self, tr, args, kwargs)  # what TaskRunContext.get() reads in the attempt
        fn = task_runs.entered(attempt) if tr.node.task.extras else tr.node.task.fn  # hooks
        started = clock()
        if backend is None and not tr.node.task.is_async:
            # The default: run the attempt right here, on this pool thread.
            capture.begin(attempt)
            try:
                value = fn(*args, **kwargs)
                error: BaseException | None = None
            except BaseException as exc:  # noqa: BLE001 - every outcome is reported, none escapes
                value, error = None, exc
                if exc.__traceback__ is not None and exc.__traceback__.tb_next is not None:
                    exc.__traceback__ = exc.__traceback__.tb_next  # the user's frames, not ours
            output = capture.end()
            return self._conclude(tr, token, value, error, output, clock() - started)

        def done(value: Any, error: BaseException | None, output: str) -> None:
            again = self._conclude(tr, token, value, error, output, clock() - started)
            if again is not None:
                self._retry_due(tr, again)

        if tr.node.task.is_async:  # awaited on the event loop: no thread is held meanwhile
            aloop.start_attempt(fn, args, kwargs, done, user=self.runner, attempt=attempt)
        else:  # another process or a cluster runs the attempt; retries stay here
            assert backend is not None
            hand_over(
                backend,
                fn,
                args,
                kwargs,
                timeout=tr.policy.timeout,
                abandoned=lambda: tr.token != token,
                on_done=done,
            )
        return None

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
    ) -> int | None:
        """An attempt came back: decide, then apply unless it was abandoned meanwhile.

        ``decision`` is given when the outcome is already final (no retry to weigh).
        Returns the token of a retry with no delay, for the caller to start at once.
        """
        if error is None:  # a Prefect Failed(...) returned by hand fails the attempt
            value, error = returned_state(value)
        # A failure, or a predicate to consult: the decision may call user code
        # (retry_predicate, a retry_delay callable), so it is made outside the lock.
        if decision is None and (error is not None or tr.policy.retry_predicate):
            try:
                decision = self._decide(tr, value, error)
            except BaseException as exc:  # noqa: BLE001 - decide guards user code; this guards decide
                failure = RuntimeError(
                    f"flowtop could not decide the retry of {tr.key!r}: {type(exc).__name__}: {safe_str(exc)}"
                )
                failure.__cause__ = exc
                decision = Decision(
                    False, StateType.FAILED, error=failure, reason="retry decision failed"
                )
        info = None  # the error the attempt's record and event show, formatted off the lock
        if decision is not None and decision.final is not StateType.COMPLETED:
            shown = error if decision.retry or decision.error is None else decision.error
            info = None if shown is None else error_info(shown)
        token = task_runs.concluding(self, tr, token, value, error, decision)  # log, hooks
        with self._lock:
            if tr.token != token or tr.state is not StateType.RUNNING:
                return None  # timed out, cancelled or given up meanwhile: the result is dropped
            if tr.timer is not None:
                tr.timer.cancel()
                tr.timer = None
            return self._attempt_ended(tr, value, error, duration, output, decision, info)

    def _inputs(self, node: Node) -> tuple[list[Any], dict[str, Any]]:
        """The node's arguments with upstream results in place of their refs."""
        return resolve_inputs(node, self.tasks)

    def _decide(self, tr: TaskRun, value: Any, error: BaseException | None) -> Decision:
        failed = error is not None
        kind = StateType.FAILED if failed else StateType.COMPLETED
        outcome = State(
            kind, error if failed else value, error, tr.attempt, "", tr.key, time.time()
        )
        now = self._clock()
        start = now if tr.first_start is None else tr.first_start
        return decide(tr.policy, outcome, elapsed=now - start, rng=self.runner.rng)

    def _timed_out(self, tr: TaskRun, token: int) -> None:
        with self._lock:
            if tr.token != token or tr.state is not StateType.RUNNING:
                return
            tr.token += 1  # the thread still runs; whatever it returns is now stale
            tr.timer = None
            timeout = tr.policy.timeout or 0.0
            no_retry = False
            if self.runner.backend is not None:
                how = "the executor was told to stop it"
            else:
                # The thread cannot be killed. Give it up, so the pool starts another in
                # its place: a worker kept per hung attempt would leave none for the
                # retries, and the run would never end. (The attempt needs this lock to
                # return, so its thread is still in the call.)
                abandon = getattr(self.runner.executor, "abandon", None)
                if abandon is None or tr.thread is None:
                    how = "its thread cannot be killed; a late result will be discarded"
                elif abandon(tr.thread):
                    how = "its thread cannot be killed; it was left to finish alone, a new worker took its place"
                else:
                    no_retry = True
                    stuck = getattr(self.runner.executor, "abandoned", MAX_ABANDONED)
                    how = (
                        f"its thread cannot be killed, and {stuck} stuck threads are "
                        "the most flowtop replaces: not retried"
                    )
            error = TaskTimeout(
                f"attempt {tr.attempt} of {tr.key!r} ran past its timeout of {timeout:g}s ({how})"
            )
            final = None
            if no_retry:
                final = Decision(
                    False, StateType.FAILED, error=error, reason="timed out; no worker"
                )
            conclusion = tr.token
        # As for any attempt, the decision (which may call the user's predicate) is made
        # outside the lock; a cancel meanwhile changes the token and wins.
        again = self._conclude(tr, conclusion, None, error, "", timeout, decision=final)
        if again is not None:
            self._retry_due(tr, again)

    def _attempt_ended(
        self,
        tr: TaskRun,
        value: Any,
        error: BaseException | None,
        duration: float,
        output: str,
        decision: Decision | None,
        info: ErrorInfo | None,
    ) -> int | None:
        """Apply the retry decision to a finished attempt (under the lock).

        ``decision`` is None for the common case, a plain success, which is final (rule 4).
        Returns the token of a retry with no delay: its caller starts it at once.
        """
        record = tr.attempts[-1]
        record.duration = duration
        record.output = output
        failed = error is not None
        if decision is None or decision.final is StateType.COMPLETED:
            record.state = StateType.COMPLETED
            self._complete(tr, value, duration=duration, output=output)
        elif decision.retry:
            assert decision.delay is not None
            delay = decision.delay
            record.state, record.error = StateType.AWAITING_RETRY, info
            record.retry_in, record.delay_explained = delay.seconds, delay.explain()
            self._transition(
                tr,
                StateType.AWAITING_RETRY,
                message=decision.reason,
                value=value,
                exception=error,
                retry_in=delay.seconds,
                delay_explained=record.delay_explained,
                error=info,
                result=None if failed else safe_repr(value),
                duration=duration,
                output=output,
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
            record.state = StateType.FAILED
            record.error = info or error_info(final_error)
            self._fail(
                tr,
                final_error,
                decision.reason,
                duration=duration,
                output=output,
                info=record.error,
            )
        return None

    def _retry_due(self, tr: TaskRun, token: int) -> None:
        with self._lock:
            if (
                tr.token == token
                and tr.state is StateType.AWAITING_RETRY
                and self.state is StateType.RUNNING
            ):
                tr.timer = None
                self.runner.executor.submit(self._attempt, tr, token)

    def _complete(
        self,
        tr: TaskRun,
        value: Any,
        *,
        duration: float | None = None,
        output: str = "",
        reused: bool = False,
    ) -> None:
        self._transition(
            tr,
            StateType.COMPLETED,
            message="reused from the source run" if reused else "",
            value=value,
            exception=None,
            result=safe_repr(value),
            duration=duration,
            output=output,
            reused=reused,
        )
        self._unfinished -= 1
        for child in tr.children:
            child.waiting_on -= 1
            if child.waiting_on == 0 and child.state is StateType.PENDING and not self._starting:
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
    ) -> None:
        self._transition(
            tr,
            StateType.FAILED,
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
            if child.state is StateType.PENDING:
                self._mark_upstream_failed(child, failed)
                stack.extend(child.children)

    def _mark_upstream_failed(self, tr: TaskRun, failed: TaskRun) -> None:
        self._end_unrun(
            tr, StateType.UPSTREAM_FAILED, f"upstream task {failed.key!r} did not complete"
        )

    def _end_unrun(self, tr: TaskRun, state: StateType, message: str) -> None:
        """End a task that no attempt will finish: upstream failed, or cancelled (under the lock)."""
        self._transition(tr, state, message=message)
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
        **event: Any,
    ) -> None:
        """The one place a task changes state (under the run's lock).

        Refuses a change ``TRANSITIONS`` does not allow, then updates the record (its
        state and message; its result and exception when given) and emits the
        ``TaskStateChanged``. ``announce``: the task is new to the consumers (a ``@flow``
        call, announced PENDING), so it is checked as coming from no state. ``event``:
        the event's optional fields (``error``, ``duration``, ``output``, …).
        """
        prior = None if announce else tr.state
        allowed = TRANSITIONS.get(prior)
        if allowed is None or state not in allowed:
            raise IllegalTransition(
                f"task {tr.key!r} of run {self.run_id}: {prior} -> {state} is not allowed"
            )
        tr.state = state
        tr.message = message
        if value is not _KEEP:
            tr.result = value
        if exception is not _KEEP:
            tr.exception = exception
        self._emit(
            TaskStateChanged(
                run_id=self.run_id,
                flow=self.flow.name,
                task=tr.key,
                state=state,
                attempt=tr.attempt,
                max_attempts=tr.max_attempts,
                ts=time.time() if ts is None else ts,
                message=message,
                **event,
            )
        )

    def _finish(self) -> None:
        if self.state is not StateType.RUNNING:
            return
        self.state = self._final_state()
        self.finished_at = self._clock()
        counts = dict(Counter(t.state.value for t in self.tasks.values()))
        self._emit(
            RunFinished(
                self.run_id,
                self.flow.name,
                self.number,
                self.state,
                counts,
                self.finished_at - self.started,
                time.time(),
                error=self._run_error(),
            )
        )
        self._notify()
        self._done.set()
        self.runner._run_done(self)

    def _run_error(self) -> ErrorInfo | None:
        """What the run itself raised, apart from its tasks (a ``@flow`` function's error)."""
        return None

    def _final_state(self) -> StateType:
        if self.cancelled:
            return StateType.CANCELLED
        if all(t.state is StateType.COMPLETED for t in self.tasks.values()):
            return StateType.COMPLETED
        return StateType.FAILED

    # -- user actions ---------------------------------------------------------------
    def cancel(self) -> bool:
        """Stop scheduling, drop pending retries, mark unfinished tasks CANCELLED."""
        with self._lock:
            if self.state is not StateType.RUNNING:
                return False
            self.cancelled = True
            for tr in self.tasks.values():
                if tr.state.is_final:
                    continue
                if tr.timer is not None:
                    tr.timer.cancel()
                    tr.timer = None
                tr.token += 1
                self._end_unrun(tr, StateType.CANCELLED, "cancelled by the user")
            self._finish()
            return True

    def _take_waiting(self, key: str) -> TaskRun | None:
        """The task ``key`` if it is awaiting a retry in a live run, its timer dropped (under the lock)."""
        tr = self.tasks.get(key)
        if (
            tr is None
            or tr.state is not StateType.AWAITING_RETRY
            or self.state is not StateType.RUNNING
        ):
            return None
        if tr.timer is not None:
            tr.timer.cancel()
            tr.timer = None
        return tr

    def retry_now(self, key: str) -> bool:
        """Start the next attempt of a task awaiting retry at once (the TUI's ``n``)."""
        with self._lock:
            tr = self._take_waiting(key)
            if tr is None:
                return False
            self._submit(tr)
            return True

    def give_up(self, key: str) -> bool:
        """Fail a task awaiting retry now, with its last error (the TUI's ``x``)."""
        with self._lock:
            tr = self._take_waiting(key)
            if tr is None:
                return False
            tr.token += 1
            error = tr.exception
            if error is None:
                error = RetriesExhausted(
                    f"gave up on {tr.key!r} after {tr.attempt} attempts; last result {safe_repr(tr.result)}"
                )
            if tr.attempts:
                tr.attempts[-1].state = StateType.FAILED
            self._fail(tr, error, "gave up by the user")
            return True

    # -- reading --------------------------------------------------------------------
    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def final_result(self, timeout: float | None = None) -> RunResult:
        """The result to report: its own (a ``@flow`` run's follows its retries: ``DynamicRun``)."""
        return self.result(timeout)

    def result(self, timeout: float | None = None) -> RunResult:
        """Wait for the end and return every task's final state."""
        if not self._done.wait(timeout):
            raise TimeoutError(
                f"run #{self.number} of {self.flow.name!r} still running after {timeout}s"
            )
        return self.snapshot()

    def input_fingerprint(self, key: str) -> str | None:
        """What a rerun matches a completed call by (``@flow`` runs); a static flow's tasks
        are matched by key alone, so None."""
        del key
        return None

    def snapshot(self) -> RunResult:
        wall = time.time()
        with self._lock:
            end = self.finished_at if self.finished_at is not None else self._clock()
            return RunResult(
                self.run_id,
                self.flow,
                self.number,
                self.state,
                {k: t.to_state(wall) for k, t in self.tasks.items()},
                {k: tuple(t.attempts) for k, t in self.tasks.items()},
                end - self.started,
                self.rerun_of,
            )
