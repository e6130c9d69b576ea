"""``@task``: wrap a function with its retry options, checked at definition time."""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, NoReturn, overload

from .aloop import running_loop
from .binding import bound_to, unwrapped
from .caching import caching_of
from .calls import calling_run, map_calls, plain_inputs, submit, wait_all
from .context import current_flow
from .delays import (
    MAX_JITTER,
    MAX_JITTER_TEXT,
    PrefectBackoff,
    finite_float,
)
from .errors import NotInFlowtop
from .hooks import check_hooks
from .inline import outcome, run_inline, run_inline_async
from .layers import Layer
from .option_checks import (
    check_option,
    name_problem,
    on_its_line,
    plain_numbers,
    policy_value,
    prefect_default,
    quoted_class_hint,
    unknown_options,
)
from .policy import POLICY_FIELDS, BudgetOption, RetryPolicy, never_retried
from .prefect_api import RetryCondition
from .prefect_attributes import PrefectTaskAttributes
from .prefect_delays import MAX_DELAYS as MAX_DELAYS  # (read here by workspace.settings)
from .prefect_delays import DelaysFor, NoDelays, PrefectDelays, prefect_delay, takes_delays
from .settings import task_defaults
from .task_runs import HOOK_KINDS, TaskExtras, check_run_name, make_extras
from .value_text import safe_repr

#: Prefect 3 options with Prefect's semantics (see ``policy.decide``, ``task_runs``).
PREFECT_OPTIONS = (
    "retry_condition_fn",
    "retry_jitter_factor",
    *HOOK_KINDS,
    "task_run_name",
    "tags",
)
#: Prefect 3's caching (``caching``): ``persist_result=True`` turns on its default policy;
#: a ``result_storage_key`` is the key itself, formatted for each call (``StorageKey``).
CACHE_OPTIONS = (
    "cache_policy",
    "cache_key_fn",
    "cache_expiration",
    "refresh_cache",
    "persist_result",
    "result_storage_key",
)
TASK_OPTIONS = ("name", *POLICY_FIELDS, *PREFECT_OPTIONS, *CACHE_OPTIONS)
#: Prefect 2/3 spellings accepted as aliases.
ALIASES = {
    "retries": "max_retries",
    "retry_delay_seconds": "retry_delay",
    "timeout_seconds": "timeout",
}
#: Prefect options that change nothing in flowtop (prints are captured anyway;
#: descriptions and versions are not shown; ``viz_return_value`` only feeds Prefect's
#: ``flow.visualize()``, which flowtop has not): accepted so Prefect files run unchanged,
#: and kept to be read back (``PrefectTaskAttributes``).
IGNORED_OPTIONS = ("log_prints", "description", "version", "viz_return_value")
#: Prefect options flowtop does not implement: refused at definition (import) time, unless
#: given as Prefect's default (``result_storage=None``: ``option_checks.prefect_default``).
UNSUPPORTED_OPTIONS = (
    "cache_result_in_memory",
    "result_storage",
    "result_serializer",
    "on_commit",
    "on_rollback",
    "asset_deps",
)
#: Every option name a task knows, taken or refused as not in flowtop.
_NAMED = frozenset((*TASK_OPTIONS, *ALIASES, *IGNORED_OPTIONS, *UNSUPPORTED_OPTIONS))


