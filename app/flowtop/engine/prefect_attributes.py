"""The attributes Prefect 3 code reads on a ``@flow`` and a ``@task``, and their hook
decorators: mixins of ``FlowFunction`` and ``Task``, kept here so those stay small.

Each answers what flowtop does, with Prefect's value for the same decorator arguments
where flowtop does the same (checked side by side with Prefect 3.9.1): ``description``
is the one given, else the function's docstring; a flow's ``version`` the one given, else
the md5 of its file (Prefect's ``file_hash``), a task's the one given (None); a task's
``cache_policy`` and ``persist_result`` are derived from its options by Prefect's rules,
which flowtop's caching follows (``caching.caching_of``), a ``result_storage_key`` among
them. A flow's ``persist_result`` is
None whatever it was given: flowtop persists no flow result, nor makes its tasks persist
theirs, as Prefect's does. ``log_prints`` is the value given (None): flowtop captures a
run's prints whatever it says.

Transactions (``@my_task.on_commit``, ``.on_rollback``) are refused with one line naming
the task; the loader names the line that asked for them, as for any import error.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import marshal
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from .binding import unwrapped
from .caching import DEFAULT, NO_CACHE, CacheKeyFnPolicy, CachePolicy, _None
from .errors import NotInFlowtop
from .hooks import Hook, check_hooks
from .parameters import call_for
from .task_runners import ThreadPoolTaskRunner

#: How many hex digits of the function's code hash a ``task_key`` ends with (Prefect's).
TASK_KEY_DIGITS = 8


class NoCachePolicy(_None):
    """A drop-in task's ``cache_policy=None`` (``@task`` or ``with_options``): no policy at
    all, as in Prefect, where a policy not given is ``DEFAULT``: its ``cache_policy`` reads
    None, and nothing is cached, even with ``persist_result=True``."""

    def describe(self) -> str:
        return "None"


#: The one a drop-in task's options keep (``compat.prefect_tasks``).
NO_POLICY = NoCachePolicy()


def file_version(fn: Callable[..., Any]) -> str | None:
    """Prefect's default flow ``version``: the md5 of the file defining ``fn`` (None for
    a function with no file: a REPL's, a built-in)."""
    try:
        source = inspect.getsourcefile(unwrapped(fn))
        if source is None:
            return None
        return _file_md5(source, Path(source).stat().st_mtime_ns)
    except (OSError, TypeError):
        return None


@functools.lru_cache(maxsize=256)
def _file_md5(path: str, modified: int) -> str:
    """Read once per version of a file (``modified``): a run's hooks and
    ``prefect.runtime`` may ask for it often, and the monitor reloads an edited flow."""
    return hashlib.md5(Path(path).read_bytes(), usedforsecurity=False).hexdigest()


def task_key_of(fn: Callable[..., Any]) -> str:
    """Prefect's ``task_key`` shape, ``<function name>-<8 hex digits of its code>``: the
    same for one implementation, another for two tasks of one name. (The digits are
    flowtop's hash of the code, not Prefect's.)"""
    plain = unwrapped(fn)
    qualname = getattr(plain, "__qualname__", None)
    if qualname is None:
        kind = type(plain)
        return f"{kind.__module__}.{kind.__qualname__}"
    # a callable object's own code when it is no function (as Prefect reads it)
    code = getattr(plain, "__code__", None)
    if code is None:
        call = vars(type(plain)).get("__call__")
        code = getattr(call, "__code__", None)
    try:
        digest = hashlib.md5(marshal.dumps(code), usedforsecurity=False).hexdigest()
    except ValueError:  # no code object that marshal takes
        digest = "unknown"
    return f"{qualname.split('.')[-1]}-{digest[:TASK_KEY_DIGITS]}"


class TransactionsNotAvailable(NotInFlowtop):
    """A Prefect transaction hook (``@my_task.on_rollback``): flowtop has no transactions,
    which ``prefect.transactions``, refused at import, would make."""

    def __init__(self, what: str) -> None:
        NotImplementedError.__init__(
            self, f"{what} is not available in flowtop: it has no transactions"
        )


def refuse_transaction_hook(task_name: str, kind: str) -> NoReturn:
    """``@my_task.on_commit`` / ``.on_rollback``: one line naming the task. Where the
    decorator was used is the traceback's line, which the flow file's loader puts first
    (``q.py:7: TransactionsNotAvailable: task 'write': …``), as for every refusal at a
    definition: said here too, the line read ``q.py:7: …: q.py:7: task 'write'``."""
    raise TransactionsNotAvailable(f"task {task_name!r}: @{task_name}.{kind}")


