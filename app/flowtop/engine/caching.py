"""Prefect 3's task caching: a task whose cache key was stored unexpired completes with the
stored result instead of running (``@task(cache_policy=INPUTS)``, ``cache_key_fn=…``).

A *policy* computes the key from the call (its inputs, the task's source, the flow's
parameters, the run's id; policies add up with ``+``, and ``INPUTS - "name"`` leaves an
argument out), as Prefect's ``prefect.cache_policies`` do. A *store* keeps the results
by key: :class:`MemoryCache` in a process (a flow called from a script), a folder of
files in the workspace for flowtop's runs (``workspace.result_cache``), so that a cache
outlives the process, as Prefect's local result storage does.

Caching is on only for a task that asks for it: a ``cache_policy`` or ``cache_key_fn``,
or ``persist_result=True`` (Prefect's ``DEFAULT`` policy: inputs, source and run id, so
a call repeated in one run is served from the first), or a ``result_storage_key`` (a
template of the key itself, :class:`StorageKey`, which replaces any other policy but
``NO_CACHE``, as in Prefect).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import string
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeAlias

from .delays import callable_name, fmt_seconds
from .option_checks import prefect_default
from .runtime_reads import RUNTIME
from .stable_pickle import stable_dumps
from .value_text import safe_repr

if TYPE_CHECKING:
    from .prefect_context import TaskRunContext

#: What a policy's key is made of: the attempt's context (None outside a run), the call's
#: arguments by parameter name, the flow run's parameters.
Context: TypeAlias = "TaskRunContext | None"
Params: TypeAlias = dict[str, Any]


def hash_objects(*objects: Any) -> str | None:
    """A stable hash of ``objects``: of their JSON when they have one (a pydantic model's
    is its ``model_dump(mode="json")``, as Prefect's, so its ``@model_serializer`` decides
    what is hashed), else of their pickle (cloudpickle for what pickle refuses); None when
    neither can be made."""
    try:
        data = json.dumps(objects, sort_keys=True, default=_model_json).encode()
    except (TypeError, ValueError):
        try:
            data = stable_dumps(objects)  # (a set's items in one order in every process)
        except Exception:  # noqa: BLE001 - a lambda, a local class: cloudpickle may manage
            try:
                import cloudpickle

                data = cloudpickle.dumps(objects, protocol=5)
            except Exception:  # noqa: BLE001 - a lock, a file: no stable bytes at all
                return None
    return hashlib.sha256(data).hexdigest()[:32]


def _model_json(value: Any) -> Any:
    """The JSON of a value ``json`` cannot write: a pydantic model's, written as Prefect's
    ``JSONSerializer`` writes it (its class's name and its dump); anything else has none."""
    pydantic = sys.modules.get("pydantic")  # (not imported: no value can be a model)
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        try:
            data = value.model_dump(mode="json")
        except Exception as exc:  # a field with no JSON: its pickle, then
            raise TypeError(type(value).__name__) from exc
        kind = type(value)
        return {"__class__": f"{kind.__module__}.{kind.__qualname__}", "data": data}
    raise TypeError(type(value).__name__)


class CachePolicy:
    """How a task's cache key is computed (Prefect 3's ``CachePolicy``).

    Plain classes, not dataclasses: ``import flowtop`` makes all of them, and a dataclass
    costs half a millisecond to make."""

    #: Prefect's options of where keys are kept and how they are locked (``configure``):
    #: its defaults, the only ones flowtop has.
    key_storage: None = None
    lock_manager: None = None
    isolation_level: None = None

    def compute_key(
        self,
        task_ctx: TaskRunContext | None,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        """Prefect's signature; each policy answers in ``_key``."""
        return self._key(task_ctx, inputs, flow_parameters)

    def _key(self, task_ctx: Context, inputs: Params, flow_parameters: Params) -> str | None:
        raise NotImplementedError

    def __add__(self, other: CachePolicy) -> CachePolicy:
        if isinstance(other, _None):
            return self
        return CompoundCachePolicy([self, other])

    def __sub__(self, other: str) -> CachePolicy:
        """Leave an argument out of the key: only a policy that hashes inputs has one."""
        if not isinstance(other, str):
            raise TypeError("Can only subtract strings from key policies.")
        return self

    def configure(
        self, key_storage: Any = None, lock_manager: Any = None, isolation_level: Any = None
    ) -> CachePolicy:
        """Prefect's ``CachePolicy.configure``: this policy, given Prefect's defaults (None).
        flowtop keeps a key with its result in the workspace's ``.flowtop/cache/`` and has
        no transactions to lock or isolate: any other value is refused, in one line."""
        given = (key_storage, lock_manager, isolation_level)
        for option, value in zip(_WHY_NOT, given, strict=True):
            if not prefect_default(option, value):
                raise TypeError(
                    f"cache policy {self.describe()}: configure({option}="
                    f"{safe_repr(value, limit=60)}): Prefect option {option!r} is not available "
                    f"in flowtop ({_WHY_NOT[option]})"
                )
        return self

    @classmethod
    def from_cache_key_fn(cls, cache_key_fn: Callable[..., str | None]) -> CacheKeyFnPolicy:
        return CacheKeyFnPolicy(cache_key_fn)

    def describe(self) -> str:
        """As it was written: ``INPUTS + TASK_SOURCE - verbose`` (``flowtop list``)."""
        return _NAMES.get(type(self), type(self).__name__)

    def __repr__(self) -> str:
        return f"<cache policy {self.describe()}>"


#: Why ``configure`` refuses an option's value.
_WHY_NOT = {
    "key_storage": "cache keys are kept with their results, in the workspace's .flowtop/cache/",
    "lock_manager": "flowtop has no transactions, so no cache locks",
    "isolation_level": "flowtop has no transactions, so no isolation levels",
}


class CacheKeyFnPolicy(CachePolicy):
    """``cache_key_fn(context, parameters)``: the user's own key (None: not cached)."""

    def __init__(self, cache_key_fn: Callable[..., str | None] | None = None) -> None:
        self.cache_key_fn = cache_key_fn

    def _key(self, task_ctx: Context, inputs: Params, flow_parameters: Params) -> str | None:
        if self.cache_key_fn is None:
            return None
        key = self.cache_key_fn(task_ctx, inputs)
        if key is not None and not isinstance(key, str):
            raise TypeError(
                f"{self.describe()} returned {type(key).__name__} {safe_repr(key, limit=60)};"
                " it must return a str, or None for no caching"
            )
        return key

    def describe(self) -> str:
        name = callable_name(self.cache_key_fn)  # an object's: its class's, not its repr
        return f"cache_key_fn {name}"


class CompoundCachePolicy(CachePolicy):
    """Several policies: the hash of their keys (a policy giving None is left out).

    As Prefect's, it keeps one ``Inputs``, last, leaving out what any of them did: the
    order the keys are hashed in, so a stored result's key stays what it was. What it
    says (``describe``) is the order they were written in, kept apart (``written``):
    ``INPUTS + TASK_SOURCE`` was listed ``TASK_SOURCE + INPUTS``."""

    policies: list[CachePolicy]

    def __init__(self, policies: list[CachePolicy], written: str | None = None) -> None:
        flat = [
            p
            for policy in policies
            for p in (policy.policies if isinstance(policy, CompoundCachePolicy) else [policy])
        ]
        excluded = sorted({name for p in flat if isinstance(p, Inputs) for name in p.exclude})
        self.policies = [p for p in flat if not isinstance(p, Inputs)]
        if len(self.policies) < len(flat):  # one Inputs, leaving out what any of them did
            self.policies.append(Inputs(excluded))
        #: ``INPUTS + TASK_SOURCE - verbose``: each part as it describes itself, in order.
        self.written = written or " + ".join(policy.describe() for policy in policies)

    def _key(self, task_ctx: Context, inputs: Params, flow_parameters: Params) -> str | None:
        keys = [p._key(task_ctx, inputs, flow_parameters) for p in self.policies]
        given = [key for key in keys if key is not None]
        return hash_objects(*given) if given else None

    def __sub__(self, other: str) -> CachePolicy:
        if not isinstance(other, str):
            raise TypeError("Can only subtract strings from key policies.")
        if not any(isinstance(p, Inputs) for p in self.policies):
            return self
        return CompoundCachePolicy([*self.policies, Inputs([other])], f"{self.written} - {other}")

    def describe(self) -> str:
        return self.written


class _None(CachePolicy):
    """No key: nothing is cached (``NO_CACHE``, ``NONE``)."""

    def _key(self, task_ctx: Context, inputs: Params, flow_parameters: Params) -> str | None:
        return None

    def __add__(self, other: CachePolicy) -> CachePolicy:
        return other


class TaskSource(CachePolicy):
    """The task function's source: an edited task no longer matches its old results."""

    def _key(self, task_ctx: Context, inputs: Params, flow_parameters: Params) -> str | None:
        if task_ctx is None:
            return None
        return hash_objects(source_of(task_ctx.task.fn))


class FlowParameters(CachePolicy):
    """The parameters the flow run was called with."""

    def _key(self, task_ctx: Context, inputs: Params, flow_parameters: Params) -> str | None:
        return hash_objects(flow_parameters) if flow_parameters else None


class RunId(CachePolicy):
    """The run's id: results are reused within one run only."""

    def _key(self, task_ctx: Context, inputs: Params, flow_parameters: Params) -> str | None:
        if task_ctx is None:
            return None
        return str(task_ctx.task_run.flow_run_id or task_ctx.task_run.id)


class Inputs(CachePolicy):
    """The call's arguments (by parameter name, defaults applied), but ``exclude``."""

    def __init__(self, exclude: list[str] | tuple[str, ...] = ()) -> None:
        self.exclude = list(exclude)

    def _key(self, task_ctx: Context, inputs: Params, flow_parameters: Params) -> str | None:
        kept = {name: value for name, value in inputs.items() if name not in self.exclude}
        if not kept:
            return None
        key = hash_objects(kept)
        if key is None:
            unhashable = [name for name, value in kept.items() if hash_objects(value) is None]
            leave_out = " - ".join(repr(name) for name in unhashable or ["name"])
            raise ValueError(
                "the task's inputs cannot be hashed for its cache key (a lock, a file handle, "
                f"another system resource?): leave them out (INPUTS - {leave_out}), give a "
                "cache_key_fn, or cache_policy=NO_CACHE"
            )
        return key

    def __sub__(self, other: str) -> CachePolicy:
        if not isinstance(other, str):
            raise TypeError("Can only subtract strings from key policies.")
        return Inputs([*self.exclude, other])

    def describe(self) -> str:
        return "INPUTS" + "".join(f" - {name}" for name in self.exclude)


class StorageKey(CachePolicy):
    """Prefect 3's ``result_storage_key``: a template of the key itself
    (``"hello-{parameters[name]}.json"``), formatted for each call as Prefect formats it
    (``storage_key``). Two calls that format to one key share a result, whichever tasks
    make them, as in Prefect, where the key names one file of its result storage.

    Unlike another policy's, a key that cannot be formatted fails the call
    (``Caching.key_fails_task``): Prefect formats it as each attempt of the task run
    begins, outside the guard around a policy's key, and the attempt fails with its
    ``KeyError``, retries included, the task's code never called."""

    def __init__(self, template: str, owner: str) -> None:
        self.template = template
        #: Whose key it is (``task 'hello'``): its error names it.
        self.owner = owner

    def _key(self, task_ctx: Context, inputs: Params, flow_parameters: Params) -> str | None:
        return storage_key(self.template, inputs, self.owner)

    def describe(self) -> str:
        return f"result_storage_key {self.template!r}"


class StorageKeyError(KeyError):
    """A ``result_storage_key`` naming a field its call has not: a ``KeyError``, as
    Prefect's (``except KeyError`` and ``retry_on`` still match it), whose text is its
    message, where a ``KeyError``'s is the ``repr`` of its key."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


#: What a ``result_storage_key`` can name besides ``parameters``: Prefect formats it with
#: every name of ``prefect.runtime``, these (``flowtop.runtime``'s modules' own readers).
RUNTIME_FIELDS = tuple(RUNTIME)


def storage_key(template: str, parameters: Params, owner: str) -> str:
    """``template`` formatted as Prefect formats a ``result_storage_key``: ``parameters``
    (the call's, by name, defaults applied) and ``prefect.runtime``'s modules, which read
    the task run context it is formatted in (``cached_calls`` sets it). A field it cannot
    format raises Prefect's error (``KeyError``, ``AttributeError``, …) saying which, in
    which key of which task (``storage_key_error``)."""
    fields: dict[str, Any] = dict(RUNTIME)
    fields["parameters"] = parameters
    try:
        return template.format(**fields)
    except (KeyError, AttributeError, IndexError, ValueError) as exc:
        raise storage_key_error(exc, template, fields, owner) from None


def storage_key_error(
    exc: Exception, template: str, fields: dict[str, Any], owner: str
) -> Exception:
    """Why ``template`` could not be formatted with ``fields``, naming the task, the key
    and the field (``{parameters[nme]}``), as an error of ``exc``'s type (a ``KeyError``
    as a ``StorageKeyError``)."""
    if type(exc) not in (KeyError, AttributeError, IndexError, ValueError):
        return exc  # a value's own __format__ raised its own: as it is
    where = f"{owner}: result_storage_key {template!r}"
    field = _failing_field(template, fields)
    if field is None:  # no template (``Single '}' encountered``), or a value's __format__
        why = str(exc)
    elif not isinstance(exc, KeyError):
        why = f"{{{field}}}: {exc}"
    else:
        why = f"{{{field}}}: {_missing(field, exc, fields)}"
    message = f"{where}: {why}"
    return StorageKeyError(message) if isinstance(exc, KeyError) else type(exc)(message)


def _missing(field: str, exc: KeyError, fields: dict[str, Any]) -> str:
    """What the ``KeyError`` of ``field`` means: a field no key can name, a parameter the
    call has not, or a key a value has not."""
    root = field.partition(".")[0].partition("[")[0]
    missing = exc.args[0] if exc.args else None
    if root not in fields:
        runtime = ", ".join(f"{name}.…" for name in RUNTIME_FIELDS)
        return f"no such field (it can name the call's parameters[…], and {runtime})"
    named = field.removeprefix("parameters[").partition("]")[0]
    if field.startswith("parameters[") and named == str(missing):
        given = ", ".join(fields["parameters"]) or "none"
        return f"the call has no parameter {missing!r} (its parameters: {given})"
    return f"no key {missing!r}"


def _failing_field(template: str, fields: dict[str, Any]) -> str | None:
    """The first field of ``template`` that ``fields`` cannot give (``parameters[nme]``),
    None when ``template`` is no template or every field can be read."""
    formatter = string.Formatter()
    try:
        for _, field, _, _ in formatter.parse(template):
            if field is not None:
                try:
                    formatter.get_field(field, (), fields)
                except Exception:  # noqa: BLE001 - a value's own __getitem__ too: that field
                    return field
    except ValueError:
        return None
    return None


_NAMES: dict[type[CachePolicy], str] = {
    _None: "NO_CACHE",
    TaskSource: "TASK_SOURCE",
    FlowParameters: "FLOW_PARAMETERS",
    RunId: "RUN_ID",
}
INPUTS = Inputs()
NONE = _None()
NO_CACHE = _None()
TASK_SOURCE = TaskSource()
FLOW_PARAMETERS = FlowParameters()
RUN_ID = RunId()
DEFAULT = INPUTS + TASK_SOURCE + RUN_ID


def source_of(fn: Any) -> str | bytes:
    """A function's source text (its bytecode when the source is not at hand)."""
    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        code = getattr(fn, "__code__", None)
        return code.co_code if code is not None else repr(fn)


def task_input_hash(context: TaskRunContext, arguments: dict[str, Any]) -> str | None:
    """Prefect's ``task_input_hash``, a ``cache_key_fn``: the task, its source and the
    call's arguments."""
    return hash_objects(context.task.name, source_of(context.task.fn), arguments)


class Caching(NamedTuple):
    """A task's caching, as its options asked: the policy, how long a stored result is
    good for (None: for ever), and ``refresh`` (run anyway and store anew)."""

    policy: CachePolicy
    expiration: float | None = None
    refresh: bool = False

    @property
    def key_fails_task(self) -> bool:
        """Whether a key that cannot be computed fails the call (``StorageKey``), where
        any other policy's leaves the call to run uncached."""
        return isinstance(self.policy, StorageKey)

    def describe(self) -> str:
        """``INPUTS, for 1h00m`` (``flowtop list``)."""
        text = self.policy.describe()
        text += "" if self.expiration is None else f", for {fmt_seconds(self.expiration)}"
        return text + (", refreshed on every call" if self.refresh else "")


def caching_of(options: dict[str, Any], owner: str) -> Caching | None:
    """The caching ``options`` ask for (Prefect's rules), or None; raises on bad values."""
    policy = options.get("cache_policy")
    key_fn = options.get("cache_key_fn")
    persist = options.get("persist_result")
    if key_fn is not None:
        if not callable(key_fn):
            raise TypeError(f"{owner}: cache_key_fn must be callable, got {key_fn!r}")
        policy = CacheKeyFnPolicy(key_fn)
    if policy is not None and not isinstance(policy, CachePolicy):
        raise TypeError(f"{owner}: cache_policy must be a cache policy (INPUTS, …), got {policy!r}")
    template = options.get("result_storage_key")
    if template is not None and not isinstance(template, str):
        raise TypeError(
            f"{owner}: result_storage_key must be a str (a template such as "
            f"'hello-{{parameters[name]}}.json'), got {type(template).__name__} {safe_repr(template)}"
        )
    if template and not isinstance(policy, _None):
        policy = StorageKey(template, owner)  # Prefect's rule: the key replaces the policy
    if policy is None and persist:
        policy = DEFAULT  # persisting results turns on Prefect's default caching
    if policy is None or isinstance(policy, _None) or persist is False:
        return None
    expiration = options.get("cache_expiration")
    if expiration is not None and not isinstance(expiration, timedelta):
        raise TypeError(f"{owner}: cache_expiration must be a timedelta, got {expiration!r}")
    seconds = None if expiration is None else expiration.total_seconds()
    return Caching(policy, seconds, bool(options.get("refresh_cache")))


class CachedResult(NamedTuple):
    """A stored result and where it came from (``source``: "etl #3, 10:42:05")."""

    value: Any
    source: str
    expires: float | None = None


class CacheStore(Protocol):
    """Where results are kept by cache key."""

    #: Whether other processes read what it keeps (a workspace's folder), where a run's
    #: own count of numbers names no run (``cached_calls.made_by_run``).
    shared: bool

    def get(self, key: str) -> CachedResult | None: ...

    def put(self, key: str, result: CachedResult) -> None: ...


class MemoryCache:
    """Results kept in this process: a flow called from a script."""

    shared = False

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: dict[str, CachedResult] = {}

    def get(self, key: str) -> CachedResult | None:
        with self._lock:
            found = self._results.get(key)
            if found is not None and found.expires is not None and found.expires <= time.time():
                del self._results[key]  # expired: nobody can use it again (as the folder's)
                found = None
        return found

    def put(self, key: str, result: CachedResult) -> None:
        with self._lock:
            self._results[key] = result


#: The cache of runners given none: one per process, as Prefect's storage is one per machine.
PROCESS_CACHE = MemoryCache()