def _call_shape(fn: Callable[..., Any]) -> tuple[inspect.Signature | None, int]:
    """``fn``'s signature (None when it has none to read), and how many positional
    arguments it takes when that is all it takes (-1 otherwise): those calls need no bind."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None, -1
    plain = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    params = signature.parameters.values()
    simple = all(p.kind in plain and p.default is p.empty for p in params)
    return signature, len(signature.parameters) if simple else -1


class Task(PrefectTaskAttributes):
    """A function plus its retry policy. Calling it inside ``with Flow(...)`` adds a node.
    Prefect's other attributes (``description``, ``cache_policy``, …): the mixin's."""

    #: ``.map()`` by Prefect 3's rule (``map_rules``), as a drop-in task maps: any iterable
    #: but a str, bytes or file, a dict giving its keys. False: lists, tuples and ranges.
    maps_as_prefect: ClassVar[bool] = False
    #: A ``sys.exit()`` in it crashes its run, as in Prefect 3 (``errors.crashes``).
    crashes_as_prefect: ClassVar[bool] = False
    #: The options an unknown one's message lists and suggests first: a drop-in task's
    #: are Prefect's names (``retry`` suggests ``retries``, not flowtop's ``retry_on``).
    option_names: ClassVar[tuple[str, ...]] = TASK_OPTIONS

    def __init__(self, fn: Callable[..., Any], *, name: str | None = None, **options: Any) -> None:
        if not callable(fn) and not isinstance(fn, classmethod):
            raise TypeError(f"@task needs a function, got {type(fn).__name__} {fn!r}")
        self.fn = fn
        self.name = name or getattr(fn, "__name__", None) or type(fn).__name__
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"task name must be a non-empty string, got {self.name!r}")
        if (problem := name_problem("task name", self.name)) is not None:  # names reach terminals
            raise ValueError(problem)
        # ``Task(fn=f, retries=1)``, as Prefect code builds one, reads as ``@task`` does
        spelled = _budget_option(options)  # (as written: resolving names it max_retries)
        options = _resolve_options(f"task {self.name!r}", options, self.option_names)
        for key, value in task_defaults().items():  # Prefect's settings, when set
            if options.get(key) is None:  # the delay setting is Prefect's retry_delay_seconds
                options[key] = prefect_delay(value) if key == "retry_delay" else value
        delays, retries = options.get("retry_delay"), options.get("max_retries") or 0
        if isinstance(delays, DelaysFor) and isinstance(retries, int) and retries >= 0:
            # once, with the retries, as Prefect does (a bad count: build_policy says so)
            options["retry_delay"] = delays.delays(retries, self.name)
        self.options = MappingProxyType(dict(options))
        #: Prefect's ``tags=``, a set as Prefect's (``t.tags.add("db")`` tags later calls).
        self.tags: set[str] = set(options.get("tags") or ())
        self.policy = build_policy(self.name, options, budget_option=spelled)
        if options.get("retry_condition_fn") is not None:
            condition = RetryCondition(options["retry_condition_fn"], self)
            self.policy = self.policy.with_values(Layer.TASK, retry_condition_fn=condition)
        functools.update_wrapper(self, fn)
        #: ``async def``: attempts run on the event loop; in async code a call is awaited.
        plain = unwrapped(fn)
        self.is_async = inspect.iscoroutinefunction(plain)
        #: A generator function (sync or async): a call gives a generator (``generators``).
        self.is_generator = inspect.isgeneratorfunction(plain) or inspect.isasyncgenfunction(plain)
        if self.is_generator and self.policy.timeout is not None:
            raise TypeError(
                f"task {self.name!r}: a generator task cannot have a timeout in flowtop"
            )
        try:
            self._hooks = {
                kind: check_hooks(kind, options[kind])
                for kind in HOOK_KINDS
                if options.get(kind) is not None
            }
            self._run_name = check_run_name(options.get("task_run_name"))
        except TypeError as exc:
            raise TypeError(f"task {self.name!r}: {exc}") from None
        #: Hooks and task_run_name (``task_runs``); None for a task with neither.
        self.extras: TaskExtras | None = make_extras(self._hooks, self._run_name)
        #: Its cache policy and expiration (``caching``); None: every call runs.
        self.caching = caching_of(options, f"task {self.name!r}")
        self._signature, self._arity = _call_shape(fn)

    def __get__(self, instance: object, owner: type | None = None) -> Task:
        """``@task`` on a method: read from an instance, the task is a copy bound to it,
        as Prefect 3 binds one (``Loader("sales").load(rows)`` passes the instance as
        ``self``; it said "missing a required argument: 'rows'"); over a ``classmethod``,
        to the class (``binding``). Read from the class, or over a ``staticmethod``, it is
        the task itself."""
        fn = bound_to(self.fn, instance, owner)
        if fn is None:
            return self
        bound = copy.copy(self)
        bound.fn = fn
        bound._signature, bound._arity = _call_shape(fn)
        return bound

    def check_call(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
        """Refuse arguments the function cannot take where the call is made, as Prefect
        binds a call's parameters first: a ``TypeError`` in the flow's own line, not one
        raised (and retried) inside every attempt."""
        if not kwargs and len(args) == self._arity:
            return  # the common call, ``f(x)`` of ``def f(x)``: nothing to bind
        if self._signature is not None:
            try:
                self._signature.bind(*args, **kwargs)
            except TypeError as exc:
                raise TypeError(f"task {self.name!r}: {exc}") from None

    def __call__(
        self, *args: Any, return_state: bool = False, wait_for: Any = None, **kwargs: Any
    ) -> Any:
        """In ``with Flow(...)``: add a node. In a running ``@flow`` (``calling_run``): run
        it, retries included, and return its result. Anywhere else (a script, another
        task, a plain thread): run it here, retries included. ``return_state=True`` returns its final ``State`` instead
        of raising; ``wait_for`` lists futures to finish first (Prefect 3)."""
        self.check_call(args, kwargs)
        flow = current_flow()
        if self.is_generator and flow is None:
            return self._generate(args, kwargs, return_state, wait_for)
        if flow is not None:
            if return_state or wait_for is not None:
                raise TypeError(
                    f"task {self.name!r}: return_state= and wait_for= work in @flow functions, "
                    "not in a with Flow(...) block (use upstream_tasks there)"
                )
            if self.is_generator and inspect.isasyncgenfunction(unwrapped(self.fn)):
                raise TypeError(
                    f"task {self.name!r} is an async generator: a with Flow(...) block cannot "
                    "collect its values; iterate it in an async @flow (async for value in "
                    f"{self.name}(...))"
                )
            # a generator task's node collects its values, retried from the start, as its
            # ``.submit()`` does (it returned the generator, unrun, to the next task)
            return flow.add_call(self._submitted(), args, kwargs, bound=True)  # bound above
        run = calling_run()
        if run is not None:
            future = run.submit_call(self, args, kwargs, wait_for=wait_for)
            if self.is_async and running_loop() is not None:
                return future.awaited(return_state)  # ``await task(...)`` in an async flow
            return future.final_state() if return_state else future.called()
        if wait_for is not None:
            wait_all(wait_for)
        args, kwargs = plain_inputs(args, kwargs, self.fn)
        if self.is_async:  # as in Prefect: a coroutine, to await
            return run_inline_async(self, args, kwargs, return_state)
        return outcome(run_inline(self, args, kwargs), return_state)

    def _generate(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], return_state: bool, wait_for: Any
    ) -> Any:
        """A generator task's call: a generator over its values, retries included."""
        if return_state:  # Prefect's own check
            raise ValueError("The return_type for a generator task must be 'result'")
        if wait_for is not None:
            wait_all(wait_for)
        from .generators import arun_generator, run_generator

        if inspect.isasyncgenfunction(self.fn):
            return arun_generator(self, args, kwargs)
        return run_generator(self, args, kwargs)

    def submit(
        self, *args: Any, wait_for: Any = None, return_state: bool = False, **kwargs: Any
    ) -> Any:
        """Start the task and return a ``TaskFuture`` at once: a node of the running
        ``@flow``, or outside any flow a call on a thread of its own, retries included;
        with ``return_state``, its final state once final (as Prefect)."""
        future = submit(self._submitted(), args, kwargs, wait_for=wait_for)
        if not return_state:
            return future
        future.wait()
        return future.state

    def _submitted(self) -> Task:
        """What ``.submit()`` and ``.map()`` run: a generator task collects its values into
        a list (``generators.listed``), any other is itself."""
        if not self.is_generator:
            return self
        from .generators import listed

        return listed(self)

    def map(
        self, *args: Any, wait_for: Any = None, return_state: bool = False, **kwargs: Any
    ) -> list[Any]:
        """Inside a running ``@flow``: one submitted call per item of the mapped arguments
        (``map_rules``; ``unmapped(x)`` is passed whole to every call), as a ``PrefectFutureList``; with
        ``return_state``, each call's final state once all are final (as Prefect)."""
        futures = map_calls(self._submitted(), args, kwargs, wait_for=wait_for)
        if not return_state:
            return futures
        futures.wait()
        return [future.state for future in futures]

    def delay(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Prefect's background task run, for a task worker to pick up."""
        raise NotInFlowtop(f"{self.name}.delay() (a background task run)")

    def apply_async(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Prefect's background task run, for a task worker to pick up."""
        raise NotInFlowtop(f"{self.name}.apply_async() (a background task run)")

    def serve(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Prefect's task worker."""
        raise NotInFlowtop(f"{self.name}.serve() (a task worker)")

    def with_options(self, **kwargs: Any) -> Task:
        """A copy with some options changed (Prefect 3's ``Task.with_options``); an option
        given as None keeps this task's value, and so does an empty list of hooks (as in
        Prefect: ``on_failure or self.on_failure_hooks``)."""
        owner = f"task {self.name!r}.with_options"
        changes = _resolve_options(owner, kwargs, self.option_names)
        name = changes.pop("name", None)
        options = dict(self.options)
        options.update({kind: list(hooks) for kind, hooks in self._hooks.items()})
        keep = {k for k in HOOK_KINDS if changes.get(k) is not None and not changes[k]}
        options.update({k: v for k, v in changes.items() if v is not None and k not in keep})
        if isinstance(options.get("retry_delay"), NoDelays) and changes.get("retry_delay") is None:
            del options["retry_delay"]  # None, as Prefect's copy reads it: the default delay
        backoff = isinstance(options.get("retry_delay"), PrefectBackoff)
        if backoff and changes.get("retry_delay") is None:
            # Prefect's copy gets the list made for this task's retries, not the backoff: a
            # copy with more retries repeats its last delay. (A list holding a delay flowtop
            # refuses, too long, keeps the backoff: it fails only at a retry that long.)
            listed = PrefectDelays(self.retry_delay_seconds)
            if not listed or takes_delays(listed):
                options["retry_delay"] = listed
        if (
            _budget_option(kwargs, self.policy.budget_option) == "retries"
            and "max_retries" in options
        ):
            options["retries"] = options.pop("max_retries")  # its reasons say it as written
        # its own class: a drop-in task's copy keeps having no ``Retry`` budget
        return type(self)(self.fn, name=name or self.name, **options)

    # -- Prefect 3's hook decorators: ``@my_task.on_failure`` ----------------------------
    def _add_hook(self, kind: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        check_hooks(kind, [fn])
        self._hooks.setdefault(kind, []).append(fn)
        self.extras = make_extras(self._hooks, self._run_name)
        return fn

    def on_completion(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return self._add_hook("on_completion", fn)

    def on_failure(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return self._add_hook("on_failure", fn)

    def on_running(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return self._add_hook("on_running", fn)

    @property
    def on_completion_hooks(self) -> list[Callable[..., Any]]:
        return list(self._hooks.get("on_completion", ()))

    @property
    def on_failure_hooks(self) -> list[Callable[..., Any]]:
        return list(self._hooks.get("on_failure", ()))

    @property
    def on_running_hooks(self) -> list[Callable[..., Any]]:
        return list(self._hooks.get("on_running", ()))

    @property
    def task_run_name(self) -> Any:
        return self._run_name

    @property
    def isasync(self) -> bool:
        return self.is_async or inspect.isasyncgenfunction(self.fn)

    @property
    def isgenerator(self) -> bool:
        return self.is_generator

    # -- Prefect 3's attribute names: read-only views of the options ---------------------
    @property
    def retries(self) -> int:
        return int(self.options.get("max_retries") or 0)

    @property
    def retry_delay_seconds(self) -> Any:
        """As given (seconds, a list, flowtop's ``attempt -> seconds`` callable); 0 when not
        given. Prefect's ``exponential_backoff(backoff_factor=…)`` reads back as Prefect
        does: the list it made for the task's retries (``[2, 4, 8]`` for 3 retries); a
        callable ``retry_delay_seconds`` that returned None, as None."""
        delay = self.options.get("retry_delay")
        if isinstance(delay, PrefectBackoff):
            return delay(self.retries)
        if isinstance(delay, NoDelays):
            return None
        return 0 if delay is None else delay

    @property
    def timeout_seconds(self) -> Any:
        return self.options.get("timeout")

    @property
    def retry_jitter_factor(self) -> Any:
        return self.options.get("retry_jitter_factor")

    @property
    def retry_condition_fn(self) -> Any:
        return self.options.get("retry_condition_fn")

    def __repr__(self) -> str:
        return f"<Task {self.name}>"


def _check_retry_on(name: str, retry_on: Any) -> tuple[type[BaseException], ...]:
    items: Iterable[Any] = (
        retry_on if isinstance(retry_on, list | tuple | set | frozenset) else (retry_on,)
    )
    checked = []
    for item in items:
        if not (isinstance(item, type) and issubclass(item, BaseException)):
            raise TypeError(
                f"task {name!r}: retry_on must hold exception classes, got {type(item).__name__} {item!r}"
                + quoted_class_hint(item)
            )
        why_not = never_retried(item)
        if why_not is not None:
            raise TypeError(f"task {name!r}: retry_on: {why_not}")
        checked.append(item)
    return tuple(checked)


def build_policy(
    name: str, options: dict[str, Any], *, budget_option: BudgetOption = "max_retries"
) -> RetryPolicy:
    """Validate ``@task`` options (naming the task and the option) into a policy;
    ``budget_option``: how the code spelled ``max_retries`` (``_budget_option``)."""
    values: dict[str, Any] = {}
    checking = "max_retries"  # the option being checked, to name the line it is on
    try:
        if options.get("max_retries") is not None:
            values["max_retries"] = _policy_value("max_retries", options["max_retries"])
        checking = "retry_delay"
        if options.get("retry_delay") is not None:
            try:
                values["retry_delay"] = _policy_value("retry_delay", options["retry_delay"])
            except TypeError as exc:  # Prefect's word, so code matching on it still matches
                detail = str(exc).removeprefix("retry_delay ")  # not "retry_delay" twice
                raise TypeError(f"Invalid retry_delay: {detail}") from None
        checking = "retry_on"
        if options.get("retry_on") is not None:
            values["retry_on"] = _check_retry_on(name, options["retry_on"])
        checking = "retry_predicate"
        if options.get("retry_predicate") is not None:
            if not callable(options["retry_predicate"]):
                raise TypeError(
                    f"retry_predicate must be callable, got {options['retry_predicate']!r}"
                )
            values["retry_predicate"] = options["retry_predicate"]
        checking = "retry_condition_fn"
        condition = options.get("retry_condition_fn")
        if condition is not None and not callable(condition):
            raise TypeError(
                "retry_condition_fn must be callable (task, task_run, state) -> bool, "
                f"got {type(condition).__name__}"
            )
        for checking, rule in _JITTER_RULES:
            if options.get(checking) is not None:
                jitter = finite_float(options[checking])
                if jitter is None or jitter < 0:
                    raise ValueError(f"{rule}, got {safe_repr(options[checking])}")
                if checking == "retry_jitter" and jitter > MAX_JITTER:
                    raise ValueError(
                        f"retry_jitter must be at most {MAX_JITTER_TEXT}, "
                        f"got {safe_repr(options[checking])}"
                    )
                values[checking] = jitter
        for key in ("retry_deadline", "timeout"):
            checking = key
            if options.get(key) is not None:
                values[key] = _policy_value(key, options[key])
    except (TypeError, ValueError) as exc:
        message = str(exc)
        if not message.startswith(f"task {name!r}"):
            message = f"task {name!r}: {message}"
        raise type(exc)(on_its_line(message, f"task {name!r}", _spellings(checking))) from None
    policy = RetryPolicy(budget_option=budget_option)
    return policy.with_values(Layer.TASK, **values) if values else policy


#: The jitter options, each with what its value must be (``retry_jitter_factor``'s in
#: Prefect's words).
_JITTER_RULES = (
    ("retry_jitter", "retry_jitter must be a finite number >= 0"),
    ("retry_jitter_factor", "`retry_jitter_factor` must be >= 0 (a finite number)"),
)


def _policy_value(option: str, value: Any, canonical: str | None = None) -> Any:
    """``value`` of ``option`` (as written; ``canonical``: the name it means, when another)
    as the policy holds it, or refused naming ``option`` (``option_checks.policy_value``).
    Prefect's empty list of delays (``[]``, a backoff for no retries) is no delay."""
    if isinstance(value, PrefectDelays) and not value:
        return 0.0
    return policy_value(option, canonical or option, value)


def _spellings(option: str) -> set[str]:
    """``option`` and the aliases that mean it (``max_retries``, ``retries``)."""
    return {option, *(alias for alias, meant in ALIASES.items() if meant == option)}


def _budget_option(given: Mapping[str, Any], before: BudgetOption = "max_retries") -> BudgetOption:
    """How ``given``, a task's options as written, spells its retry budget: Prefect's
    ``retries`` or flowtop's ``max_retries``; ``before`` when it sets none (a
    ``with_options`` copy keeps its task's spelling)."""
    if given.get("retries") is not None:
        return "retries"
    if given.get("max_retries") is not None:
        return "max_retries"
    return before


def _resolve_options(owner: str, kwargs: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """``kwargs`` by their canonical names; a refused one names the line it is written on
    when the ``@task(`` runs over several lines. Unknown ones are all named at once, each
    with the closest of ``names`` (the task's ``option_names``), else of flowtop's."""
    unknown = [key for key in kwargs if key not in _NAMED]
    if unknown:
        said = unknown_options(owner, unknown, names, (*names, *ALIASES), TASK_OPTIONS)
        raise TypeError(on_its_line(said, owner, {unknown[0]}))
    options: dict[str, Any] = {}
    for key, value in kwargs.items():
        try:
            _resolve_option(owner, key, value, options)
        except (TypeError, ValueError) as exc:
            raise type(exc)(on_its_line(str(exc), owner, {key})) from None
    return options


def _resolve_option(owner: str, key: str, value: Any, options: dict[str, Any]) -> None:
    """Put option ``key`` into ``options`` by its canonical name, or refuse it."""
    canonical = ALIASES.get(key, key)
    value = plain_numbers(value, whole=canonical == "max_retries")  # np.int64(3): 3
    if key in IGNORED_OPTIONS:  # kept only to be read back
        options[key] = value
        return
    if key in UNSUPPORTED_OPTIONS:
        if prefect_default(key, value):  # ``result_storage=None``: Prefect's default, kept
            return
        raise TypeError(f"{owner}: Prefect option {key!r} is not available in flowtop")
    if canonical in options and options[canonical] is not None and value is not None:
        alias = key if key != canonical else next(a for a in ALIASES if ALIASES[a] == key)
        raise TypeError(f"{owner}: {alias!r} and {canonical!r} both given; use one")
    # as written, its type and its value (retries='3' and retries=-1 name retries);
    # with_options passes on a DelaysFor made here, checked once it gives its delays
    try:
        if not isinstance(value, DelaysFor):
            check_option(key, canonical, value)
        if key == "retry_delay_seconds":
            value = prefect_delay(value)
        if value is not None and not isinstance(value, DelaysFor):
            _policy_value(key, value, canonical)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{owner}: {exc}") from None
    if value is not None or canonical not in options:
        options[canonical] = value


class TaskDecorator:
    """``@task``: make a task, bare (``@task``) or with options (``@task(max_retries=3)``).

    Options: ``name, max_retries, retry_delay, retry_on, retry_predicate, retry_jitter,
    retry_deadline, timeout``; Prefect's ``retries``, ``retry_delay_seconds``,
    ``timeout_seconds``, ``retry_condition_fn``, ``retry_jitter_factor``, the state hooks
    ``on_running``, ``on_completion``, ``on_failure`` and ``task_run_name`` too.

    A class, not a function, so that drop-in ``prefect.task`` (``compat.prefect_tasks``),
    which makes a ``DropInTask``, shares its one set of typed overloads: it sets
    ``makes`` and says what it is in its own docstring.
    """

    #: The ``Task`` class it makes (its options read by ``Task.__init__``).
    makes: ClassVar[type[Task]] = Task

    @overload
    def __call__(self, fn: Callable[..., Any], **kwargs: Any) -> Task: ...
    @overload
    def __call__(self, fn: None = None, **kwargs: Any) -> Callable[[Callable[..., Any]], Task]: ...

    def __call__(
        self, fn: Callable[..., Any] | None = None, **kwargs: Any
    ) -> Task | Callable[[Callable[..., Any]], Task]:
        def make(func: Callable[..., Any]) -> Task:
            return self.makes(func, **kwargs)  # which reads the options, Prefect's spellings too

        if fn is not None:
            return make(fn)
        return make

    def __repr__(self) -> str:
        return f"<task decorator making {self.makes.__qualname__}>"


task = TaskDecorator()
