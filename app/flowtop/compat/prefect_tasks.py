"""Drop-in ``prefect.task`` and ``prefect.Task``: flowtop's, without the ``Retry`` budget.

A flowtop task with no retry options keeps a budget that only flowtop's ``Retry``
exception spends (``RetryPolicy.retry_only``, 3 by default), which the monitor and
``flowtop run`` show as ``1/1+3``. Prefect code cannot raise ``Retry``: no ``prefect``
module of drop-in mode gives it, and a Prefect task without ``retries`` has none (its
settings' ``task_default_retries``, 0). So a task made through drop-in ``prefect`` gets
a budget of 0 (``1/1``, as Prefect shows the run): only where nothing else set it.
``retries=`` still applies, and so do the workspace's ``[defaults] max_retries`` and a
run's own default, as its retries (``RetryPolicy.with_values``), as Prefect's
``PREFECT_TASK_DEFAULT_RETRIES`` is: a plain failure is retried, not a ``Retry`` only.
Its budget of 0 reads ``no retries``, with or without ``retries=0``, where a flowtop
task's ``max_retries=0`` reads ``0×``; as ``max_retries``, and as the reason a failure was
not retried, the 0 nothing set reads ``no retries (Prefect's default)`` from the
``builtin`` layer (``retries=0``: ``0 (no retries)``, from ``task``).

Its ``timeout_seconds`` of 0 is no timeout, as Prefect's (``no_timeout``); any other is
kept as a ``PrefectTimeout``, so the ``TaskTimeout`` an attempt past it fails with reads
as Prefect's (``Scope timed out after 0.3 second(s).``) where
its code, its hooks and ``state.result()`` read it; a timeout a flowtop.toml layer set
is flowtop's, and its ``TaskTimeout`` says flowtop's words.

Its calls are refused where Prefect 3.9.1 refuses them, in Prefect's words, so a file
that fails under Prefect fails here too, and at the same line: arguments the function
cannot take raise ``ParameterBindError`` (a ``TypeError``) from the call, ``.submit()``
or ``.map()`` (the whole ``.map()`` call bound before it is split, as Prefect binds it);
``.submit()`` and ``.map()`` with no flow run around them (a script, a task called
outside any flow) raise Prefect's ``RuntimeError``, where flowtop's own task runs them on
a thread. ``.map(deferred=False)``, Prefect's default, is taken; ``deferred=True`` asks
for task workers, which flowtop has not.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from ..engine.aloop import running_loop
from ..engine.context import current_run, in_shipped_attempt
from ..engine.dynamic import bind_call
from ..engine.errors import (
    NotInFlowtop,
    PrefectParameterBindError,
    PrefectTimeout,
    UpstreamFailed,
)
from ..engine.layers import Layer
from ..engine.policy import RetryPolicy
from ..engine.prefect_attributes import NO_POLICY
from ..engine.prefect_context import active_run
from ..engine.task import (
    ALIASES,
    CACHE_OPTIONS,
    IGNORED_OPTIONS,
    PREFECT_OPTIONS,
    Task,
    TaskDecorator,
)
from .crashed_tasks import crashing, crashing_all, raised_if_crashed
from .state_inputs import not_ready, resolve_states

#: Prefect 3.9.1's words for a ``.submit()`` or a ``.map()`` with no flow run to run it.
SUBMIT_WITHOUT_A_FLOW_RUN = (
    "Unable to determine task runner to use for submission. If you are submitting a task"
    " outside of a flow, please use `.delay` to submit the task run for deferred execution."
)
MAP_WITHOUT_A_FLOW_RUN = (
    "Unable to determine task runner to use for mapped task runs. If you are mapping a task"
    " outside of a flow, please provide `deferred=True` to submit the mapped task runs for"
    " deferred execution."
)


#: The options of Prefect's ``@task`` the drop-in takes, by Prefect's names: an unknown
#: option's message suggests and lists these (``retry``: ``retries``, not ``retry_on``),
#: and flowtop's own (``retry_on``, taken too) only when none of these is close.
PREFECT_TASK_OPTIONS = ("name", *ALIASES, *PREFECT_OPTIONS, *CACHE_OPTIONS, *IGNORED_OPTIONS)

#: The options Prefect's ``Task.with_options`` gives the copy anew when given None (its
#: ``NotSet`` sentinel tells None from not given: Prefect 3.9.1's ``tasks.py``), by the
#: name the task's options keep them under; others given as None keep the task's value.
CLEARED_BY_NONE = {
    "task_run_name": "task_run_name",
    "retries": "max_retries",
    "retry_delay_seconds": "retry_delay",
    "retry_jitter_factor": "retry_jitter_factor",
    "persist_result": "persist_result",
    "log_prints": "log_prints",
    "refresh_cache": "refresh_cache",
    "cache_policy": "cache_policy",
    "result_storage_key": "result_storage_key",
}


def without_retry_budget(policy: RetryPolicy) -> RetryPolicy:
    """``policy`` with no ``Retry``-only budget, unless something set one already, and
    said in Prefect's words (``RetryPolicy.prefect_words``: ``no retries``, not ``0×``).
    The budget of 0 stays ``builtin``: it is Prefect's default, not a value the task set
    (``flowtop list``: ``max_retries  no retries (Prefect's default)  [builtin]``)."""
    if policy.budget_source() is not Layer.BUILTIN:
        return policy if policy.prefect_words else replace(policy, prefect_words=True)
    return replace(policy, prefect_words=True, default_max_retries=0)


def in_a_flow_run() -> bool:
    """Whether code here is in a flow run, as Prefect's ``FlowRunContext`` says: a flow
    body, a task attempt of its run (or a task that attempt calls), a thread started with
    their context; also an attempt shipped to a process or Dask worker, whose run stays
    in the coordinating process (Prefect hydrates the context on its workers)."""
    return active_run() is not None or in_shipped_attempt()


def no_task_runner(task_name: str, prefect_words: str) -> RuntimeError:
    """Prefect's ``RuntimeError`` for a ``.submit()`` or ``.map()`` outside any flow run,
    with a note of what works here instead: the deferred runs Prefect's words suggest need
    task workers, which flowtop has not."""
    error = RuntimeError(prefect_words)
    error.add_note(
        f"flowtop: task {task_name!r} has no flow run to run in here; call it to run it in"
        " place, or submit it from a @flow (flowtop has no task workers for deferred runs)"
    )
    return error


def no_timeout(value: Any) -> bool:
    """Whether ``value`` is a timeout of 0, which Prefect 3 reads as none
    (``float(timeout_seconds) if timeout_seconds else None``): ``@task(timeout_seconds=0)``
    and ``.with_options(timeout_seconds=0)``, which drops the task's timeout; flowtop's own
    ``@task(timeout=0)`` is refused."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value == 0


def prefect_timeout(policy: RetryPolicy) -> RetryPolicy:
    """``policy`` with the timeout the task set (``timeout_seconds=``) as a
    ``PrefectTimeout``: its ``TaskTimeout`` says Prefect's words (see the module doc)."""
    if policy.timeout is None or policy.source("timeout") is not Layer.TASK:
        return policy
    return replace(policy, timeout=PrefectTimeout(policy.timeout))


class DropInTask(Task):
    """A ``Task`` made by Prefect code (drop-in ``prefect.task`` or ``prefect.Task``),
    its copies (``with_options``) too: no ``Retry`` budget (see the module doc); ``.map()``
    maps any iterable but a string, bytes or a file, as Prefect's (``map_rules``)."""

    maps_as_prefect = True
    crashes_as_prefect = True
    option_names = PREFECT_TASK_OPTIONS

    def __init__(self, fn: Callable[..., Any], *, name: str | None = None, **options: Any) -> None:
        for key in ("timeout_seconds", "timeout"):  # a ``with_options`` copy's is ``timeout``
            if no_timeout(options.get(key)):
                options[key] = None
        if "cache_policy" in options and options["cache_policy"] is None:
            options["cache_policy"] = NO_POLICY  # no policy, as Prefect's: not ``DEFAULT``
        super().__init__(fn, name=name, **options)
        self.policy = prefect_timeout(without_retry_budget(self.policy))

    @property
    def timeout_seconds(self) -> Any:
        """As Prefect's ``Task`` reads it back, ``float(timeout_seconds) if timeout_seconds
        else None``: ``@task(timeout_seconds=5)`` is ``5.0`` (a ``with_options`` copy's too)."""
        timeout = super().timeout_seconds
        return float(timeout) if isinstance(timeout, int | float) and timeout else timeout

    def with_options(self, **kwargs: Any) -> Task:
        """flowtop's copy, but an option of :data:`CLEARED_BY_NONE` given as None is
        Prefect's default in the copy, as Prefect's ``with_options`` makes it (``retries=None``
        no retries, ``cache_policy=None`` no policy); its other options given as None keep
        this task's, as flowtop's ``with_options`` does; a ``timeout_seconds`` of 0 drops the
        task's timeout (``no_timeout``), where flowtop's copy refuses it."""

        def clears(key: str, value: Any) -> bool:
            return (value is None and key in CLEARED_BY_NONE) or (
                key in ("timeout_seconds", "timeout") and no_timeout(value)
            )

        cleared = {CLEARED_BY_NONE.get(k, "timeout") for k, v in kwargs.items() if clears(k, v)}
        if not cleared:
            return super().with_options(**kwargs)
        kwargs = {k: v for k, v in kwargs.items() if not clears(k, v)}
        bare = copy.copy(self)
        bare.options = {k: v for k, v in self.options.items() if k not in cleared}
        if "cache_policy" in cleared:
            bare.options["cache_policy"] = NO_POLICY
        return Task.with_options(bare, **kwargs)

    def check_call(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
        """Arguments the function cannot take: Prefect's ``ParameterBindError`` in its words
        (``Error binding parameters for function 'load': missing a required argument: 'x'.``
        and the signature), a method's instance bound first as Prefect binds it."""
        if not kwargs and len(args) == self._arity:
            return  # the common call, ``f(x)`` of ``def f(x)``: nothing to bind
        bind_call(self.fn, args, dict(kwargs), PrefectParameterBindError)

    def __call__(
        self, *args: Any, return_state: bool = False, wait_for: Any = None, **kwargs: Any
    ) -> Any:
        """flowtop's call, its arguments bound first and the states in them (and in
        ``wait_for``) resolved as Prefect resolves them (``state_inputs``): one that did not
        complete raises ``UpstreamFailed`` (``return_state=True``: a ``NotReady`` state). A
        task run that could not be named raises why, ``return_state=True`` too (``run_names``)."""
        self.check_call(args, kwargs)
        try:
            args, kwargs, wait_for = resolve_states(self.name, args, kwargs, wait_for)
        except UpstreamFailed as exc:
            made = not_ready(exc)
            if self.is_async and (current_run() is None or running_loop() is not None):
                return _refused_async(made, return_state)  # awaited, as the call would be
            if return_state:
                return made
            raise
        called = super().__call__(*args, return_state=return_state, wait_for=wait_for, **kwargs)
        return raised_if_crashed(self, called) if return_state else called  # (``crashed_tasks``)

    def submit(
        self, *args: Any, wait_for: Any = None, return_state: bool = False, **kwargs: Any
    ) -> Any:
        """Prefect's ``.submit()``: the call bound first, then refused with no flow run
        around it (see the module doc); the states in its arguments resolved as a call's."""
        self.check_call(args, kwargs)
        if not in_a_flow_run():
            raise no_task_runner(self.name, SUBMIT_WITHOUT_A_FLOW_RUN)
        args, kwargs, wait_for = resolve_states(self.name, args, kwargs, wait_for)
        future = crashing(super().submit(*args, wait_for=wait_for, **kwargs))
        if not return_state:
            return future
        future.wait()  # (a crash raised, as Prefect's: ``crashed_tasks``)
        return future.state

    def map(
        self,
        *args: Any,
        wait_for: Any = None,
        return_state: bool = False,
        deferred: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Prefect's ``.map()``: the whole call bound first (its error shows the lists
        given), then ``deferred=True`` refused, then a call with no flow run around it."""
        self.check_call(args, kwargs)
        if deferred:
            raise NotInFlowtop(f"{self.name}.map(..., deferred=True) (background task runs)")
        if not in_a_flow_run():
            raise no_task_runner(self.name, MAP_WITHOUT_A_FLOW_RUN)
        futures = crashing_all(super().map(*args, wait_for=wait_for, **kwargs))
        if not return_state:
            return futures
        futures.wait()  # (a crash raised, as Prefect's: ``crashed_tasks``)
        return [future.state for future in futures]

    def __class_getitem__(cls, params: Any) -> types.GenericAlias:
        """``Task[..., Any]``: Prefect's ``Task`` is generic, and its docs' examples write it
        so in annotations (``def retry_on_503(task: Task[..., Any], ...)``) that run at
        import."""
        return types.GenericAlias(cls, params)


async def _refused_async(state: Any, return_state: bool) -> Any:
    """An ``async def`` task's call that cannot run: ``state``, or its error, when awaited."""
    return state if return_state else state.result()


class DropInTaskDecorator(TaskDecorator):
    """Drop-in ``prefect.task``: ``@task`` or ``@task(retries=2, …)``, a :class:`DropInTask`
    (typed as ``flowtop.task``: the overloads are ``TaskDecorator``'s)."""

    makes = DropInTask


task = DropInTaskDecorator()


__all__ = ["DropInTask", "DropInTaskDecorator", "prefect_timeout", "task", "without_retry_budget"]
