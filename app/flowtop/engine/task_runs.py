"""Prefect 3's view of a task run from inside it: the current attempt (which
``TaskRunContext`` reads, see ``prefect_context``), the ``task_run`` object, state hooks
(``on_running``, ``on_completion``, ``on_failure``), ``task_run_name`` and the engine's
failure log lines.

Semantics follow Prefect 3's ``task_engine.py`` (``call_hooks``, ``handle_retry``,
``setup_run_context``) and ``_internal/engine.resolve_custom_task_run_name``:

- ``TaskRunContext.get()`` inside an attempt: ``task_run.run_count`` is the attempt number,
  ``task_run.state_name`` ``Running`` on the first attempt and ``Retrying`` after, the id
  and name stay the same across attempts; ``start_time`` is the attempt's start.
- ``on_running`` hooks run as each attempt enters Running (first attempt and every retry);
  ``on_completion`` / ``on_failure`` once, when the task reaches its final state and before
  its caller sees it; never on an attempt that will be retried, nor for a task that
  returned ``Cancelled(...)`` (Prefect's state is then Cancelled, which no task hook
  is for; the engine's record is CANCELLED, not retried), nor for a drop-in task that
  called ``sys.exit()`` (Prefect's Crashed: ``errors.crashes``). A hook that raises is
  logged and changes nothing. ``(task, task_run, state)`` as in Prefect. What they print
  (and log) is the attempt's output (``hook_output``): the ``on_running`` hooks' at its
  start, the final hooks' at the end of the last attempt's.
- ``task_run_name`` (a ``str.format`` template over the call's parameters, or a callable,
  given ``parameters=`` when it takes that argument) is resolved once per task run; one
  that cannot be fails it unretried, no hook called (``run_names``).
- a failed attempt logs on the ``flowtop.task_engine`` logger (``task_log``); one that
  returned ``Cancelled(...)`` did not fail, and logs nothing.

The current attempt (``current_attempt``): the runner's is the thread-local that
``capture.begin(attempt)`` sets for a thread attempt and for each step of an async one
(no cost beyond that), an inline call's and a hook's is the ``ContextVar`` :data:`ATTEMPT`.
"""

from __future__ import annotations

import logging
import uuid
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import capture, hook_output, tag_limits
from .context import current_run
from .errors import Interrupt, crashes
from .hooks import acall_hooks, call_hooks, traceback_kept
from .prefect_api import (
    State,
    StateDetails,
    TaskRun,
    failed_name,
    failure_message,
    returned_cancelled,
)
from .prefect_datetime import DateTime, prefect_time
from .prefect_ids import default_task_run_name
from .prefect_run_views import asking_about, prefect_dynamic_key, running_state_name
from .run_names import call_parameters as call_parameters  # re-exported, as before
from .run_names import check_run_name as check_run_name
from .run_names import is_unnamed, resolve_run_name, unnamed, unnamed_decision
from .states import CANCELLED, COMPLETED, FAILED, RUNNING
from .tags import current_tags
from .task_log import ENGINE_LOG as ENGINE_LOG  # re-exported, as before
from .task_log import log_failure as log_failure

if TYPE_CHECKING:
    from .attempt import Attempt
    from .policy import Decision, RetryPolicy
    from .records import TaskRun as TaskRecord
    from .run import FlowRun
    from .task import Task

#: The attempt running in this context: ``(run, task record, args, kwargs)`` under the
#: runner, an :class:`InlineCall` for a task called outside any run.
ATTEMPT: ContextVar[Any] = ContextVar("flowtop_task_attempt", default=None)

#: A hook that raised is logged here, as Prefect logs it to the task run's logger: in the
#: attempt's captured output, as all a hook prints (``hook_output``).
HOOK_LOG = logging.getLogger("flowtop.task_runs")

HOOK_KINDS = ("on_completion", "on_failure", "on_running")


def _when(ts: float | None) -> DateTime | None:
    """A task run's time as Prefect code reads it: a UTC ``DateTime`` (pendulum's
    methods), as a flow run's and a state's are."""
    return None if ts is None else prefect_time(ts)


