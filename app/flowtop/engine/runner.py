"""The runner: a flow's DAG on a thread pool, retries on one timer, events out.

Every state change of a run happens under that run's lock and is emitted there, so
events of a task are totally ordered. Attempts run on pool threads without the lock.
A retry wait is a timer entry, never a sleeping thread. Each attempt carries a token;
a result that comes back after its attempt was timed out, cancelled or given up finds
the token changed and is dropped, which is how a thread that cannot be killed is made
harmless.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback
import uuid
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import capture
from .errors import TaskTimeout
from .events import ErrorInfo, EventBus, RunFinished, RunStarted, Sink, TaskStateChanged
from .flow import Flow, Node, Ref, resolve_refs
from .policy import Decision, RetryPolicy, decide, safe_repr, safe_str
from .pool import MAX_ABANDONED, MAX_WORKERS, WorkerPool
from .states import TRANSITIONS, State, StateType
from .timer import Timer, TimerHandle

#: ``FlowRun._transition``: a record field the caller leaves as it is.
_KEEP: Any = object()


class IllegalTransition(RuntimeError):
    """A state change ``TRANSITIONS`` does not allow: a bug in the engine, refused."""


#: Longest error message carried by an event; the rest is summarised, not dropped silently.
MAX_MESSAGE = 100_000

PolicyProvider = Callable[[Flow, Node], RetryPolicy]


class AttemptBackend(Protocol):
    """Runs one attempt somewhere else (a process, a Dask cluster) and reports its outcome.

    Retries, timers, states and events stay in the runner, so every consumer sees the same
    stream whatever runs the attempts. ``call`` blocks the calling pool thread until the
    attempt ends and returns ``(value, error, captured output)``; it never raises.
    ``timeout`` lets the backend stop an attempt that the runner has already failed;
    ``abandoned()`` turns true once the runner has timed out, cancelled or given up the
    attempt, so the backend can stop it (kill its process, cancel its future).
    """

    def call(
        self,
        fn: Callable[..., Any],
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        timeout: float | None,
        abandoned: Callable[[], bool] | None = None,
    ) -> tuple[Any, BaseException | None, str]: ...

    def close(self) -> None: ...


class AsyncAttemptBackend(AttemptBackend, Protocol):
    """A backend that can also start an attempt without blocking a runner thread.

    ``submit`` returns at once and calls ``on_done(value, error, output)`` from any thread
    when the attempt ends; the runner prefers it over ``call`` when a backend has it.
    """

    def submit(
        self,
        fn: Callable[..., Any],
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        timeout: float | None,
        abandoned: Callable[[], bool],
        on_done: Callable[[Any, BaseException | None, str], None],
    ) -> None: ...


def new_run_id() -> str:
    """A run's id: unique across processes, short enough to type (``flowtop watch ID``)."""
    return uuid.uuid4().hex[:12]


def error_info(exc: BaseException, *, with_traceback: bool = True) -> ErrorInfo:
    message = safe_str(exc)  # a user's __str__ may raise
    if len(message) > MAX_MESSAGE:
        message = f"{message[:MAX_MESSAGE]}… ({len(message) - MAX_MESSAGE} more characters)"
    tb = ""
    if with_traceback:
        try:
            tb = "".join(traceback.format_exception(exc))
        except BaseException:  # noqa: BLE001 - a user's __str__ may raise anything
            tb = ""
        if len(tb) > 2 * MAX_MESSAGE:
            tb = tb[:MAX_MESSAGE] + "\n…\n" + tb[-MAX_MESSAGE:]
    return ErrorInfo(type(exc).__name__, message, tb)


@dataclass(slots=True)
class Attempt:
    """One attempt of one task, as the run remembers it."""

    number: int
    started: float  # wall clock
    duration: float | None = None
    state: StateType = StateType.RUNNING
    error: ErrorInfo | None = None
    output: str = ""
    retry_in: float | None = None
    delay_explained: str = ""


class TaskRun:
    """Mutable per-run record of one node. Only touched under the run's lock."""

    __slots__ = (
        "node",
        "key",
        "policy",
        "state",
        "attempt",
        "token",
        "result",
        "exception",
        "message",
        "waiting_on",
        "children",
        "first_start",
        "timer",
        "attempts",
        "reused",
        "max_attempts",
        "thread",
    )

    def __init__(self, node: Node, policy: RetryPolicy) -> None:
        self.node = node
        self.key = node.key
        self.policy = policy
        self.max_attempts = policy.max_attempts
        self.state = StateType.PENDING
        self.attempt = 0
        self.token = 0
        self.result: Any = None
        self.exception: BaseException | None = None
        self.message = ""
        self.waiting_on = len(node.upstream)
        self.children: list[TaskRun] = []
        self.first_start: float | None = None
        self.timer: TimerHandle | None = None
        self.attempts: list[Attempt] = []
        self.reused = False
        #: The pool thread running the current attempt (default backend), to give up on it.
        self.thread: threading.Thread | None = None

    def to_state(self, timestamp: float) -> State:
        result = (
            self.exception
            if self.state is StateType.FAILED and self.exception is not None
            else self.result
        )
        return State(
            self.state, result, self.exception, self.attempt, self.message, self.key, timestamp
        )


