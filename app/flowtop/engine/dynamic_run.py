"""A run of a ``@flow`` function: nodes are added as the function body calls tasks.

The function body runs on a thread of its own; each task call in it becomes a node of
the run, keyed ``name``, ``name-2``, … in call order so history and rerun-failed can
match calls across runs. A plain call blocks until the task's final state (retries
included) and returns its result or raises its exception; ``.submit()`` returns a
``TaskFuture``; futures passed as arguments become dependencies. Rerun-failed replays
the function with a cache: a call whose key and input hash match a call that completed
in the source run returns the cached result without executing.

Its other questions have modules of their own, mixed into ``DynamicRun``: what a task
call waits on and does when an upstream fails (``call_upstreams``), a time limit or a
cancel that cuts the run short with its subflows (``flow_cut_short``), and its own
retries (``flow_retries``).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import aloop, capture, flow_hooks, live_output
from .arg_refs import call_inputs
from .call_guard import engine_code
from .call_upstreams import CallUpstreams
from .cancel_record import raised_for_the_cancel
from .context import calling_attempt, parent_run, set_run
from .delays import fmt_seconds
from .errors import FlowRunNameError, Retry, RunCancelled
from .events import ErrorInfo, RunEnd, RunStarted
from .flow_cut_short import FlowCutShort
from .flow_generators import body_value
from .flow_result import (
    cancelled_by_return,
    retries_after,
    returned_state_info,
    traceback_says_more,
)
from .flow_retries import FlowRetries
from .graph import Node
from .named_end import named_note
from .option_checks import same_name
from .parameters import given_json
from .prefect_api import STATE_ERRORS, states_failed
from .prefect_context import hook_state
from .records import RunResult, TaskRun, error_info, hide_own_frames, pristine
from .rerun_cache import RerunCache, call_hash, first_attempt
from .run_names import unnamed_run
from .run_options import NOT_GIVEN, NotGiven
from .states import StateType
from .subflow_reruns import SubflowCalls
from .tags import current_tags, tags_in_effect
from .task_future import TaskFuture, resolve_return
from .task_runs import call_parameters
from .user_call import UserCall, past_the_call
from .user_threads import UserCodeThread
from .value_text import safe_repr

if TYPE_CHECKING:
    import asyncio

    from .dynamic import FlowFunction
    from .prefect_api import State
    from .runner import Runner
    from .states import State as TaskState  # ``State`` here is Prefect's, for user code
    from .task import Task


#: Said under a ``Retry`` that a flow body raised.
RETRY_IN_BODY = "Retry retries the task that raises it; a @flow retries with retries=N"


class DynamicRun(CallUpstreams, FlowCutShort, FlowRetries):
    """A run of a ``FlowFunction``: nodes are added as the function calls tasks."""

    flow: FlowFunction

    def __init__(
        self,
        runner: Runner,
        flow: FlowFunction,
        number: int,
        *,
        args: tuple[Any, ...] = (),
        kwargs: Mapping[str, Any] | None = None,
        cache: Mapping[tuple[str, str], TaskState] | None = None,
        rerun_of: str | None = None,
        default_max_retries: int | None = None,
        flow_attempt: int = 1,
        run_id: str | None = None,
        start_delay: float = 0.0,
        parameters: str | NotGiven | None = NOT_GIVEN,
    ) -> None:
        super().__init__(runner, flow, number, {}, {}, rerun_of, run_id=run_id)
        self._cond = threading.Condition(self._lock)
        self._args = args
        self._kwargs = dict(kwargs or {})
        #: Its parameters' JSON as its subflow call made them, else made as it begins.
        self._parameters_given = parameters
        self._cache = RerunCache(cache)
        #: Its subflow calls, and the source's a rerun's may rerun (``subflow_reruns``).
        self.subflow_calls = SubflowCalls(getattr(cache, "subflows", None))
        self._uses: dict[str, int] = {}
        self._inputs_by_key: dict[str, str | None] = {}
        self._default_max_retries = default_max_retries
        self._unfinished = 1  # the function body itself
        self.flow_attempt = flow_attempt
        #: Its first attempt's run id (its own, unless a flow-level retry): Prefect's id of
        #: the flow run, the same on each retry, as a cache key reads it (``cached_calls``).
        self.first_attempt = first_attempt(self.run_id)
        self._start_delay = start_delay
        #: The run whose flow function called this one (a subflow), else None.
        self.parent_run: str | None = parent_run()
        self.called_in = calling_attempt()  # the parent's task attempt (``flow_in_task``)
        #: Prefect's tags in effect where it was called (``tags``), and each call's.
        self.tags = current_tags()
        self.task_tags: dict[str, frozenset[str]] = {}
        self.value: Any = None
        self._returned: str | None = None  # ``value``'s repr, as a task's result is shown
        self.error: BaseException | None = None
        #: What the function's body printed or logged (``capture``): all of it once it
        #: returned, what it has so far meanwhile (a run cancelled mid-body has that).
        self._captured: capture.Captured | None = None
        #: The function returned states of which one did not complete: the run is FAILED
        #: with this message ("1/2 states failed."), the call still returns the states.
        self.states_failed: str | None = None
        #: Why it ends CANCELLED though nobody cancelled it: its body returned what makes
        #: Prefect's run Cancelled (``flow_result.cancelled_by_return``); its note says so.
        self.cancelled_by_return: str | None = None
        self.next_run: DynamicRun | None = None
        #: Its ``flow_run_name`` ("" for none), or why that could not be made.
        self.run_name = ""
        self._name_error: Exception | None = None
        #: Why it was refused before it began (``fail_before_body``): it is not named.
        self._refused: Exception | None = None
        self._successor = threading.Event()
        self._retrying = False
        self._called_off: str | None = None  # why, once its caller stopped waiting
        #: Its state's message once its time limit (``timeout_seconds``) ended it.
        self.timed_out: str | None = None
        #: Its body's call, which a time limit interrupts in the user's code only.
        self._body_call: UserCall | None = None
        self._body_began = False
        self._body_done = False
        #: The thread running its final hooks (``flow_hooks``): the run ends after them,
        #: with the outcome they were given.
        self._hooks_thread: threading.Thread | None = None
        self._outcome: StateType | None = None
        #: task key -> upstream keys whose failure it allows (``allow_failure``)
        self._tolerant: dict[str, frozenset[str]] = {}
        #: Tasks held pending behind an upstream that could not be named (``call_upstreams``).
        self._held: set[str] = set()

    # -- the function body ----------------------------------------------------------
    def fail_before_body(self, error: Exception) -> None:
        """Refuse this run before it begins (a ``Runner.before_begin`` hook's call): it is
        recorded as begun, then fails with ``error`` before its body runs, unnamed (its
        ``flow_run_name`` is not called), with no retry and no hooks."""
        self._refused = error

    @property
    def _failed_before_body(self) -> Exception | None:
        """Why it fails before its body: refused, or its ``flow_run_name`` failed."""
        return self._refused if self._refused is not None else self._name_error

    def _begin(self) -> None:
        if self._refused is None:
            try:
                self.run_name = self.flow.run_name_for(self)
            except FlowRunNameError as exc:
                self._name_error = exc.with_traceback(None)  # flowtop's frames only
            except Exception as exc:  # noqa: BLE001 - the user's flow_run_name: the run fails with it
                hide_own_frames(exc)
                self._name_error = exc
        if (failed := self._failed_before_body) is not None:  # ``return_state=True`` raises
            unnamed_run(failed, self.run_id)  # it, as Prefect
        given, self._parameters_given = self._parameters_given, NOT_GIVEN  # (let go of it)
        if isinstance(given, NotGiven):
            given = given_json(self.flow.fn, self._args, self._kwargs)
        with self._lock:
            self._emit(
                RunStarted(
                    self.run_id,
                    self.flow.name,
                    self.number,
                    (),
                    (),
                    (),
                    self.rerun_of,
                    time.time(),
                    parent_run=self.parent_run,
                    parameters=given,
                    name=self.run_name,
                    starts_in=self._start_delay if self.flow_attempt > 1 else None,
                    workers=self.workers,
                )
            )
            self._starting = False  # begun: a cancel from now on ends it at once
            if self._ended_at_begin():
                return
        if self._start_delay > 0:  # a flow-level retry: recorded (and live) while it waits
            self.runner.timer.call_later(self._start_delay, self._start_body)
        else:
            self._start_body()

    def _start_body(self) -> None:
        with self._lock:  # a run cancelled while its retry waited never runs its body
            if self.state is StateType.RUNNING:
                self._body_began = True
                if self._start_delay > 0:  # its time is its body's, as a run's that starts
                    self.started, self.started_at = self._clock(), time.time()  # at once
                UserCodeThread(self._body, f"flowtop-flow-{self.flow.name}").start()

    @property
    def body_running(self) -> bool:
        """Whether its body runs now: a thread it started with its context copied calls
        tasks of this run meanwhile (``calls.calling_run``), and after as outside a flow."""
        return self._body_began and not self._body_done

    def _says_why_or_a_tasks(self, exc: BaseException) -> bool:
        if RETRY_IN_BODY in getattr(exc, "__notes__", ()):
            return True
        with self._lock:
            return any(tr.exception is exc for tr in self.tasks.values())

    def _body(self) -> None:
        with contextlib.suppress(flow_hooks.FlowInterrupted):  # landed past the body's end
            self._run_body()

    def _run_body(self) -> None:
        with tags_in_effect(self.tags):
            self._call_body()

    def _call_body(self) -> None:
        set_run(self)
        self._body_call = call = UserCall(0)
        # what the body prints or logs is the run's own output; it still reaches the
        # terminal of `flowtop run` as it comes (a run process's is a log file nobody reads),
        # after the printer's lines of what happened before it
        self._captured = capture.begin(tee=self._bus.catch_up)
        # and reaches the store in pieces as it comes, as a running task's output does
        self._captured.live = (self, live_output.BODY)  # (a killed run keeps them)
        # cut short, what it started is stopped, as a cancelled attempt's (``attempt_children``)
        self._captured.cut_short = self._body_cut_short
        limit = returned = None
        try:
            if (failed := self._failed_before_body) is not None:  # as in Prefect: it fails
                self.error = failed  # before its body
            else:
                flow_hooks.entering(self)
                if self.flow.timeout is not None:  # ends it off the timer: see ``_time_out``
                    limit = self.runner.timer.call_later(self.flow.timeout, self._time_limit)
                returned = call.run(self._body_value, [], {})
                try:
                    self.value = resolve_return(returned)
                except STATE_ERRORS as made:  # a returned ``Failed(message=…)``: no line
                    made.__traceback__ = None  # of the flow raised it, and none of flowtop's
                    self.error = made if self.timed_out is None else self.error
                self.states_failed = states_failed(self.value)
                if self._bus.has_sinks:  # its ``RunFinished``'s result, made off the lock
                    self._returned = safe_repr(self.value)
        except BaseException as exc:  # noqa: BLE001 - the flow's outcome, reported like a task's
            if self.timed_out is None:  # else the run failed already, with its time limit
                exc.__traceback__ = past_the_call(exc.__traceback__)
                hide_own_frames(exc)  # a failed task's call and future, between the user's lines
                # a task's signal: raised in a flow body it retries nothing, so it says so
                # (not a task's own, out of retries, raised through its call)
                if isinstance(exc, Retry) and not self._says_why_or_a_tasks(exc):
                    exc.add_note(RETRY_IN_BODY)
                self.error = exc
        finally:
            live_output.ended(self._captured)
            capture.end()
            set_run(None)
        with self._lock:
            self._body_done = True
            self.cancelled_by_return = cancelled_by_return(self, returned)
            if limit is not None:
                limit.cancel()
            self._unfinished -= 1
            if self._unfinished == 0:
                self._finish()

    def _body_cut_short(self) -> bool:
        return not self._body_done and (self.cancelled or self.timed_out is not None)

    def _body_value(self) -> Any:
        """The body's call and what it gives the run (``body_value``): a generator flow's
        values and an ``async def`` flow's awaits are the user's code too."""
        return body_value(self, self.flow.fn(*self._args, **self._kwargs))

    def submit_call(
        self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], *, wait_for: Any = None
    ) -> TaskFuture:
        """A task reached by the function body: add its node, start it when its inputs
        (and the futures ``wait_for`` names) are done. Called from the body's code: not
        interrupted halfway (``call_guard``), or the run waited for a task never started."""
        with engine_code():
            tolerant: set[str] = set()
            order_only = self._wait_for_keys(task, wait_for, tolerant)
            given = call_inputs(self, args, kwargs, tolerant)  # one walk of each argument
            with self._lock:
                if self.state is not StateType.RUNNING or self._closed():
                    state = self.state.value
                    if self.state is StateType.RUNNING:
                        state = (
                            "timed out"
                            if self.timed_out
                            else "cancelled"
                            if self.cancelled
                            else "ending"
                        )
                    raise RunCancelled(
                        f"flow {self.flow.name!r} run #{self.number} is {state}; task {task.name!r} not started"
                    )
                # As a static flow numbers them (``Flow._new_key``): skip a key already taken,
                # by a task named like it ("load-2") or by an earlier call; "café" spelt
                # another way is the same name, numbered: not a second "café" that looks the same.
                n = self._uses.get(same := same_name(task.name), 0) + 1
                key = task.name if n == 1 else f"{task.name}-{n}"
                while key in self.tasks:
                    n += 1
                    key = f"{task.name}-{n}"
                self._uses[same] = n
                node = Node(key, task, given.args, given.kwargs, nested=given.nested)
                node.upstream = list(dict.fromkeys([*given.upstream, *order_only]))
                self.flow.known_nodes[key] = node
                policy = self.runner.policy_of(self.flow, node, self._default_max_retries)
                tr = TaskRun(node, policy)
                self.tasks[key] = tr
                if tags := current_tags() | task.tags:  # most calls have none: no entry
                    self.task_tags[key] = tags
                self._unfinished += 1
                failed_upstream = self._wait_on_upstreams(tr, tolerant)
                self._transition(tr, StateType.PENDING, announce=True, policy=policy)
                if failed_upstream is not None:
                    self._stopped_at_call(tr, failed_upstream)
                    self._notify()
                elif tr.waiting_on == 0:
                    self._ready(tr)
                return TaskFuture(self, tr)

    def _ready(self, tr: TaskRun) -> None:
        """Inputs are done: serve the call from the cache when it matches, else run it."""
        if self._cache:  # a rerun: the hash decides, so it is needed now (under the lock)
            args, kwargs = self._inputs(tr.node)
            fingerprint = call_hash(tr.node.task, args, kwargs)
            self._inputs_by_key[tr.key] = fingerprint
            reused = self._cache.take(tr.key, fingerprint)  # or the same call's, another key
            if reused is not None:  # as a static flow's reuse: the source's result and attempt
                value = reused.result  # kept as it is (the next retry's); the body gets a copy
                if self.keeps_copies:
                    tr.kept, value = value, pristine(value)
                self._complete(tr, value, reused=True, attempt=reused.attempt)
                return
        super()._ready(tr)

    def attempt_due(self, tr: TaskRun, token: int) -> None:
        """As the runner's; an ``async def`` task's attempt starts on the event loop itself."""
        if not tr.node.task.is_async:
            super().attempt_due(tr, token)
            return
        aloop.post(aloop.get_loop(self.runner), self._attempt, tr, token)

    def _arguments(self, tr: TaskRun) -> tuple[list[Any], dict[str, Any]]:
        args, kwargs = super()._arguments(tr)
        if tr.key not in self._inputs_by_key:
            # Hashing pickles the inputs, which may be large: on the attempt's thread,
            # outside the run lock (the upstream results it reads are final).
            self._inputs_by_key[tr.key] = call_hash(tr.node.task, args, kwargs)
        return args, kwargs

    def _notify(self) -> None:
        self._cond.notify_all()

    def when_final(self, tr: TaskRun, then: Callable[[], None]) -> None:
        """Call ``then`` (quick, and under the run's lock) once ``tr`` is final: now, if it
        is, or its run is over; else as it becomes final (``FlowRun._transition``)."""
        with self._lock:
            if tr.state.is_final or self.state is not StateType.RUNNING:
                then()
            else:
                self._on_final.setdefault(tr.key, []).append(then)

    def add_waiter(
        self, tr: TaskRun, loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[None]
    ) -> None:
        """Resolve ``waiter`` (on ``loop``) once ``tr`` is final."""
        self.when_final(tr, lambda: aloop.wake(loop, waiter))

    def _final_state(self) -> StateType:
        """The function's outcome, as in Prefect: it returned → COMPLETED, it raised →
        FAILED, it returned ``Cancelled(...)`` → CANCELLED. A task that failed and that
        the function handled stays FAILED in the counts without failing the run."""
        if self._outcome is not None:  # what its final hooks were told
            return self._outcome
        if self.cancelled or self.cancelled_by_return is not None:
            return StateType.CANCELLED
        if self.error is not None or self.states_failed is not None:
            return StateType.FAILED
        return StateType.COMPLETED

    def _own_end(self) -> RunEnd:
        if self._captured is not None and not self._body_done:  # its body cut short: its
            live_output.held_piece(self, self._captured)  # pieces so far, before its end
        output = self._captured.getvalue() if self._captured is not None else ""
        retry_in = self.flow.retry_delay if self._retrying else None
        if self._start_delay > 0 and not self._body_began:  # its wait is not its work
            delay = fmt_seconds(self._start_delay)
            why = f"cancelled in its {delay} retry delay, so its body never ran"
            if by := self.cancelled_why.removeprefix("cancelled").lstrip(": "):
                why += f": {by}"  # who: the user, SIGTERM, its parent run, …
            return RunEnd(self._own_error(), output, retry_in, why, took=0.0)
        returned = self._returned if self.state is StateType.COMPLETED else None
        note = self.cancelled_by_return or named_note(self)  # ``Skipped: No work to do``
        return RunEnd(self._own_error(), output, retry_in, note, result=returned)

    def _own_error(self) -> ErrorInfo | None:
        if self.cancelled_by_return is not None:  # its note says what it returned
            return None
        if raised_for_the_cancel(self):  # read as without a cancellation hook
            return None
        if self.error is None and self.states_failed is not None:
            return ErrorInfo("FailedRun", self.states_failed)
        if self.timed_out is not None:  # the state's message says more than the exception's
            return ErrorInfo(type(self.error).__name__, self.timed_out)
        if (returned := returned_state_info(self)) is not None:  # ``Failed(...)``: not raised
            return returned
        if (error := self.error) is None:
            return None
        # why it failed before its body: without a traceback that only says its line again
        traced = traceback_says_more(error) or error is not self._failed_before_body
        return error_info(error, with_traceback=traced)

    # -- what Prefect code reads of it (``run_protocols.ActiveRun``) --------------------
    @property
    def flow_version(self) -> str | None:
        return self.flow.version

    @property
    def hooks_state(self) -> State[Any] | None:
        return None if self._outcome is None else hook_state(self, self._outcome)

    def flow_parameters(self) -> dict[str, Any]:
        return call_parameters(self.flow.fn, self._args, dict(self._kwargs))

    # -- what the final hooks read (``flow_hooks.end_with_hooks``) ---------------------
    @property
    def body_output(self) -> capture.Captured | None:
        return self._captured

    def output_tee(self) -> None:
        self._bus.catch_up()

    def hooks_done(self) -> None:
        with self._lock:
            self._finish()

    def _finish(self) -> None:
        if self.state is not StateType.RUNNING:
            return
        hooks = self._hooks_thread
        if hooks is not None and hooks is not threading.current_thread():
            return  # its final hooks run: it ends after them
        if hooks is None and self._subflows_ending:  # its subflows end first; then its
            return  # hooks run, and its retry starts (``_end_held`` calls this again)
        named = self._failed_before_body is None  # else it failed before its body: no
        will_retry = named and retries_after(self)  # retry, no hook, as in Prefect
        if hooks is None and not will_retry and named:
            outcome = self._final_state()
            kind = flow_hooks.ending_kind(self, outcome)
            if kind is not None and (self.flow.hooks[kind] or flow_hooks.logs_crash(self, kind)):
                self._outcome = outcome
                flow_hooks.end_with_hooks(self, kind)  # (its ``_hooks_thread``)
                return
        self._retrying = will_retry
        super()._finish()
        if will_retry:  # started at once (off this lock), its body after the delay
            self._retry_soon()

    # -- reading --------------------------------------------------------------------
    def input_fingerprint(self, key: str) -> str | None:
        with self._lock:
            return self._inputs_by_key.get(key)

    def snapshot(self, *, kept: bool = False) -> RunResult:
        base = super().snapshot(kept=kept)
        with self._lock:
            inputs = dict(self._inputs_by_key)
        return replace(
            base,
            value=self.value,
            error=self.error,
            inputs=inputs,
            args=self._args,
            kwargs=dict(self._kwargs),
            subflows=self.subflow_calls.calls(),
        )
