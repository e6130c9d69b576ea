"""What a ``@flow``'s rerun or retry serves instead of calling a task again: the calls
of the run it follows that completed, by task key and a fingerprint of the call.

A call's fingerprint (``call_hash``) is its inputs' hash, the defaults its function fills
in, and which function it is (module and qualname): two tasks named ``load`` in two
modules are two calls, whose results a rerun never swaps when the code swaps their
lines. A call is served by its own key's result when that was the same call, else by a
completed call of the same task with the same inputs under another key (``RerunCache``):
the keys of calls made while iterating a set (its order follows the process's hash
seed), or from async branches (the order they reach a task), differ between runs.

A flow-level retry is also, for Prefect's caching, the flow run it retries: Prefect
retries the same flow run, so a cache key made of its id (``RUN_ID``, ``DEFAULT``) is the
same on each retry, where flowtop records each retry as a run of its own, with an id of
its own. :func:`retrying` says, while the retry is built, which run was the first
attempt; :func:`first_attempt` gives it to the new run (``cached_calls`` keys with it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import enum
import fractions
import functools
import hashlib
import inspect
import io
import sys
import threading
import types
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from .context import held_on_thread
from .flow_package import FLOW_PACKAGE
from .records import RunResult
from .stable_pickle import SortedSetsPickler, stable_dumps
from .value_text import safe_repr

if TYPE_CHECKING:
    from .states import State as TaskState
    from .subflow_reruns import SubflowSources
    from .task import Task


def input_hash(args: Any, kwargs: Any) -> str | None:
    """A stable fingerprint of a call's inputs, or None when they can't be fingerprinted."""
    try:
        data = stable_dumps((args, kwargs))
    except BaseException:  # noqa: BLE001 - unpicklable inputs (a __reduce__ may even sys.exit): by code, else their repr
        try:
            data = _by_code_dumps((args, kwargs))
        except BaseException:  # noqa: BLE001 - as above: their repr
            text = safe_repr((args, kwargs), limit=1_000_000)
            if text.startswith("<unrepresentable") or " at 0x" in text:
                return None  # an identity-based repr would never match across runs
            data = text.encode()
    return hashlib.sha256(data).hexdigest()[:32]


def _by_code_dumps(value: Any) -> bytes:
    out = io.BytesIO()
    _ByCodePickler(out, protocol=5).dump(value)
    return out.getvalue()


class _ByCodePickler(SortedSetsPickler):
    """As ``stable_dumps``, a function that cannot be pickled by its name (a lambda, a
    nested function) written as its code, defaults and closure: ``lambda v: v * 10``
    edited to ``v * 1000`` is another argument, the same lambda in the next process the
    same one. Never read back, only hashed."""

    def reducer_override(self, obj: Any) -> Any:
        if not isinstance(obj, types.FunctionType) or _by_name(obj):
            return NotImplemented
        cells = tuple(cell.cell_contents for cell in obj.__closure__ or ())
        return _code_of, (obj.__qualname__, _code(obj.__code__), obj.__defaults__, cells)


def _by_name(fn: types.FunctionType) -> bool:
    """Whether pickle writes ``fn`` by its module and name (it is found there)."""
    found: Any = sys.modules.get(fn.__module__)
    for part in fn.__qualname__.split("."):
        found = getattr(found, part, None)
    return found is fn or getattr(found, "fn", None) is fn  # (a ``@task``: found as its Task)


def _code(code: types.CodeType) -> tuple[Any, ...]:
    """What ``code`` does, not where it is: its bytecode, constants (nested code too) and
    the names it reads; its line numbers left out."""
    consts = tuple(_code(c) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.co_code, consts, code.co_names, code.co_varnames


def _code_of(*parts: Any) -> None:
    """What a function written by its code is reduced to (``_ByCodePickler``)."""


#: Modules whose functions are named bare: the flow file's own (the loader's name for it
#: holds a digest of its path: a workspace moved, or the flow run as a script, would make
#: every task another), and a script's.
_BARE_MODULES = ("__main__", "builtins")


def task_identity(task: Task) -> str:
    """Which function ``task`` calls: its module and qualname (``dbsrc.load``); bare
    (``load``) for a function of the flow file itself or of a script (``_BARE_MODULES``),
    or of code run with no module name. A callable its name does not pin down (a
    ``functools.partial``, a bound method, a callable object, a function a factory made:
    ``make_loader("db")``) adds ``#`` and a hash of the values it holds (``_a_value``:
    ``"db"``, a ``Path``; not a connection, a counter, a dict it fills): two of them
    named alike are two tasks (two holding only other objects, two connections, are not
    told apart). Worked out once per task."""
    known: str | None = vars(task).get("_identity")
    if known is None:
        known = vars(task)["_identity"] = _identity(task.fn)
    return known


def _identity(fn: Any) -> str:
    if isinstance(fn, functools.partial):
        held: Any = (fn.args, fn.keywords)
        return f"{_identity(fn.func).partition('#')[0]}#{_hash_of_values(held)}"
    owner = getattr(fn, "__self__", None)  # a bound method's object (a module's: none)
    fn = getattr(fn, "__func__", fn)
    module = getattr(fn, "__module__", None)  # None: code ``exec``ed with no ``__name__``
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    if module and module not in _BARE_MODULES and not module.startswith(FLOW_PACKAGE + "."):
        name = f"{module}.{name}"
    if isinstance(owner, types.ModuleType | type):
        owner = None
    if isinstance(fn, types.FunctionType):
        if owner is None and _by_name(fn):
            return name  # found by its name: that one function, whatever its code says
        cells = [_held(cell) for cell in fn.__closure__ or ()]
        if not cells and owner is None:
            return name  # it holds nothing: its name says all (code ``exec``ed, nested)
        held = (cells, _values_of(owner))
    else:  # a callable object
        held = _values_of(fn)
    return f"{name}#{_hash_of_values(held)}"


def _hash_of_values(held: Any) -> str:
    return (input_hash((held,), {}) or "")[:12]


def _values_of(owner: Any) -> dict[str, Any]:
    """An object's attributes that are values (``_a_value``), by name."""
    attributes = getattr(owner, "__dict__", None) or {}
    return {key: value for key, value in attributes.items() if _a_value(value)}