@dataclass(frozen=True)
class RunResult:
    """What a finished (or cancelled) run leaves: every task's final ``State``."""

    run_id: str
    flow: Flow
    number: int
    state: StateType
    states: Mapping[str, State]
    attempts: Mapping[str, tuple[Attempt, ...]]
    duration: float
    rerun_of: str | None = None
    #: @flow functions only: what the function returned or raised, and each call's input hash
    value: Any = None
    error: BaseException | None = None
    inputs: Mapping[str, str | None] = field(default_factory=dict)

    def __getitem__(self, key: str) -> State:
        return self.states[key]

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(s.type.value for s in self.states.values()))

    def is_completed(self) -> bool:
        return self.state is StateType.COMPLETED

    def is_failed(self) -> bool:
        return self.state is StateType.FAILED

    @property
    def result(self) -> dict[str, State]:
        """Prefect-1 style access: ``flow.run().result[key]``."""
        return dict(self.states)


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
        self._emit_step = runner.bus.emit_step  # TaskStateChanged only: the hot path
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
        summaries: dict[int, str] = {}  # tasks of one @task share a policy: summarise it once
        for t in tasks:
            if id(t.policy) not in summaries:
                summaries[id(t.policy)] = t.policy.summary()
        with self._lock:
            self._emit(
                RunStarted(
                    self.run_id,
                    self.flow.name,
                    self.number,
                    tuple(t.key for t in tasks),
                    tuple(t.max_attempts for t in tasks),
                    tuple(summaries[id(t.policy)] for t in tasks),
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
        clock = self._clock
        with self._lock:
            if tr.token != token or self.state is not StateType.RUNNING:
                return
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
        node = tr.node
        started = clock()
        if node.task.is_async:  # awaited on the event loop: no thread is held meanwhile
            from .aloop import start_attempt

            start_attempt(
                node.task.fn,
                args,
                kwargs,
                lambda value, error, output: self._conclude(
                    tr, token, value, error, output, clock() - started
                ),
                user=self.runner,
            )
            return
        if backend is None:  # the default: run the attempt right here, on this pool thread
            capture.begin()
            try:
                value = node.task.fn(*args, **kwargs)
                error: BaseException | None = None
            except BaseException as exc:  # noqa: BLE001 - every outcome is reported, none escapes
                value, error = None, exc
                if exc.__traceback__ is not None and exc.__traceback__.tb_next is not None:
                    exc.__traceback__ = exc.__traceback__.tb_next  # the user's frames, not ours
            output = capture.end()
        elif hasattr(backend, "submit"):  # a cluster: don't hold this thread while it runs
            try:
                backend.submit(
                    node.task.fn,
                    args,
                    kwargs,
                    timeout=tr.policy.timeout,
                    abandoned=lambda: tr.token != token,
                    on_done=lambda value, error, output: self._conclude(
                        tr, token, value, error, output, clock() - started
                    ),
                )
            except BaseException as exc:  # noqa: BLE001 - e.g. a user's __reduce__ calling sys.exit
                self._conclude(tr, token, None, exc, "", clock() - started)
            return
        else:  # another process runs the attempt; retries stay here
            try:
                value, error, output = backend.call(
                    node.task.fn,
                    args,
                    kwargs,
                    timeout=tr.policy.timeout,
                    abandoned=lambda: tr.token != token,
                )
            except BaseException as exc:  # noqa: BLE001 - an attempt's end is always reported
                value, error, output = None, exc, ""
        self._conclude(tr, token, value, error, output, clock() - started)

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
    ) -> None:
        """An attempt came back: decide, then apply unless it was abandoned meanwhile.

        ``decision`` is given when the outcome is already final (no retry to weigh).
        """
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
        with self._lock:
            if tr.token != token or tr.state is not StateType.RUNNING:
                return  # timed out, cancelled or given up meanwhile: the late result is discarded
            if tr.timer is not None:
                tr.timer.cancel()
                tr.timer = None
            self._attempt_ended(tr, value, error, duration, output, decision)

    def _inputs(self, node: Node) -> tuple[list[Any], dict[str, Any]]:
        """The node's arguments with upstream results in place of their refs."""
        tasks = self.tasks
        if node.nested:
            return resolve_refs(list(node.args), tasks), resolve_refs(node.kwargs, tasks)
        args = [tasks[a.key].result if isinstance(a, Ref) else a for a in node.args]
        kwargs = {
            k: tasks[v.key].result if isinstance(v, Ref) else v for k, v in node.kwargs.items()
        }
        return args, kwargs

    def _decide(self, tr: TaskRun, value: Any, error: BaseException | None) -> Decision:
        failed = error is not None
        outcome = State(
            StateType.FAILED if failed else StateType.COMPLETED,
            error if failed else value,
            error,
            tr.attempt,
            "",
            tr.key,
            time.time(),
        )
        now = self._clock()
        return decide(
            tr.policy, outcome, elapsed=now - (tr.first_start or now), rng=self.runner.rng
        )

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
            final = (
                Decision(
                    False, StateType.FAILED, error=error, reason="timed out; no worker to retry on"
                )
                if no_retry
                else None
            )
            conclusion = tr.token
        # As for any attempt, the decision (which may call the user's predicate) is made
        # outside the lock; a cancel meanwhile changes the token and wins.
        self._conclude(tr, conclusion, None, error, "", timeout, decision=final)

    def _attempt_ended(
        self,
        tr: TaskRun,
        value: Any,
        error: BaseException | None,
        duration: float,
        output: str,
        decision: Decision | None,
    ) -> None:
        """Apply the retry decision to a finished attempt (under the lock).

        ``decision`` is None for the common case, a plain success, which is final (rule 4).
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
            info = error_info(error) if error is not None else None
            record.state, record.error = StateType.AWAITING_RETRY, info
            record.retry_in, record.delay_explained = delay.seconds, delay.explain()
            self._transition(
                tr,
                StateType.AWAITING_RETRY,
                message=decision.reason,
                value=value,
                exception=error,
                retry_in=delay.seconds,
                delay_explained=delay.explain(),
                error=info,
                result=None if failed else safe_repr(value),
                duration=duration,
                output=output,
            )
            tr.token += 1
            token = tr.token
            tr.timer = self.runner.timer.call_at(
                self._clock() + delay.seconds, lambda: self._retry_due(tr, token)
            )
        else:
            final_error = decision.error if decision.error is not None else error
            assert final_error is not None
            record.state = StateType.FAILED
            record.error = error_info(final_error)
            self._fail(
                tr,
                final_error,
                decision.reason,
                duration=duration,
                output=output,
                info=record.error,
            )

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
        self._emit_step(
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
                from .errors import RetriesExhausted

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
        """The result to report for this run: its own (a ``@flow`` run's comes after its
        flow-level retries, see ``DynamicRun``)."""
        return self.result(timeout)

    def result(self, timeout: float | None = None) -> RunResult:
        """Wait for the end and return every task's final state."""
        if not self._done.wait(timeout):
            raise TimeoutError(
                f"run #{self.number} of {self.flow.name!r} still running after {timeout}s"
            )
        return self.snapshot()

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


class Runner:
    """Owns the worker pool, the timer and the event bus shared by all runs.

    ``policy_for(flow, node)`` supplies each task's effective policy (the workspace's
    settings layers); without it the ``@task`` policy is used. ``next_number(flow, run_id)``
    numbers runs (the run store allocates numbers, and records the run at once).
    """

    def __init__(
        self,
        workers: int = 8,
        *,
        sinks: Iterable[Sink] = (),
        policy_for: PolicyProvider | None = None,
        next_number: Callable[[str, str], int] | None = None,
        executor: Executor | None = None,
        backend: AttemptBackend | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] | None = None,
    ) -> None:
        if (
            isinstance(workers, bool)
            or not isinstance(workers, int)
            or not 1 <= workers <= MAX_WORKERS
        ):
            raise ValueError(f"workers must be an integer from 1 to {MAX_WORKERS}, got {workers!r}")
        import random

        self.workers = workers
        self.bus = EventBus(sinks)
        self.executor: Executor | WorkerPool = executor or WorkerPool(workers)
        self._own_executor = executor is None
        self.clock = clock
        self.timer = Timer(clock)
        self.rng = rng or random.random
        self.policy_for = policy_for
        self.backend = backend
        self._next_number = next_number
        self._numbers: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()
        self._active: set[FlowRun] = set()
        #: Every run this runner started, while something still holds it (see ``find``).
        self._by_id: weakref.WeakValueDictionary[str, FlowRun] = weakref.WeakValueDictionary()
        self.closed = False

    def add_sink(self, sink: Sink) -> None:
        self.bus.add_sink(sink)

    def _number(self, flow: Flow, run_id: str) -> int:
        if self._next_number is not None:
            return self._next_number(flow.name, run_id)
        with self._lock:
            counter = self._numbers.setdefault(flow.name, itertools.count(1))
            return next(counter)

    def policy_of(
        self, flow: Flow, node: Node, default_max_retries: int | None = None
    ) -> RetryPolicy:
        """The effective policy of one node: the settings layers, then a run's own default."""
        policy = self.policy_for(flow, node) if self.policy_for else node.task.policy
        if default_max_retries is not None:
            policy = policy.with_values("defaults", default_max_retries=default_max_retries)
        return policy

    def policies(
        self, flow: Flow, default_max_retries: int | None = None
    ) -> dict[str, RetryPolicy]:
        return {
            key: self.policy_of(flow, node, default_max_retries) for key, node in flow.nodes.items()
        }

    def start(
        self,
        flow: Flow,
        *,
        reuse: Mapping[str, State] | None = None,
        rerun_of: str | None = None,
        default_max_retries: int | None = None,
        cache: Mapping[tuple[str, str], Any] | None = None,
        args: tuple[Any, ...] = (),
        kwargs: Mapping[str, Any] | None = None,
        flow_attempt: int = 1,
        run_id: str | None = None,
    ) -> FlowRun:
        """Start a run and return at once; events tell the rest.

        ``reuse`` carries completed states over by task key (static flows); ``cache``,
        ``args``, ``kwargs`` and ``flow_attempt`` are for ``@flow`` functions. ``run_id``
        names the run (a launcher that must print the id before the run starts picks it).
        """
        if self.closed:
            raise RuntimeError("runner is shut down")
        run_id = run_id or new_run_id()
        number = self._number(flow, run_id)
        run: FlowRun
        from .dynamic import DynamicRun, FlowFunction  # here: dynamic imports this module

        if isinstance(flow, FlowFunction):
            run = DynamicRun(
                self,
                flow,
                number,
                args=args,
                kwargs=kwargs,
                cache=cache,
                rerun_of=rerun_of,
                default_max_retries=default_max_retries,
                flow_attempt=flow_attempt,
                run_id=run_id,
            )
        else:
            run = FlowRun(
                self,
                flow,
                number,
                self.policies(flow, default_max_retries),
                reuse or {},
                rerun_of,
                run_id=run_id,
            )
        with self._lock:
            self._active.add(run)
            self._by_id[run.run_id] = run
        run._begin()
        return run

    def find(self, run_id: str) -> FlowRun | None:
        """The handle of a run this runner started (alive while running, or while held)."""
        with self._lock:
            return self._by_id.get(run_id)

    def run(self, flow: Flow, **kwargs: Any) -> RunResult:
        """Start a run and wait for its end (after a ``@flow``'s own retries, if any)."""
        return self.start(flow, **kwargs).final_result()

    def rerun_failed(self, source: RunResult | FlowRun, flow: Flow | None = None) -> FlowRun:
        """A new linked run: tasks that completed in ``source`` are carried over, the rest run."""
        result = source.snapshot() if isinstance(source, FlowRun) else source
        target = flow or result.flow
        if getattr(target, "is_dynamic", False):
            from .dynamic import cache_of

            return self.start(target, cache=cache_of(result), rerun_of=result.run_id)
        reuse = {k: s for k, s in result.states.items() if s.is_completed()}
        return self.start(target, reuse=reuse, rerun_of=result.run_id)

    def rerun_task(
        self, source: RunResult | FlowRun, key: str, flow: Flow | None = None
    ) -> FlowRun:
        """A new linked run of ``key`` and everything downstream of it; the rest is reused."""
        result = source.snapshot() if isinstance(source, FlowRun) else source
        target = flow or result.flow
        if getattr(target, "is_dynamic", False):
            from .dynamic import cache_of

            if key not in result.states:
                raise KeyError(f"run #{result.number} of {target.name!r} has no task {key!r}")
            # The graph of a @flow is only known by running it: rerun the task's own call and
            # let everything fed by it miss the cache, since its inputs change with it.
            return self.start(target, cache=cache_of(result, exclude=[key]), rerun_of=result.run_id)
        if key not in target.nodes:
            raise KeyError(f"flow {target.name!r} has no task {key!r}")
        forced = target.downstream_of([key])
        reuse = {k: s for k, s in result.states.items() if s.is_completed() and k not in forced}
        return self.start(target, reuse=reuse, rerun_of=result.run_id)

    def _run_done(self, run: FlowRun) -> None:
        with self._lock:
            self._active.discard(run)

    @property
    def active_runs(self) -> list[FlowRun]:
        with self._lock:
            return list(self._active)

    def shutdown(self, *, cancel: bool = True, wait: bool = True) -> None:
        """Cancel what still runs, deliver every event, stop the threads."""
        if self.closed:
            return
        if cancel:
            for run in self.active_runs:
                run.cancel()
        self.closed = True
        self.timer.stop()
        if self._own_executor:
            self.executor.shutdown(wait=wait, cancel_futures=True)
        if self.backend is not None:
            self.backend.close()
        from .aloop import release

        release(self)  # the async tasks' loop stops with its last runner
        self.bus.close()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