class VisualizeNotAvailable(NotInFlowtop):
    """``my_flow.visualize()`` called from Python (a ``__main__`` block's is read by
    ``flowtop run``, never called: ``entry_flows.DRAWING``): one line naming the flow,
    where there was none (an ``AttributeError``, or nothing drawn without a word)."""

    def __init__(self, flow_name: str) -> None:
        NotImplementedError.__init__(
            self,
            f"flow {flow_name!r}: .visualize() is not available in flowtop: Prefect's "
            "draws the flow's graph, and flowtop draws none; run the flow and watch its "
            "tasks in the monitor (flowtop)",
        )


class _ResultDefaults:
    """Prefect's result options as a task or a flow reads them back: always their defaults,
    the only values flowtop takes (``option_checks.prefect_default``): no storage and no
    serializer of Prefect's, every result kept in memory."""

    @property
    def result_storage(self) -> None:
        return None

    @property
    def result_serializer(self) -> None:
        return None

    @property
    def cache_result_in_memory(self) -> bool:
        return True


class PrefectTaskAttributes(_ResultDefaults):
    """Prefect's read-only ``Task`` attributes flowtop can answer, from the task's options,
    and its transaction decorators, refused."""

    fn: Callable[..., Any]
    name: str
    options: Mapping[str, Any]

    @property
    def description(self) -> str | None:
        return self.options.get("description") or inspect.getdoc(unwrapped(self.fn))

    @property
    def version(self) -> str | None:
        return self.options.get("version")

    @property
    def log_prints(self) -> bool | None:
        return self.options.get("log_prints")

    @property
    def viz_return_value(self) -> Any:
        """Prefect's stand-in result for ``flow.visualize()``: kept, never used."""
        return self.options.get("viz_return_value")

    @property
    def task_key(self) -> str:
        return task_key_of(self.fn)

    @property
    def cache_key_fn(self) -> Callable[..., Any] | None:
        return self.options.get("cache_key_fn")

    @property
    def cache_expiration(self) -> Any:
        return self.options.get("cache_expiration")

    @property
    def refresh_cache(self) -> bool | None:
        return self.options.get("refresh_cache")

    @property
    def result_storage_key(self) -> str | None:
        return self.options.get("result_storage_key")

    @property
    def cache_policy(self) -> CachePolicy | None:
        """Prefect's rule: ``NO_CACHE`` when ``persist_result=False``, a
        ``cache_key_fn``'s policy when given, else the one given, else ``DEFAULT`` (which
        caches only when results persist, as in Prefect: ``persist_result``); None with
        a ``result_storage_key``, which is the key instead, unless the policy is
        ``NO_CACHE`` (``caching.StorageKey``)."""
        key_fn = self.options.get("cache_key_fn")
        given = self.options.get("cache_policy")
        if key_fn is None and isinstance(given, NoCachePolicy):
            return None
        if self.options.get("persist_result") is False:
            return NO_CACHE
        policy = CacheKeyFnPolicy(key_fn) if key_fn is not None else given
        if self.options.get("result_storage_key"):
            return policy if isinstance(policy, _None) else None
        return DEFAULT if policy is None else policy

    @property
    def persist_result(self) -> bool | None:
        """As given; not given, True when a ``cache_policy`` (other than ``NO_CACHE``), a
        ``cache_key_fn`` or a ``result_storage_key`` asks for caching, as Prefect derives
        it, else None: flowtop keeps the results of exactly those tasks (``caching``)."""
        given = self.options.get("persist_result")
        if given is not None:
            return bool(given)
        policy = self.options.get("cache_policy")
        asks = policy is not None and not isinstance(policy, _None)
        keyed = self.options.get("cache_key_fn") is not None
        return True if asks or keyed or self.options.get("result_storage_key") else None

    def on_commit(self, fn: Callable[..., Any]) -> NoReturn:
        """Prefect's transaction hook: flowtop has no transactions."""
        refuse_transaction_hook(self.name, "on_commit")

    def on_rollback(self, fn: Callable[..., Any]) -> NoReturn:
        """Prefect's transaction hook: flowtop has no transactions."""
        refuse_transaction_hook(self.name, "on_rollback")


