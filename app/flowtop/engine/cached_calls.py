"""A run's side of task caching (``caching``): a task that caches is looked up when its
inputs are ready, and its result stored when it completes.

Both happen outside the run's lock, which every worker needs for each state change: a
``cache_key_fn``, hashing large inputs (``INPUTS`` pickles them), reading and writing the
store may take a while. The lookup is a pool job of its own (``serve``), which then
completes the task from the cache or queues its first attempt; the store is part of
judging a successful attempt (``attempt.judge``), before its COMPLETED state is applied.
A key that cannot be computed (the function raised, inputs that cannot be hashed), a
store that cannot be read or a result that cannot be kept never fails the task: it runs,
or completes, and its COMPLETED step says why it was not cached. A task called outside
any flow (``inline``) caches too, as in Prefect 3: in its run's store when another task
calls it, else in this process's (``look_up_call``, ``store_call``).

A ``result_storage_key`` that cannot be formatted (a field the call has not) is the one
key whose failure fails the task, as in Prefect 3, where it is formatted as each attempt
begins: every attempt calls, instead of the task's function, one raising its error
(``attempt_fn``), so retries and hooks go as for any failure, the task's code never run.

A call served from the cache runs its task's ``on_running`` hooks, then its
``on_completion`` hooks with a state named ``Cached``, as Prefect 3 enters such a task run
in Running, then Cached (``hit_hooks``; a call outside any flow too, ``look_up_call``);
a call a rerun carries over from its source run runs none (no task run of Prefect's is
made for it).

A call served from the cache completed as any other: a ``@flow`` run records its
fingerprint (``rerun_cache.call_hash``), so a rerun of that run carries it over too.
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from . import hook_output
from .caching import PROCESS_CACHE, CachedResult, CacheStore, Caching
from .clock_text import date_time
from .hooks import call_hooks, run_logger_of
from .prefect_context import TaskRunContext, flow_parameters
from .prefect_ids import prefect_uuid
from .rerun_cache import call_hash
from .states import State, StateType
from .task_runs import (
    HOOK_LOG,
    InlineCall,
    attempt_scope,
    call_parameters,
    current_attempt,
    entered,
    final_state,
    running_state,
    task_run_of,
)

if TYPE_CHECKING:
    from .records import TaskRun
    from .run import FlowRun
    from .task import Task


def serve(run: FlowRun, tr: TaskRun) -> None:
    """A pool job, once every upstream task of ``tr`` (which caches) completed: look its
    key up, then under the run's lock queue its first attempt, or complete it from the
    cache once its hooks ran (``hit_hooks``, outside the lock). A task cancelled meanwhile
    (its run cancelled, or ended by a failure of flowtop's) is left as it is: one cancelled
    during the lookup runs no hook, one cancelled while its hooks ran stays CANCELLED, what
    they printed dropped, as a cancel drops a running attempt's late result."""
    found = _look_up(run, tr)
    with run._lock:
        if not _still_pending(run, tr):
            return
        if found is None:
            run._submit(tr)
            return
    said = hit_hooks(run, tr, found.value)
    with run._lock:
        if not _still_pending(run, tr):
            return
        message = f"cached result of {found.source}"
        run._complete(tr, found.value, reused=True, message=message, output=said)


def _still_pending(run: FlowRun, tr: TaskRun) -> bool:
    """Whether ``tr`` may still begin (under the run's lock): it was not cancelled, nor
    its run ended, while ``serve`` was away from the lock."""
    return tr.state is StateType.PENDING and run.state is StateType.RUNNING


def hit_hooks(run: FlowRun, tr: TaskRun, value: Any) -> str:
    """The hooks of ``tr``, a call served from the cache with ``value``, as Prefect 3
    calls them for a cache hit: ``on_running`` (state ``Running``), then ``on_completion``
    (state ``Cached``, type COMPLETED, its data ``value``), in its task run context,
    outside the run's lock and before the call completes. Returns what they printed: its
    COMPLETED step's output (``flowtop run`` shows it under its line; no attempt ran to
    keep it in the history)."""
    extras = tr.node.task.extras
    if extras is None or not (extras.on_running or extras.on_completion):
        return ""
    current = (run, tr, None, None)  # parameters: ``parameters_of``
    call = partial(_call_hit_hooks, tr.node.task, current, value)
    try:
        with attempt_scope(current):
            return hook_output.aside(call, current, echo=run.runner.echo_output)
    except BaseException as exc:  # a hook's sys.exit(): the call completes, not left pending
        log = run_logger_of(HOOK_LOG, tr.node.task)  # a drop-in task's: ``prefect.task_runs``
        log.error("A hook of %r raised %r on its cache hit", tr.key, exc, exc_info=exc)
        return ""


def _call_hit_hooks(task: Task, current: Any, value: Any) -> None:
    """The ``on_running``, then ``on_completion`` hooks of ``task`` for the call
    ``current`` (an ``ATTEMPT`` value, in scope) served from the cache with ``value``."""
    extras = task.extras
    assert extras is not None
    cached = final_state(current, value, None)
    cached.name = "Cached"  # Prefect's name for a result read from the cache
    running = running_state(current, 0)
    for hooks, state in ((extras.on_running, running), (extras.on_completion, cached)):
        if hooks:
            call_hooks(hooks, HOOK_LOG, task, task_run_of(current, state), state)


def _look_up(run: FlowRun, tr: TaskRun) -> CachedResult | None:
    """``tr``'s unexpired stored result, if any; else None, with its key noted (``tr``'s
    result is then stored under it when it completes) or why it has none."""
    caching = tr.node.task.caching
    assert caching is not None
    args, kwargs = run._inputs(tr.node)  # upstream results are final: no lock needed
    _note_inputs(run, tr, args, kwargs)
    try:
        tr.cache_key = _key(run, tr, args, kwargs)
    except BaseException as exc:  # noqa: BLE001 - sys.exit() too: a lookup that died would leave the task pending for ever
        if caching.key_fails_task and isinstance(exc, Exception):
            tr.cache_error = exc  # each attempt fails with it (``attempt_fn``)
            return None
        tr.cache_note = f"not cached: no cache key ({_why(exc)})"
        return None
    # a rerun (``f``, ``t``) runs what it does not carry over, whatever the cache holds:
    # that is what it was asked for. The new result is stored, as with ``refresh_cache``.
    # A flow-level retry (``flow_attempt`` 2 on) was not asked for: for Prefect it is the
    # same flow run again, whose tasks look their keys up as any run's do.
    rerun = run.rerun_of is not None and run.flow_attempt == 1
    if tr.cache_key is None or caching.refresh or rerun:
        return None
    try:
        return run.runner.cache.get(tr.cache_key)
    except BaseException as exc:  # noqa: BLE001 - an unreadable store (unpickling runs user code): the task runs
        tr.cache_note = f"not read from the cache ({_why(exc)})"
        return None


def _note_inputs(run: FlowRun, tr: TaskRun, args: list[Any], kwargs: dict[str, Any]) -> None:
    """A ``@flow`` run's fingerprint of the call ``tr``, which may never reach an attempt
    (served from the cache): what a rerun matches it by. A rerun found it already, as
    it looked the call up in its source run."""
    fingerprints = getattr(run, "_inputs_by_key", None)  # a ``DynamicRun``'s
    if isinstance(fingerprints, dict) and tr.key not in fingerprints:
        fingerprints[tr.key] = call_hash(tr.node.task, args, kwargs)


def store(run: FlowRun, tr: TaskRun, value: Any) -> None:
    """An attempt of ``tr`` succeeded: keep its result under its key, for its cache
    expiration. ``tr.cache_note`` is then what its COMPLETED step says: "" once stored,
    else why it was not (or why the lookup before did not happen)."""
    caching = tr.node.task.caching
    if caching is None or tr.cache_key is None:
        return
    try:
        run.runner.cache.put(tr.cache_key, _entry(caching, value, made_by_run(run)))
    except BaseException as exc:  # noqa: BLE001 - a result that cannot be kept (a __reduce__ may even sys.exit()): the next call runs
        tr.cache_note = f"not cached: {_why(exc)}"
        return
    tr.cache_note = ""


def attempt_fn(attempt: tuple[Any, TaskRun, Any, Any]) -> Callable[..., Any]:
    """What attempt ``attempt`` (``(run, task record, args, kwargs)``) calls: its task's
    function (``entered`` first, for a task with hooks or a run name), or, for a task whose
    ``result_storage_key`` could not be formatted, one raising that error (see the module
    doc). A run name that could not be resolved fails its attempt first, as in Prefect."""
    tr = attempt[1]
    task = tr.node.task
    fn = entered(attempt) if task.extras else task.fn
    if tr.cache_error is None or fn is not task.fn:
        return fn
    return raising(tr.cache_error, is_async=task.is_async)


class _RaiseCopy:
    """A function raising a copy of ``error`` each call: each attempt its own error, with
    its own traceback. Picklable, for an attempt on a process or Dask worker."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise copy.copy(self.error)


def raising(error: Exception, *, is_async: bool) -> Callable[..., Any]:
    """An attempt's function that fails with (a copy of) ``error``: a coroutine function
    for an ``async def`` task, whose attempts are awaited."""
    if not is_async:
        return _RaiseCopy(error)

    async def attempt(*args: Any, **kwargs: Any) -> Any:
        raise copy.copy(error)

    return attempt


#: Where a call outside any flow keeps its result, and under which key (None: not cached).
CallSlot = tuple[CacheStore, str] | None


class CallLookup(NamedTuple):
    """What ``look_up_call`` found for a call outside any flow: where its result is kept
    (``slot``), the result that serves it (``found``), and the function its attempts call
    (``fn``: the task's, or one raising why its ``result_storage_key`` failed)."""

    slot: CallSlot
    found: CachedResult | None
    fn: Callable[..., Any]


def look_up_call(current: InlineCall) -> CallLookup:
    """A task called outside any flow (``inline``): where its result is kept (its run's
    store inside a run's attempt, else this process's) and under which key, and the
    result stored there. No slot and no result for a task that does not cache, or a key
    that could not be computed: the call runs and nothing is kept (but for a
    ``result_storage_key``: its attempts fail, as in a flow). A result found serves the
    call: its hooks run here, as for a call in a flow (``hit_hooks``; what they print goes
    where the call's prints go)."""
    task = current.task
    if task.caching is None:
        return CallLookup(None, None, task.fn)
    attempt = current_attempt()
    cache = attempt[0].runner.cache if isinstance(attempt, tuple) else PROCESS_CACHE
    inputs = call_parameters(task.fn, current.args, current.kwargs)
    context = TaskRunContext(task, task_run_of(current), inputs, datetime.now(UTC))
    try:
        with attempt_scope(current):  # the call's task run context (``prefect.runtime``)
            key = task.caching.policy.compute_key(context, inputs, {})
    except Exception as exc:  # noqa: BLE001 - as in a flow: a key that fails, the call runs
        fn = raising(exc, is_async=task.is_async) if task.caching.key_fails_task else task.fn
        return CallLookup(None, None, fn)
    if key is None:
        return CallLookup(None, None, task.fn)
    try:
        found = None if task.caching.refresh else cache.get(key)
    except Exception:  # noqa: BLE001 - as in a flow: a store that fails, the call runs
        return CallLookup(None, None, task.fn)
    if found is not None and task.extras is not None:
        with attempt_scope(current):
            _call_hit_hooks(task, current, found.value)
    return CallLookup((cache, key), found, task.fn)


def store_call(slot: CallSlot, current: InlineCall, final: State) -> None:
    """Keep the result of a call outside any flow that completed (see ``store``)."""
    caching = current.task.caching
    if slot is None or caching is None or not final.is_completed():
        return
    cache, key = slot
    with contextlib.suppress(Exception):  # a result that cannot be kept: the next call runs
        cache.put(key, _entry(caching, final.result, f"a call of {current.task.name}"))


def made_by_run(run: FlowRun) -> str:
    """The run a hit names (``cached result of etl #3, …``): by its number where a run
    store gave it, or where only its own process reads the cache (a script's: its runs'
    numbers are the ones it showed); a run no store records whose result a folder
    keeps for other processes (``--no-history``) by its flow alone, ``etl (not
    recorded)``: its own count had named the store's run #1 to the runs that found it."""
    runner = run.runner
    if runner.numbers_recorded or not runner.cache.shared:
        return f"{run.flow.name} #{run.number}"
    return f"{run.flow.name} (not recorded)"


def _entry(caching: Caching, value: Any, made_by: str) -> CachedResult:
    """``value`` as the cache keeps it: with where and when it was made (what a hit
    shows: ``cached result of etl #3, 2026-12-02 10:42:05``) and its expiration."""
    now = time.time()
    expires = None if caching.expiration is None else now + caching.expiration
    return CachedResult(value, f"{made_by}, {date_time(now)}", expires)


def _why(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"


def _key(run: FlowRun, tr: TaskRun, args: list[Any], kwargs: dict[str, Any]) -> str | None:
    task = tr.node.task
    assert task.caching is not None
    inputs = call_parameters(task.fn, tuple(args), kwargs)
    task_run = task_run_of((run, tr, args, kwargs))
    # Prefect's flow run id, the same on each flow-level retry (``rerun_cache.retrying``):
    # a key of the run's id (``RUN_ID``, ``DEFAULT``) finds what an earlier attempt stored
    task_run.flow_run_id = prefect_uuid(getattr(run, "first_attempt", run.run_id))
    context = TaskRunContext(task, task_run, inputs, datetime.now(UTC))
    # in the call's task run context, as Prefect computes a key: a ``result_storage_key``'s
    # ``{task_run.name}``, a ``cache_key_fn`` reading ``prefect.runtime``, are the call's
    with attempt_scope((run, tr, args, kwargs)):
        return task.caching.policy.compute_key(context, inputs, flow_parameters(run))
