"""Prefect-2/3-style flows: ``@flow`` functions whose tasks appear as the code reaches them.

A ``FlowFunction`` is a ``Flow`` with no nodes up front. Running it starts a
``DynamicRun``: the function body runs on a thread of its own, and each task call in it
becomes a node of that run, keyed ``name``, ``name-2``, … in call order so history and
rerun-failed can match calls across runs. A plain call blocks until the task's final
state (retries included) and returns its result or raises its exception; ``.submit()``
returns a ``TaskFuture``; futures passed as arguments become dependencies.

Rerun-failed replays the function with a cache: a call whose key and input hash match a
call that completed in the source run returns the cached result without executing.
Flow-level retries (``@flow(retries=2)``) are such reruns, started by the runner; a
drop-in ``prefect.flow``'s serve no call, as Prefect runs every task again
(``FlowFunction.retry_reuses_completed``, ``compat.prefect_flows``).
"""

from __future__ import annotations

import copy
import functools
import inspect
import types
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, overload

from . import final_states
from .binding import bound_to, unwrapped
from .call_guard import engine_code
from .calls import InlineFuture, map_calls, plain_inputs, submit
from .context import current_run, refuse_run_at_import
from .delays import to_seconds
from .dynamic_run import DynamicRun
from .errors import ParameterBindError, RunCancelled, UpstreamFailed
from .flow import Flow
from .flow_await import awaited_call
from .flow_cut_short import cut_short_meanwhile, refuse_when_cut_short
from .flow_generators import is_generator_flow, iterate
from .flow_hooks import FLOW_HOOK_KINDS, flow_timeout
from .flow_in_task import enclosing_run, run_in_attempt
from .flow_result import cancelled_group
from .flow_upstream import not_ready_state, refuse_reserved_parameters, upstream_failure
from .graph import Node
from .hooks import Hook, check_hooks, hook_name
from .option_checks import option_type_problem, plain_numbers, prefect_default
from .parameters import call_for
from .policy import MAX_RETRIES
from .prefect_api import state_of_call
from .prefect_attributes import PrefectFlowAttributes
from .prefect_parameters import ParametersAttribute
from .rerun_cache import cache_of, input_hash
from .run_names import flow_run_name, refuse_unfillable
from .runner import Runner
from .states import StateType
from .subflow_reruns import rerun_calls, start_subflow
from .suggest import did_you_mean
from .task import Task
from .task_future import TaskFuture, resolve_return
from .task_runners import ThreadPoolTaskRunner, max_workers_of

if TYPE_CHECKING:
    from .records import RunResult
    from .run import FlowRun
    from .run_options import RunOptions


MAX_NESTING = 100  # subflow runs inside each other, at most: deeper is endless recursion


def _nesting(run: FlowRun) -> int:
    """How many runs ``run`` is inside, itself included (its parents are live: they wait).
    A graph's run (``Flow``) is inside none: only a ``@flow``'s is started as a subflow."""
    live = {r.run_id: r for r in run.runner.active_runs if isinstance(r, DynamicRun)}
    depth, here = 1, run
    while isinstance(here, DynamicRun) and here.parent_run in live and depth < MAX_NESTING:
        depth, here = depth + 1, live[here.parent_run]
    return depth


def bind_call(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: type[ParameterBindError] = ParameterBindError,
) -> None:
    """Raise ``error`` when ``fn`` cannot take ``args`` and ``kwargs`` (``return_state`` aside),
    as Prefect binds a call before its run: a method with its instance first, as Prefect."""
    kwargs = {k: v for k, v in kwargs.items() if k != "return_state"}
    target, given = unwrapped(fn), args
    if isinstance(fn, types.MethodType):
        target, given = fn.__func__, (fn.__self__, *args)
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):  # no signature to bind to: the call itself says
        return
    try:
        signature.bind(*given, **kwargs)
    except TypeError as exc:
        raise error.from_bind_failure(target, exc, given, kwargs) from None