def _held(cell: types.CellType) -> Any:
    """A closure cell's value when it is one (``_a_value``), else its type's name."""
    try:
        held = cell.cell_contents
    except ValueError:  # a cell not filled yet
        return None
    return held if _a_value(held) else type(held).__qualname__


#: Values a call (or what a task holds) is made with: each the same in every process it
#: is written the same. A list, dict or set is left out: a default one is mostly state the
#: function keeps (``_memo={}`` fills as calls run), and each later call would read as
#: changed; so is an object (a connection, a client stamped with the time).
_VALUE_TYPES = (
    int, float, complex, str, bytes, bool, type(None), enum.Enum, PurePath, dt.date,
    dt.time, dt.timedelta, decimal.Decimal, uuid.UUID, fractions.Fraction, range,
)  # fmt: skip


def _a_value(value: Any) -> bool:
    if isinstance(value, tuple | frozenset):
        return all(_a_value(item) for item in value)
    return isinstance(value, _VALUE_TYPES)


def filled_defaults(task: Task, args: Any, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The default values the call with ``args`` and ``kwargs`` gets from its function's
    signature (Prefect's input hash has them too): a changed ``factor=100`` is a changed
    call. Only values (``_a_value``): a mutable default is the function's own state."""
    signature = task._signature
    if signature is None or task._arity >= 0:  # (``_arity``: plain parameters, no default)
        return {}
    try:
        given = signature.bind_partial(*args, **kwargs).arguments
    except TypeError:
        return {}
    skipped = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return {
        name: parameter.default
        for name, parameter in signature.parameters.items()
        if name not in given
        and parameter.default is not parameter.empty
        and parameter.kind not in skipped
        and _a_value(parameter.default)
    }


#: A call's inputs hash when its inputs could not be hashed (a static flow's only).
UNHASHED = "-"


def with_task(inputs: str | None, task: Task, args: Any, kwargs: Mapping[str, Any]) -> str:
    """A call's fingerprint: ``inputs`` (its inputs' hash, or None: ``UNHASHED``), the
    hash of the defaults its function fills in ("" for none) and the task's identity,
    as ``<inputs>:<defaults>@<module.qualname>``."""
    defaults = filled_defaults(task, args, kwargs)
    filled = (input_hash((), defaults) or "")[:16] if defaults else ""
    return f"{inputs or UNHASHED}:{filled}@{task_identity(task)}"


def call_hash(task: Task, args: Any, kwargs: Mapping[str, Any]) -> str | None:
    """The fingerprint of a ``@flow``'s call of ``task`` (``with_task``), None when its
    inputs cannot be hashed: such a call is never served from a source run."""
    inputs = input_hash(args, kwargs)
    return None if inputs is None else with_task(inputs, task, args, kwargs)


def identity_of(fingerprint: str) -> str | None:
    """The task a fingerprint names; None for one recorded before they named it."""
    _, at, identity = fingerprint.partition("@")
    return identity if at else None


def same_call(was: str, now: str) -> bool:
    """Whether the call fingerprinted ``now`` is the one a source run recorded as
    ``was``. A fingerprint recorded before they held the task and its defaults is the
    inputs' hash alone, compared with that part of ``now``."""
    if identity_of(was) is not None:
        return was == now
    return was == now.partition("@")[0].partition(":")[0]


class SourceCalls(dict[tuple[str, str], "TaskState"]):
    """What a rerun may serve (``RerunCache``): the source's completed calls, by task key
    and fingerprint, as a dict (its length: how many); in ``others`` the fingerprint
    of each of its calls that did not complete, or that the rerun asked to run again; in
    ``subflows`` the subflow calls a rerun's may rerun (``subflow_reruns``), else None."""

    def __init__(
        self,
        entries: Mapping[tuple[str, str], TaskState] | None = None,
        others: Mapping[str, str] | None = None,
        subflows: SubflowSources | None = None,
    ) -> None:
        super().__init__(entries or {})
        self.others = dict(others or {})
        self.subflows = subflows


class RerunCache:
    """The completed calls of a source run a rerun (or a flow-level retry) may serve,
    each at most once (``take``)."""

    def __init__(self, entries: Mapping[tuple[str, str], TaskState] | None = None) -> None:
        self._by_key = {key: (fp, state) for (key, fp), state in (entries or {}).items()}
        self._others = entries.others if isinstance(entries, SourceCalls) else {}
        self._by_call: dict[str, deque[str]] = {}
        for key, (fp, _) in self._by_key.items():
            if identity_of(fp) is not None:
                self._by_call.setdefault(fp, deque()).append(key)

    def __len__(self) -> int:
        return len(self._by_key)

    def take(self, key: str, fingerprint: str | None) -> TaskState | None:
        """The result serving the call ``key`` with ``fingerprint``: the source's call of
        that key if it was the same call, else one of the same task with the same inputs
        under another key, not yet served; None: the call runs. A key whose source call
        was this same call and did not complete (failed, or asked to run again) runs: it
        takes no other key's result (three identical ``charge`` calls, the first asked
        for, or failed: that one runs, the others keep their own)."""
        if fingerprint is None:
            return None
        held = self._by_key.get(key)
        if held is not None and same_call(held[0], fingerprint):
            return self._by_key.pop(key)[1]
        was = self._others.get(key)
        if was is not None and same_call(was, fingerprint):
            return None
        others = self._by_call.get(fingerprint)
        while others:
            other = others.popleft()
            if other in self._by_key:
                return self._by_key.pop(other)[1]
        return None


def cache_of(result: RunResult, exclude: Iterable[str] = ()) -> SourceCalls:
    """The calls of ``result`` that completed, by task key and input hash: what a rerun
    serves instead of calling them again (all but ``exclude``); with the fingerprints
    of the others (``SourceCalls.others``), which run again."""
    skip = set(exclude)
    served = SourceCalls()
    for key, fingerprint in result.inputs.items():
        if fingerprint is None:
            continue
        state = result.states.get(key)
        if key not in skip and state is not None and state.is_completed():
            served[key, fingerprint] = state
        else:
            served.others[key] = fingerprint
    return served


_local = threading.local()


def retrying(first: str) -> contextlib.AbstractContextManager[None]:
    """Runs this thread starts meanwhile are flow-level retries of the flow run whose
    first attempt was the run ``first``: ``Runner.start`` builds the ``DynamicRun`` on the
    calling thread, which reads this in its ``__init__`` (as ``context.child_of``)."""
    return held_on_thread(_local, "first", first)


def first_attempt(run_id: str) -> str:
    """The id of the first attempt of the flow run that the run ``run_id``, started now on
    this thread, retries (see ``retrying``); ``run_id`` itself for a run that retries none."""
    first: str | None = getattr(_local, "first", None)
    return run_id if first is None else first