# -- the task_run object -------------------------------------------------------------------
class InlineCall:
    """A task called outside any run (or a generator task): its task run, attempt by attempt."""

    __slots__ = ("task", "args", "kwargs", "_id", "name", "attempt", "started", "first_started")

    def __init__(self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.task = task
        self.args = args
        self.kwargs = kwargs
        self._id: str | None = None
        self.attempt = 0
        self.started = 0.0
        self.first_started: float | None = None
        extras = task.extras
        self.name = (
            resolve_run_name(task, args, kwargs)
            if extras is not None and extras.run_name is not None
            else task.name
        )

    @property
    def id(self) -> str:
        """A uuid, made when first asked for (most inline calls never are)."""
        if self._id is None:
            self._id = uuid.uuid4().hex
        return self._id

    def next_attempt(self, now: float) -> None:
        self.attempt += 1
        self.started = now
        if self.first_started is None:
            self.first_started = now


#: task_run_name values of the runner's task runs, by run then task key.
_run_names: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()
#: What the ``on_running`` hooks of an attempt run in another process (``--executor``)
#: printed, by run then task key, with the attempt's number: its output, back with its
#: outcome, starts with it (``concluding``).
_printed_before: weakref.WeakKeyDictionary[Any, dict[str, tuple[int, str]]] = (
    weakref.WeakKeyDictionary()
)
#: What a task's ``retry_condition_fn`` or ``retry_predicate`` printed and logged on the
#: attempt that just ended (``weighed``), by run then task key: its output ends with it.
#: By attempt (its task key and token): a late attempt's conclusion, given up on and
#: replaced, must not take what the live attempt's condition said.
_said_deciding: weakref.WeakKeyDictionary[Any, dict[tuple[str, int], str]] = (
    weakref.WeakKeyDictionary()
)


def _task_key(task: Any, fallback: str) -> str:
    """Prefect's ``task_run.task_key``: the task's (``add-<digits>``), shared by all its
    calls (``add``, ``add-2`` are two calls' keys in the engine); a stand-in for a task a
    child process did not import (``runtime.carried``) gives the one it carried."""
    return getattr(task, "task_key", None) or fallback


def run_under_inline_call() -> Any:
    """The run whose runner attempt holds this thread (or the context this thread's was
    copied from) beneath an inline call: a task called by a task of a flow run is in that
    flow run, as Prefect's nested task run is (its ``flow_run_id``, ``FlowRunContext``).
    An attempt is ``(run, task record, args, kwargs)``; None for a script's own call."""
    attempt: Any = capture._local.attempt
    if attempt is None and (copied := capture.copied()) is not None:
        attempt = copied.attempt
    return attempt[0] if isinstance(attempt, tuple) else None


def _run_id_under_inline_call() -> str | None:
    run = run_under_inline_call()
    return None if run is None else str(run.run_id)


def task_run_of(current: Any, state: State[Any] | None = None) -> TaskRun:
    """The ``task_run`` of an :data:`ATTEMPT` value, in ``state`` (else its attempt's state)."""
    first: float | None
    if isinstance(current, InlineCall):
        task, run_id = current.task, _run_id_under_inline_call()
        task_key, tr_id, attempt = _task_key(task, task.name), current.id, current.attempt
        name, extras = current.name, getattr(task, "extras", None)  # (a stand-in has none)
        if run_id is not None and getattr(extras, "run_name", None) is None:
            name = default_task_run_name(task, name, tr_id)  # nested in a flow run: ``inner-4a5``
        first = current.first_started
        tags = current_tags() | current.task.tags
    else:
        run, tr = current[0], current[1]
        task, run_id, attempt = tr.node.task, run.run_id, tr.attempt
        task_key = _task_key(task, tr.key)
        tr_id = f"{run.run_id}:{tr.key}"
        named = _run_names.get(run, {}).get(tr.key)
        # no task_run_name: Prefect's shape for Prefect code (``fetch-3f9``), else the key
        name = named if named is not None else default_task_run_name(task, tr.key, tr_id)
        first = tr.attempts[0].started if tr.attempts else None
        tags = tag_limits.tags_of(run, tr)
    if state is None:  # the attempt's own, as Prefect's task_run.state (Retrying on a retry)
        state = State(RUNNING, name=running_state_name(attempt))
    view = TaskRun(
        id=tr_id,
        name=name,
        task_key=task_key,
        run_count=attempt,
        flow_run_id=run_id,
        start_time=_when(first),
        expected_start_time=_when(first),
        dynamic_key=prefect_dynamic_key(task, task_key, tr_id, in_flow_run=run_id is not None),
        tags=sorted(tags),
        state=state,
    )
    view.state_name, view.state_type = state.name, state.type
    return view


def attempt_started(current: Any) -> datetime | None:
    """When the current attempt started (wall clock)."""
    if isinstance(current, InlineCall):
        return _when(current.started)
    attempts = current[1].attempts
    return _when(attempts[-1].started) if attempts else None


def parameters_of(current: Any) -> dict[str, Any]:
    """The call's parameters; a final hook's scope has no arguments at hand: the run
    resolves them again (its upstream results are final by then)."""
    if isinstance(current, InlineCall):
        task, args, kwargs = current.task, current.args, current.kwargs
    else:
        run, tr, args, kwargs = current
        task = tr.node.task
        if args is None:
            args, kwargs = run._inputs(tr.node)
    return call_parameters(task.fn, tuple(args), kwargs)


# -- a task's Prefect run options --------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TaskExtras:
    """A task's state hooks and ``task_run_name``; a task without any has None, so the
    runner's check costs one attribute read."""

    on_completion: tuple[Callable[..., Any], ...] = ()
    on_failure: tuple[Callable[..., Any], ...] = ()
    on_running: tuple[Callable[..., Any], ...] = ()
    run_name: str | Callable[..., Any] | None = None

    @property
    def final(self) -> bool:
        return bool(self.on_completion or self.on_failure)


def make_extras(hooks: dict[str, list[Callable[..., Any]]], run_name: Any) -> TaskExtras | None:
    if run_name is None and not any(hooks.values()):
        return None
    return TaskExtras(
        on_completion=tuple(hooks.get("on_completion", ())),
        on_failure=tuple(hooks.get("on_failure", ())),
        on_running=tuple(hooks.get("on_running", ())),
        run_name=run_name,
    )


@contextmanager
def attempt_scope(current: Any) -> Iterator[None]:
    token = ATTEMPT.set(current)
    try:
        yield
    finally:
        ATTEMPT.reset(token)


def running_state(current: Any, attempt: int) -> State[Any]:
    return State(RUNNING, name=running_state_name(attempt), state_details=_details(current))


def _details(current: Any) -> StateDetails:
    if isinstance(current, InlineCall):
        return StateDetails(
            task_run_id=current.id,
            flow_run_id=_run_id_under_inline_call(),
            task_key=current.task.name,
            run_count=current.attempt,
        )
    run, tr = current[0], current[1]
    return StateDetails(
        task_run_id=f"{run.run_id}:{tr.key}",
        flow_run_id=run.run_id,
        task_key=tr.key,
        run_count=tr.attempt,
    )


def final_state(current: Any, value: Any, error: BaseException | None) -> State[Any]:
    """The Prefect state a task ends in: Completed with its value, Failed with its error."""
    details = _details(current)
    if error is None:
        return State(COMPLETED, data=value, state_details=details)
    return State(
        FAILED,
        data=error,
        message=failure_message(error, "Task"),
        name=failed_name(error),
        state_details=details,
    )


def begin_attempt(run: FlowRun, tr: TaskRecord, args: Any, kwargs: dict[str, Any]) -> str:
    """The runner starts an attempt of a task with extras: its run name on the first
    attempt, then its ``on_running`` hooks (on this thread, in the attempt's context).
    Returns what the hooks printed."""
    task = tr.node.task
    extras = task.extras
    assert extras is not None
    current = (run, tr, args, kwargs)
    if extras.run_name is not None and tr.attempt == 1:
        names = _run_names.get(run)
        if names is None:
            names = _run_names.setdefault(run, {})
        with attempt_scope(current):  # a callable may read the run's context, as in Prefect
            try:
                names[tr.key] = resolve_run_name(task, args, kwargs)
            except Exception as exc:
                unnamed(exc)  # fails the task run, unretried (``run_names``)
                raise
    if not extras.on_running:
        return ""
    with attempt_scope(current):
        state = running_state(current, tr.attempt)
        view = task_run_of(current, state)
        return hook_output.aside(
            lambda: call_hooks(extras.on_running, HOOK_LOG, task, view, state),
            current,
            echo=run.runner.echo_output,
        )


def weighed(
    run: FlowRun,
    tr: TaskRecord,
    token: int,
    error: BaseException | None,
    weigh: Callable[[], Decision],
) -> Decision:
    """``weigh()``: ``policy.decide`` on attempt ``token`` of ``tr``, which just ended (with
    ``error``), after the attempt's own capture and context ended. When that calls the
    user's ``retry_condition_fn`` or ``retry_predicate``, it runs as Prefect runs a
    condition: in the attempt's task run context (``TaskRunContext.get()``,
    ``prefect.runtime.task_run``, ``get_run_logger()``, the ``task_run`` it is given),
    what it prints and logs ending the attempt's output (``concluding``), and the error's
    traceback left as raised (a ``state.result()`` in it raises the error again)."""
    final = unnamed_decision(error)  # its task_run_name failed: never retried
    if final is not None:
        return final
    if not _asks_user_code(tr.policy):
        return weigh()
    current = (run, tr, None, None)  # parameters: see parameters_of
    decided: list[Decision] = []
    with deciding_about(current, error):
        said = hook_output.aside(
            lambda: decided.append(weigh()), current, echo=run.runner.echo_output
        )
    if said:
        _said_deciding.setdefault(run, {})[tr.key, token] = said
    return decided[0]


@contextmanager
def deciding_about(current: Any, error: BaseException | None) -> Iterator[None]:
    """The scope the retry decision on the attempt ``current`` (an :data:`ATTEMPT` value)
    that ended with ``error`` runs in, as Prefect runs a ``retry_condition_fn``: its task
    run context, the ``task_run`` the condition is given, and the error's traceback left
    as raised (a ``state.result()`` in the condition raises the error again)."""
    with attempt_scope(current), asking_about(task_run_of(current)), traceback_kept(error):
        yield


def _asks_user_code(policy: RetryPolicy) -> bool:
    """Whether deciding on an attempt under ``policy`` calls the user's code about it."""
    return policy.retry_condition_fn is not None or policy.retry_predicate is not None


class _Raise:
    """An attempt's function that raises ``error`` (a ``task_run_name`` that failed)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error


def _araise(error: BaseException) -> Callable[..., Any]:
    async def attempt(*args: Any, **kwargs: Any) -> Any:
        raise error

    return attempt


def entered(attempt: Attempt) -> Callable[..., Any]:
    """The runner starts an attempt of a task with extras (``attempt``: ``(run, task
    record, args, kwargs)``): its run name (first attempt), its ``on_running`` hooks. The
    function to call: the task's, or one raising why the run name could not be resolved
    (the task run fails with it, unretried and unhooked: ``run_names``)."""
    run, tr, args, kwargs = attempt
    task = tr.node.task
    try:
        said = begin_attempt(run, tr, args, kwargs)
    except Exception as exc:  # noqa: BLE001 - the attempt's error, like any other
        return _araise(exc) if task.is_async else _Raise(exc)
    if said:  # the start of the attempt's output
        if task.is_async or run.runner.backend is None:  # begun on this thread next
            hook_output.prelude(said, (run, tr))
        else:  # in another process: its output comes back with its outcome
            said_by = _printed_before.get(run)
            if said_by is None:
                said_by = _printed_before.setdefault(run, {})
            said_by[tr.key] = (tr.attempt, said)
    return task.fn


def current_attempt() -> Any:
    """The attempt running here: an inline call or hook scope (:data:`ATTEMPT`), else the
    runner's attempt on this thread or in this async step (``capture.begin(attempt)``),
    or the one this thread's context was copied from while it runs (``capture.copied``)."""
    current = ATTEMPT.get()
    if current is None:
        current = capture._local.attempt
        if current is None and (copied := capture.copied()) is not None:
            current = copied.attempt
        if current is None and (run := current_run()) is not None:
            current = run.called_in  # a subflow's body is in the task run that called it
    return current


def concluding(
    run: FlowRun,
    tr: TaskRecord,
    token: int,
    value: Any,
    error: BaseException | None,
    decision: Decision | None,
    output: str = "",
) -> tuple[int, str]:
    """An attempt came back with ``decision`` (None: a plain success) and ``output``. A
    failure is logged (``log_failure``). When the task reaches its final state and has
    completion or failure hooks: claim the attempt's conclusion (a timeout or a late
    result can no longer conclude it), run the hooks outside the run's lock, before its
    state shows, and return the token to conclude with (-1: the attempt was dropped
    meanwhile, so no token matches). Otherwise ``token`` as it is. With it, the attempt's
    output, with what its task's hooks printed (``hook_output``): an attempt run in
    another process after its ``on_running`` hooks', then its retry condition's
    (``weighed``), the final hooks' last."""
    said_deciding = ""
    if _asks_user_code(tr.policy) and (deciding := _said_deciding.get(run)):
        said_deciding = deciding.pop((tr.key, token), "")
    if tr.token != token:  # a late result of an abandoned attempt: the run drops it
        return token, output
    if isinstance(error, Interrupt):  # what stopped it (its flow's timeout) ends it too,
        return token, output  # under the run's lock: no failure of its own to log
    output += said_deciding
    if decision is not None and decision.final not in (COMPLETED, CANCELLED):
        if not decision.retry:
            shown = error if decision.error is None else decision.error
            log_failure(tr.policy, tr.attempt, shown, decision)
        elif ENGINE_LOG.isEnabledFor(logging.INFO):  # retries: no call unless enabled
            log_failure(tr.policy, tr.attempt, error, decision)
    extras = tr.node.task.extras
    if extras is None:
        return token, output
    if extras.on_running and (said_by := _printed_before.get(run)):
        said = said_by.pop(tr.key, None)
        if said is not None and said[0] == tr.attempt:
            output = said[1] + output
    if not extras.final or (decision is not None and decision.retry) or returned_cancelled(error):
        return token, output
    if is_unnamed(error) or crashes(tr.node.task, error):  # unnamed, crashed: no hook runs
        return token, output
    with run._lock:
        if tr.token != token or tr.state is not RUNNING:
            return -1, output
        tr.drop_timer()
        tr.token += 1
        token = tr.token
    failed = decision is not None and decision.final is not COMPLETED
    if failed:
        assert decision is not None
        error = decision.error if decision.error is not None else error
    current: tuple[Any, ...] = (run, tr, None, None)  # parameters: see parameters_of
    state = final_state(current, value, error if failed else None)
    hooks = extras.on_failure if failed else extras.on_completion
    if hooks:
        with attempt_scope(current):
            view = task_run_of(current, state)
            output += hook_output.aside(
                lambda: call_hooks(hooks, HOOK_LOG, tr.node.task, view, state),
                current,
                echo=run.runner.echo_output,
            )
    return token, output


# -- a task called outside any run ---------------------------------------------------------
def inline_begins(call: InlineCall) -> None:
    """An inline attempt starts: its ``on_running`` hooks."""
    extras = call.task.extras
    if extras is not None and extras.on_running:
        with attempt_scope(call):
            state = running_state(call, call.attempt)
            call_hooks(extras.on_running, HOOK_LOG, call.task, task_run_of(call, state), state)


async def ainline_begins(call: InlineCall) -> None:
    extras = call.task.extras
    if extras is not None and extras.on_running:
        with attempt_scope(call):
            state = running_state(call, call.attempt)
            await acall_hooks(
                extras.on_running, HOOK_LOG, call.task, task_run_of(call, state), state
            )


def _inline_final(
    call: InlineCall, final: Any
) -> tuple[tuple[Callable[..., Any], ...], State[Any]]:
    extras = call.task.extras
    if extras is None or not extras.final or returned_cancelled(final.exception):
        return (), State(COMPLETED)
    if crashes(call.task, final.exception):  # Prefect's Crashed: no hook is for it
        return (), State(COMPLETED)
    error = final.exception if final.type is FAILED else None
    state = final_state(call, final.result, error)
    return (extras.on_failure if error is not None else extras.on_completion), state


def inline_ends(call: InlineCall, final: Any) -> None:
    """An inline task reached its final (engine) state: its completion or failure hooks."""
    hooks, state = _inline_final(call, final)
    if hooks:
        with attempt_scope(call):
            call_hooks(hooks, HOOK_LOG, call.task, task_run_of(call, state), state)


async def ainline_ends(call: InlineCall, final: Any) -> None:
    hooks, state = _inline_final(call, final)
    if hooks:
        with attempt_scope(call):
            await acall_hooks(hooks, HOOK_LOG, call.task, task_run_of(call, state), state)


__all__ = [
    "ATTEMPT",
    "ENGINE_LOG",
    "InlineCall",
    "TaskExtras",
    "TaskRun",
    "concluding",
    "current_attempt",
    "entered",
]