class FlowFunction(Flow, PrefectFlowAttributes):
    """``@flow``: a function whose task calls are the flow. Still callable as a plain function.
    Prefect's attributes and hook decorators: ``PrefectFlowAttributes``."""

    #: A flow-level retry reuses the results of the calls that completed before (a linked
    #: rerun with their cache); drop-in ``prefect.flow``'s runs every task again, as
    #: Prefect's retry of the same flow run does (``compat.prefect_flows``).
    retry_reuses_completed: ClassVar[bool] = True
    bind_error: ClassVar[type[ParameterBindError]] = ParameterBindError  # drop-in: Prefect's

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        retries: int | None = None,
        retry_delay: Any = 0,
        validate_parameters: bool = True,
        max_workers: int | None = None,
        run_name: str | Callable[[], str] | None = None,
        hooks: Mapping[str, list[Hook]] | None = None,
        timeout: float | None = None,
        noted: Mapping[str, Any] | None = None,
        retry_delay_as: str = "retry_delay",
    ) -> None:
        """``retry_delay_as``: the option's name as the user wrote it (Prefect's
        ``retry_delay_seconds`` too), for the message that refuses its value."""
        super().__init__(flow_name(fn, name))
        refuse_reserved_parameters(fn, self.name)
        #: Prefect options kept to give back (``PrefectFlowAttributes``), and the task runner.
        self.noted = {"task_runner": ThreadPoolTaskRunner(max_workers=max_workers), **(noted or {})}
        #: Prefect's state hooks, by kind (``FLOW_HOOK_KINDS``); see ``flow_hooks``.
        self.hooks: dict[str, list[Hook]] = {
            kind: list((hooks or {}).get(kind, ())) for kind in FLOW_HOOK_KINDS
        }
        #: Prefect's ``timeout_seconds``: the body's time limit, None for none.
        self.timeout = timeout
        #: ``task_runner=ThreadPoolTaskRunner(max_workers=N)``: a run's attempts at once.
        self.max_workers = max_workers
        #: Prefect's ``flow_run_name``: a template of the parameters, or a callable.
        self.run_name = run_name
        #: Prefect's ``validate_parameters`` option, under Prefect's name for it (its
        #: ``Flow.validate_parameters`` is a method, ``PrefectFlowAttributes``'s): parameters
        #: given by name (``--param``, the run form, a rerun) are made the types declared.
        self.should_validate_parameters = validate_parameters
        if retries is None:  # Prefect 3's "not set": 0, as for a flow not given retries
            retries = 0
        retries = plain_numbers(retries, whole=True)
        if (wrong_type := option_type_problem("retries", retries)) is not None:
            raise TypeError(f"@flow {self.name!r}: {wrong_type}")  # retries='3'
        if retries < 0:
            raise ValueError(f"@flow {self.name!r}: retries must be an int >= 0, got {retries!r}")
        if retries > MAX_RETRIES:
            raise ValueError(f"@flow {self.name!r}: retries must be at most {MAX_RETRIES:,}")
        self.fn = fn
        #: ``async def``: calling it gives a coroutine; its body runs on its own loop.
        self.is_async = inspect.iscoroutinefunction(unwrapped(fn))
        self.is_generator = is_generator_flow(fn)  # (``yield`` in it: ``flow_generators``)
        self.retries = retries
        self.retry_delay = to_seconds(retry_delay, what=f"@flow {self.name!r}: {retry_delay_as}")
        self.__flowtop_flow__ = self
        #: Nodes the latest runs made, by key (see ``node``).
        self.known_nodes: dict[str, Node] = {}
        functools.update_wrapper(self, fn)

    def __get__(self, instance: object, owner: type | None = None) -> FlowFunction:
        """``@flow`` on a method or a classmethod: bound as Prefect 3 binds it (the
        instance, or the class, is the first argument of each call); read from the class,
        or wrapping a ``staticmethod``, it is the flow itself."""
        fn = bound_to(self.fn, instance, owner)
        if fn is None:
            return self
        bound = copy.copy(self)
        bound.fn = fn
        return bound

    #: Prefect 3's ``flow.parameters``: the function's ``ParameterSchema`` (an attribute);
    #: called, ``flow.parameters()``, flowtop's list of what ``--param`` can give it.
    parameters = ParametersAttribute()

    def with_options(self, **changes: Any) -> FlowFunction:
        """A copy with some options changed (Prefect 3's ``Flow.with_options``): an option
        given as None keeps this flow's value, and so does an empty list of hooks (as in
        Prefect: ``on_failure or self.on_failure_hooks``). Any option ``@flow`` takes."""
        kept: dict[str, Any] = {
            "name": self.name,
            "retries": self.retries,
            "retry_delay": self.retry_delay,
            "validate_parameters": self.should_validate_parameters,
            "flow_run_name": self.run_name,
            "timeout_seconds": self.timeout,
            **self.noted,
            **self.hooks,
        }
        if "retry_delay_seconds" in changes:  # Prefect's spelling of it
            changes["retry_delay"] = changes.pop("retry_delay_seconds")
        kept.update(
            (key, value)
            for key, value in changes.items()
            if value is not None and not (key in FLOW_HOOK_KINDS and not value)
        )
        return flow(self.fn, _flowtop_makes=type(self), **kept)  # a drop-in flow's copy is one

    def run_options(self) -> dict[str, Any]:
        """What each run of it does beyond its tasks, for ``flowtop list``: the options
        set (``retries`` and their delay, ``timeout_seconds``, ``flow_run_name``, the
        ``max_workers`` of its task runner) and its state hooks by name."""
        options: dict[str, Any] = {}
        if self.retries:
            options.update(retries=self.retries, retry_delay=self.retry_delay)
        if self.timeout is not None:
            options["timeout_seconds"] = self.timeout
        if self.run_name is not None:
            name = self.run_name
            options["flow_run_name"] = name if isinstance(name, str) else hook_name(name)
        if self.max_workers is not None:
            options["max_workers"] = self.max_workers
        hooks = {kind: [hook_name(h) for h in hooks] for kind, hooks in self.hooks.items() if hooks}
        if hooks:
            options["hooks"] = hooks
        return options

    def run_name_for(self, run: DynamicRun) -> str:
        """Prefect's ``flow_run_name`` for ``run`` ("" without one): ``run_names``."""
        return flow_run_name(self, run)

    def start_arguments(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        """The function called with ``parameters`` by name; one without a default must be
        among them (a run that flowtop starts has no other arguments to give)."""
        args, kwargs = call_for(
            self.fn, self.name, parameters, typed=self.should_validate_parameters
        )
        return {"args": args, "kwargs": kwargs}

    def node(self, key: str) -> Node | None:
        """The node a run made for ``key``, or one built from the task the key names.

        A ``@flow``'s graph is only known by running it, but its keys are ``name`` or
        ``name-N`` of a ``@task`` in the function's module: enough for the settings, the
        retry editor and the policy column before (or without) a run.
        """
        known = self.known_nodes.get(key)
        if known is not None:
            return known
        base, _, number = key.rpartition("-")
        name = base if base and number.isdigit() else key
        for value in getattr(self.fn, "__globals__", {}).values():
            if isinstance(value, Task) and value.name == name:
                return Node(key, value)
        return None

    def task_nodes(self) -> dict[str, Node]:
        """One node per ``@task`` the function names (itself, or a function of its module
        it calls; also ``tasks_module.extract``), keyed by task name, in the module's
        order: what ``flowtop list`` and the monitor can show of a graph that only exists
        while it runs. It listed every task of the module, for each of its flows."""
        module = getattr(unwrapped(self.fn), "__globals__", {})
        named = names_reached(unwrapped(self.fn), module)
        found = [value for name, value in module.items() if name in named]
        found += [
            task
            for value in found
            if isinstance(value, types.ModuleType)
            for name in named
            if isinstance(task := _attribute(value, name), Task)
        ]
        tasks: dict[str, Node] = {}
        for value in found:
            if isinstance(value, Task) and value.name not in tasks:
                tasks[value.name] = Node(value.name, value)
        return tasks

    def __enter__(self) -> Flow:
        raise TypeError(
            f"flow {self.name!r} is a @flow function: call it, don't use it in a with block"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the flow: inline inside another flow, else on a private runner (a plain script).

        ``return_state=True`` (Prefect 3) returns the run's outcome as a ``State``;
        ``wait_for=[futures]`` starts it once they are final (``flow_upstream``).
        """
        # in a flow body, or in a task attempt of a running flow (``flow_in_task``)
        parent = kwargs.pop("_flowtop_parent", None) or current_run() or enclosing_run()
        sync = kwargs.pop("_flowtop_sync", False)
        wait_for = kwargs.pop("wait_for", None)
        if parent is None:  # before ``return_state=True`` makes the refusal a Failed state
            refuse_run_at_import(self.name)
        if not sync:  # as Prefect: arguments the function cannot take start no run
            bind_call(self.fn, args, kwargs, self.bind_error)
        if not sync and self.is_generator:  # run as it is iterated, as in Prefect
            return iterate(self, parent, args, kwargs, wait_for)
        if self.is_async and not sync:  # a coroutine, as in Prefect (``flow_await``)
            return awaited_call(self, parent, args, kwargs, wait_for)
        failure = None if wait_for is None else upstream_failure(self.name, wait_for)
        if failure is not None:
            if kwargs.get("return_state"):
                return not_ready_state(failure)
            raise failure
        if parent is not None and not kwargs.get("return_state"):
            return self._child_run(parent, args, kwargs)
        if "return_state" in kwargs:
            if not kwargs.pop("return_state"):
                return self(*args, **kwargs)
            refuse_unfillable(self, args, kwargs)  # raised, as in Prefect: not a state
            return state_of_call(
                lambda: self(*args, _flowtop_parent=parent, _flowtop_sync=True, **kwargs)
            )
        if current_run() is not None:
            return self.fn(*args, **kwargs)
        run, runner = self.start_call(None, args, kwargs)
        assert runner is not None  # a private one: no parent run
        with runner:
            result = run.final_result()
        return self.outcome(result, subflow=False)

    def _child_run(self, parent: FlowRun, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """A flow called inside a running flow: the parent waits for its run's outcome (its
        body does; or its task attempt, which lends its worker meanwhile: ``flow_in_task``)."""
        with engine_code():  # from the user's code: not interrupted halfway (``call_guard``)
            if current_run() is None:
                return self.outcome(run_in_attempt(self, parent, args, kwargs), subflow=True)
            run, _ = self.start_call(parent, args, kwargs)
            return self.outcome(run.final_result(), subflow=True)

    def start_call(
        self, parent: FlowRun | None, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[DynamicRun, Runner | None]:
        """Start the run of a call; return it, with the runner to shut down once it ended.

        Called in a running flow (``parent``), a run of its own on the same runner (its own
        row in the TUI and history, its own retries), and no runner to shut down. Each
        subflow runs on a thread of its own, so Python's recursion limit never stops a flow
        that calls itself with no end: ``MAX_NESTING`` does, where it is called. Otherwise
        (a script), a run on a private runner. A ``flow_run_name`` the call cannot fill
        starts none (``run_names``)."""
        refuse_unfillable(self, args, kwargs)
        if parent is not None:
            refuse_when_cut_short(self, parent)
            if _nesting(parent) >= MAX_NESTING:
                raise RecursionError(
                    f"flow {self.name!r}: subflow runs nested {MAX_NESTING} deep; does a flow "
                    "call itself with no end?"
                )
            args, kwargs = plain_inputs(
                args, kwargs, self.fn
            )  # its parameters are values, as in Prefect
            run = start_subflow(self, parent, args, kwargs)  # a rerun's: of its source's
            assert isinstance(run, DynamicRun)  # a FlowFunction always starts one
            cut_short_meanwhile(parent, run)
            return run, None
        runner = Runner()
        runner.echo_output = True  # no monitor: a task's prints go where a script's go
        try:
            mine = runner.start(self, args=args, kwargs=kwargs)
        except BaseException:
            runner.shutdown()
            raise
        assert isinstance(mine, DynamicRun)
        return mine, runner

    def outcome(self, result: RunResult, *, subflow: bool) -> Any:
        """What a call gives of its run's end: the function's own outcome, as in Prefect (a
        task failure it handled does not fail the call)."""
        final_states.tell(result.run_id)  # ``Skipped``, ``TimedOut`` for ``return_state``
        if result.error is not None:
            raise result.error
        if result.state is StateType.CANCELLED and not cancelled_group(result.value):
            kind = "subflow" if subflow else "flow"
            raise RunCancelled(f"{kind} {self.name!r} run #{result.number} was cancelled")
        return result.value

    # -- running --------------------------------------------------------------------
    def make_run(self, runner: Runner, number: int, run_id: str, options: RunOptions) -> DynamicRun:
        """A run of the function (see ``Flow.make_run``); ``options.reuse`` has no meaning
        here, a ``cache`` of completed calls does that work."""
        return DynamicRun(
            runner,
            self,
            number,
            args=options.args,
            kwargs=options.kwargs,
            cache=options.cache,
            rerun_of=options.rerun_of,
            default_max_retries=options.default_max_retries,
            flow_attempt=options.flow_attempt,
            run_id=run_id,
            start_delay=options.start_delay,
            parameters=options.parameters,
        )

    def rerun_plan(self, source: RunResult, key: str | None = None) -> dict[str, Any]:
        """Rerun by replaying the function with a cache of the calls that completed.

        The graph of a ``@flow`` is only known by running it: rerunning ``key`` reruns
        that call, and everything fed by it misses the cache, since its inputs change.
        Its subflow calls rerun the source's matching subflow runs (``subflow_reruns``).
        ``key`` may be a call the code added since (``add-2``: a second ``add``).
        """
        if key is not None and key not in source.states and self.node(key) is None:
            raise KeyError(f"run #{source.number} of {self.name!r} has no task {key!r}")
        return {
            "cache": rerun_calls(source, exclude=[] if key is None else [key]),
            # the same call again: a flow with parameters reruns with the source's
            "args": source.args,
            "kwargs": dict(source.kwargs),
        }

    def __repr__(self) -> str:
        return f"<@flow {self.name!r}>"


#: Prefect options that change nothing (given back by ``PrefectFlowAttributes``, but a
#: ``persist_result``: flowtop persists no flow result).
_IGNORED_FLOW_OPTIONS = frozenset({"log_prints", "description", "version", "persist_result"})
#: Every option ``@flow`` takes, for the message that refuses another.
_FLOW_OPTIONS = (
    "name",
    "retries",
    "retry_delay",
    "retry_delay_seconds",
    "validate_parameters",
    "flow_run_name",
    "task_runner",
    "timeout_seconds",
    *FLOW_HOOK_KINDS,
    *sorted(_IGNORED_FLOW_OPTIONS),
)
_UNSUPPORTED_FLOW_OPTIONS = frozenset(
    {"result_storage", "result_serializer", "cache_result_in_memory"}
)


@overload
def flow(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    retries: int | None = None,
    retry_delay: float | timedelta | None = None,
    retry_delay_seconds: float | None = None,
    validate_parameters: bool = True,
    **prefect_options: Any,
) -> FlowFunction: ...
@overload
def flow(
    fn: None = None,
    *,
    name: str | None = None,
    retries: int | None = None,
    retry_delay: float | timedelta | None = None,
    retry_delay_seconds: float | None = None,
    validate_parameters: bool = True,
    **prefect_options: Any,
) -> Callable[[Callable[..., Any]], FlowFunction]: ...


def flow(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    retries: int | None = None,
    retry_delay: float | timedelta | None = None,
    retry_delay_seconds: float | None = None,
    validate_parameters: bool = True,
    **prefect_options: Any,
) -> FlowFunction | Callable[[Callable[..., Any]], FlowFunction]:
    """Make a flow of a function: ``@flow`` or ``@flow(name=..., retries=..., retry_delay=...)``.

    ``retry_delay`` is seconds or a ``timedelta``; Prefect's ``retry_delay_seconds`` is an alias.
    ``validate_parameters=False`` (Prefect's) passes parameters given by name as they
    are, not made their annotated types. Prefect's ``flow_run_name``, ``task_runner``,
    ``timeout_seconds`` and state hooks (``on_failure=[...]``, see ``flow_hooks``) work
    as in Prefect; its ``log_prints``, ``description``, ``version`` and ``persist_result``
    are accepted and change nothing (the first three are read back as the flow's
    attributes: ``prefect_attributes``); other Prefect options are refused, but given as
    Prefect's default (``result_storage=None``, ``option_checks.prefect_default``).
    """
    makes: type[FlowFunction] = prefect_options.pop("_flowtop_makes", FlowFunction)  # drop-in's
    task_runner = prefect_options.pop("task_runner", None)
    max_workers = max_workers_of(task_runner)
    noted = {
        k: v for k, v in prefect_options.items() if k in ("description", "version", "log_prints")
    }
    if task_runner is not None:
        noted["task_runner"] = task_runner
    given_hooks = {kind: prefect_options.pop(kind, None) for kind in FLOW_HOOK_KINDS}
    hooks = {
        kind: check_hooks(kind, given, decorator="flow")
        for kind, given in given_hooks.items()
        if given is not None
    }
    # "@flow", with the flow's name when it is known yet, as FlowFunction's own messages
    owner = "@flow" if fn is None and name is None else f"@flow {flow_name(fn, name)!r}"
    # (checked naming the flow; another library's numbers as Python's: ``plain_numbers``)
    given_timeout = plain_numbers(prefect_options.pop("timeout_seconds", None))
    retry_delay, retry_delay_seconds = (
        plain_numbers(retry_delay),
        plain_numbers(retry_delay_seconds),
    )
    run_name = prefect_options.pop("flow_run_name", None)
    if run_name is not None and not (isinstance(run_name, str) or callable(run_name)):
        raise TypeError(
            f"Expected string or callable for 'flow_run_name'; got {type(run_name).__name__} instead."
        )
    for key, value in prefect_options.items():
        if key in _UNSUPPORTED_FLOW_OPTIONS:  # but as Prefect's default (``prefect_default``)
            if not prefect_default(key, value):
                raise TypeError(f"{owner}: Prefect option {key!r} is not available in flowtop")
        elif key not in _IGNORED_FLOW_OPTIONS:
            raise TypeError(
                f"{owner}: unknown option {key!r}{did_you_mean(key, _FLOW_OPTIONS)}; "
                f"valid options: {', '.join(_FLOW_OPTIONS)}"
            )
    if retry_delay is not None and retry_delay_seconds is not None:
        raise TypeError(f"{owner}: 'retry_delay_seconds' and 'retry_delay' both given; use one")
    delay = retry_delay if retry_delay is not None else (retry_delay_seconds or 0)

    def make(func: Callable[..., Any]) -> FlowFunction:
        own = noted
        if isinstance(task_runner, type):  # the class: one instance per flow, as Prefect's
            own = {**noted, "task_runner": task_runner()}
        return makes(
            func,
            name=name,
            retries=retries,
            retry_delay=delay,
            validate_parameters=validate_parameters,
            max_workers=max_workers,
            run_name=run_name,
            hooks=hooks,
            timeout=flow_timeout(given_timeout, f"@flow {flow_name(func, name)!r}"),
            noted=own,
            retry_delay_as="retry_delay_seconds" if retry_delay is None else "retry_delay",
        )

    return make(fn) if fn is not None else make


def flow_name(fn: Callable[..., Any] | None, name: str | None) -> str:
    """A ``@flow``'s name: ``name=``, else its function's with each ``_`` made ``-``."""
    return name or getattr(fn, "__name__", "flow").replace("_", "-")


__all__ = [
    "DynamicRun",
    "FlowFunction",
    "InlineFuture",
    "RunCancelled",
    "TaskFuture",
    "UpstreamFailed",
    "cache_of",
    "current_run",
    "flow",
    "input_hash",
    "map_calls",
    "resolve_return",
    "submit",
]


def _attribute(module: types.ModuleType, name: str) -> Any:
    """``module.name``, or None: a name the function uses is often no attribute of a
    module it also uses, and a module's ``__getattr__`` may raise anything for it (a
    lazy import, drop-in's ``prefect.runtime``), which listing its tasks never reports."""
    try:
        return getattr(module, name, None)
    except Exception:  # noqa: BLE001 - not a task, whatever the module says
        return None


def names_reached(fn: Any, module: Mapping[str, Any], depth: int = 3) -> set[str]:
    """The global names ``fn``'s code uses, with those of the functions of ``module`` it
    calls by name (a few calls deep) and of its nested code (comprehensions, lambdas)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return set()
    names: set[str] = set()
    pending = [code]
    while pending:
        each = pending.pop()
        names.update(each.co_names)
        pending.extend(c for c in each.co_consts if isinstance(c, types.CodeType))
    if depth:
        for name in list(names):
            value = module.get(name)
            if isinstance(value, types.FunctionType) and value.__globals__ is module:
                names |= names_reached(value, module, depth - 1)
    return names
