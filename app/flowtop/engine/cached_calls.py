"""A run's side of task caching (``caching``): a task that caches is looked up when its
inputs are ready, and its result stored when it completes.

The key is computed under the run's lock, when the task's upstream results are final
(as a ``@flow`` rerun hashes a call's inputs); a ``cache_key_fn`` therefore runs there too,
and must not wait on the run. A key that cannot be computed (the function raised,
inputs that cannot be hashed), a store that cannot be read or a result that cannot be
kept never fails the task: it runs, or completes, and its COMPLETED step says why it was
not cached.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .caching import CachedResult
from .prefect_context import TaskRunContext, flow_parameters
from .states import StateType
from .task_runs import call_parameters, task_run_of

if TYPE_CHECKING:
    from .records import TaskRun
    from .run import FlowRun


def serve(run: FlowRun, tr: TaskRun) -> bool:
    """Under the run's lock: complete ``tr`` from the cache if its key has an unexpired
    result (True); else note its key, so its result is stored when it completes."""
    caching = tr.node.task.caching
    assert caching is not None
    args, kwargs = run._inputs(tr.node)
    try:
        tr.cache_key = _key(run, tr, args, kwargs)
    except Exception as exc:  # noqa: BLE001 - a user's cache_key_fn may raise anything
        tr.cache_note = f"not cached: no cache key ({_why(exc)})"
        return False
    # a rerun (``f``, ``t``) runs what it does not carry over, whatever the cache holds:
    # that is what it was asked for. The new result is stored, as with ``refresh_cache``.
    if tr.cache_key is None or caching.refresh or run.rerun_of is not None:
        return False
    try:
        found = run.runner.cache.get(tr.cache_key)
    except Exception as exc:  # noqa: BLE001 - an unreadable store: the task runs
        tr.cache_note = f"not read from the cache ({_why(exc)})"
        return False
    if found is None:
        return False
    tr.reused = True
    hits: list[tuple[TaskRun, CachedResult]] | None = getattr(_serving, "hits", None)
    if hits is not None:  # inside another hit's completion: after it, not deeper (a long
        hits.append((tr, found))  # chain of cached tasks would exhaust the stack)
        return True
    _serving.hits = hits = [(tr, found)]
    try:
        while hits:
            _complete(run, *hits.pop(0))
    finally:
        _serving.hits = None
    return True


#: The cache hits waiting to complete on this thread (under a run's lock): see ``serve``.
_serving = threading.local()


def _complete(run: FlowRun, tr: TaskRun, found: CachedResult) -> None:
    run._complete(tr, found.value, reused=True, message=f"cached result of {found.source}")
    if run._starting:  # the run readies only what was ready as it began: these are now
        for child in tr.children:
            if child.waiting_on == 0 and child.state is StateType.PENDING:
                run._ready(child)


def store(run: FlowRun, tr: TaskRun, value: Any) -> str:
    """``tr`` completed: keep its result under its key, for its cache expiration; what its
    COMPLETED step says when that (or the lookup before it) did not happen, else ""."""
    caching = tr.node.task.caching
    if caching is None or tr.cache_key is None:
        return tr.cache_note
    now = time.time()
    expires = None if caching.expiration is None else now + caching.expiration
    when = datetime.fromtimestamp(now).strftime("%Y-%m-%d %H:%M:%S")
    source = f"{run.flow.name} #{run.number}, {when}"
    try:
        run.runner.cache.put(tr.cache_key, CachedResult(value, source, expires))
    except Exception as exc:  # noqa: BLE001 - a result that cannot be kept: the next call runs
        return f"not cached: {_why(exc)}"
    return ""


def _why(exc: Exception) -> str:
    return str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"


def _key(run: FlowRun, tr: TaskRun, args: list[Any], kwargs: dict[str, Any]) -> str | None:
    task = tr.node.task
    assert task.caching is not None
    inputs = call_parameters(task.fn, tuple(args), kwargs)
    context = TaskRunContext(task, task_run_of((run, tr, args, kwargs)), inputs, datetime.now(UTC))
    return task.caching.policy.compute_key(context, inputs, flow_parameters(run))