class PrefectFlowAttributes(_ResultDefaults):
    """Prefect's ``Flow`` attributes and hook decorators (``@my_flow.on_failure``), over
    what ``FlowFunction`` keeps."""

    fn: Callable[..., Any]
    name: str
    hooks: dict[str, list[Hook]]
    timeout: float | None
    retry_delay: float
    run_name: str | Callable[[], str] | None
    should_validate_parameters: bool
    #: ``FlowFunction``'s, known when it is made: a coroutine function; a generator
    #: function, sync or async.
    is_async: bool
    is_generator: bool
    #: Prefect options flowtop keeps only to give back (``description``, ``version``,
    #: ``log_prints``) and the ``task_runner`` object given.
    noted: dict[str, Any]

    def _add_hook(self, kind: str, fn: Hook) -> Hook:
        check_hooks(kind, [fn], decorator="flow")
        self.hooks[kind].append(fn)
        return fn

    def on_completion(self, fn: Hook) -> Hook:
        return self._add_hook("on_completion", fn)

    def on_failure(self, fn: Hook) -> Hook:
        return self._add_hook("on_failure", fn)

    def on_cancellation(self, fn: Hook) -> Hook:
        return self._add_hook("on_cancellation", fn)

    def on_crashed(self, fn: Hook) -> Hook:
        return self._add_hook("on_crashed", fn)

    def on_running(self, fn: Hook) -> Hook:
        return self._add_hook("on_running", fn)

    @property
    def on_completion_hooks(self) -> list[Hook]:
        return self.hooks["on_completion"]

    @property
    def on_failure_hooks(self) -> list[Hook]:
        return self.hooks["on_failure"]

    @property
    def on_cancellation_hooks(self) -> list[Hook]:
        return self.hooks["on_cancellation"]

    @property
    def on_crashed_hooks(self) -> list[Hook]:
        return self.hooks["on_crashed"]

    @property
    def on_running_hooks(self) -> list[Hook]:
        return self.hooks["on_running"]

    @property
    def timeout_seconds(self) -> float | None:
        return self.timeout

    @property
    def retry_delay_seconds(self) -> float:
        return self.retry_delay

    @property
    def flow_run_name(self) -> str | Callable[[], str] | None:
        return self.run_name

    @property
    def isasync(self) -> bool:
        """Prefect's: ``async def``, a coroutine function or an async generator's."""
        return self.is_async or (
            self.is_generator and inspect.isasyncgenfunction(unwrapped(self.fn))
        )

    @property
    def isgenerator(self) -> bool:
        """Prefect's: whether the function is a generator function, sync or async (its
        runs hand their values to the caller iterating them: ``flow_generators``)."""
        return self.is_generator

    @property
    def description(self) -> str | None:
        return self.noted.get("description") or inspect.getdoc(unwrapped(self.fn))

    @property
    def version(self) -> str | None:
        return self.noted.get("version") or file_version(self.fn)

    @property
    def log_prints(self) -> bool | None:
        return self.noted.get("log_prints")

    @property
    def persist_result(self) -> None:
        """None, as for a flow not given it: flowtop persists no flow result (see the
        module's doc)."""
        return None

    @property
    def task_runner(self) -> ThreadPoolTaskRunner:
        runner = self.noted.get("task_runner")  # (a class given was made one by ``flow``)
        return runner if isinstance(runner, ThreadPoolTaskRunner) else ThreadPoolTaskRunner()

    def validate_parameters(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        """Prefect's ``Flow.validate_parameters``, for flowtop's own ``@flow``: the
        parameters by name read as ``--param`` and the run form read them (each made the
        type the function declares, unless ``validate_parameters=False``), given back as
        Prefect's are: every parameter in the function's order, defaults added, ``*args``
        a list, ``**kwargs`` a dict. What does not fit raises ``ParameterError`` naming it,
        as ``flowtop run`` says it. (The option was this attribute once, a bool; it reads
        back as ``should_validate_parameters``. A drop-in flow's method is Prefect's own,
        pydantic's: ``compat.flow_validation``.)"""
        if not isinstance(parameters, Mapping):
            raise TypeError(
                f"validate_parameters of flow {self.name!r} takes a dict of parameters by "
                f"name, got {type(parameters).__name__}"
            )
        typed = self.should_validate_parameters
        args, kwargs = call_for(self.fn, self.name, parameters, typed=typed)
        try:
            signature = inspect.signature(self.fn)
        except (TypeError, ValueError):  # no signature to order them by: as read
            return dict(kwargs)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        made = dict(bound.arguments)
        for parameter in signature.parameters.values():
            if parameter.kind is parameter.VAR_POSITIONAL:  # a tuple to the call
                made[parameter.name] = list(made[parameter.name])
        return made

    def serve(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Prefect's long-lived process serving a deployment of the flow."""
        raise NotInFlowtop(f"flow {self.name!r}: .serve() (a deployment)")

    def deploy(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Prefect's deployment to a work pool."""
        raise NotInFlowtop(f"flow {self.name!r}: .deploy() (a deployment)")

    def to_deployment(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotInFlowtop(f"flow {self.name!r}: .to_deployment() (a deployment)")

    def visualize(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Prefect's drawing of the flow's graph (Graphviz, its tasks given stand-in
        values): flowtop draws none; a run's tasks are seen in the monitor."""
        raise VisualizeNotAvailable(self.name)
