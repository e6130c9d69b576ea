"""A drop-in flow's call validated as Prefect 3 validates it (``validate_parameters=True``,
its default): each argument made its annotation's type by pydantic, in its lax mode, before
the run starts. ``c(cfg={"source": "gs://x"}, limit="7")`` gets a ``Config`` and ``7``, as
under Prefect, where flowtop's own ``@flow`` passes what a program gave as it is (a dict
where the body reads ``cfg.source`` failed with ``AttributeError``). A value pydantic
refuses raises Prefect's ``ParameterTypeError`` naming each parameter.

Only where pydantic is installed (every Prefect user has it). Defaults are validated too,
as Prefect's: a dict default of a model parameter is made the model, and a default
``Field(default=5, ge=1)`` is its 5 (``Field(ge=1)``, with none: required). A value pydantic
refuses because it holds a future or a state is left as it is, for the run to resolve
(Prefect resolves them first), and so is a parameter whose annotation pydantic cannot make
a schema of.

``validated_parameters`` is Prefect's ``Flow.validate_parameters(parameters)``, the same
validation of a dict of parameters by name, which Prefect code calls itself (to check a
schedule's or a form's parameters before a run).
"""

from __future__ import annotations

import contextlib
import inspect
import types
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from ..engine.errors import ParameterTypeError, PrefectParameterTypeError
from ..engine.parameter_types import field_default, hints, is_field
from ..engine.prefect_api import State
from ..engine.prefect_exceptions import PrefectException
from ..engine.task_future import TaskFuture

#: Keywords of a flow call that are flowtop's or Prefect's own, never the function's.
CALL_OPTIONS = frozenset({"return_state", "wait_for", "_flowtop_parent", "_flowtop_sync"})


def validated(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``args`` and ``kwargs`` with each argument of ``fn`` made its annotated type."""
    try:
        from pydantic import ConfigDict, TypeAdapter, ValidationError
    except ImportError:
        return args, kwargs
    given = {k: v for k, v in kwargs.items() if k not in CALL_OPTIONS}
    shape = _shape(fn)
    if shape is None:
        return args, kwargs  # no signature: the call itself says what is wrong
    signature, annotations = shape
    try:
        bound = signature.bind(*args, **given)
    except TypeError:
        return args, kwargs  # the call itself says what is wrong (``bind_call``)
    problems: list[str] = []
    config = ConfigDict(arbitrary_types_allowed=True)
    given_names = set(bound.arguments)
    bound.apply_defaults()  # as Prefect: a default of a dict for a model is made the model
    for name, value in list(bound.arguments.items()):
        hint = annotations.get(name)
        kind = bound.signature.parameters[name].kind
        from_field = name not in given_names and is_field(value)
        if from_field:  # ``Field(default=5, ge=1)``: its 5 (the function's own is the Field)
            value = field_default(value)
            if value is inspect.Parameter.empty:  # ``Field(ge=1)``: required, as Prefect's
                problems.append(f"{name}: Field required")
                continue
        adapter = None
        if hint is not None and kind not in (
            inspect.Parameter.VAR_POSITIONAL,
            inspect.Parameter.VAR_KEYWORD,
        ):
            adapter = _adapter(TypeAdapter, hint, config)
        made = _made(adapter, ValidationError, name, value, problems)
        if name in given_names or from_field or made is not value:
            bound.arguments[name] = made
        else:  # a default left as it is stays the function's own (and unrecorded as given)
            del bound.arguments[name]
    if problems:
        raise _refused(problems)
    options = {k: v for k, v in kwargs.items() if k in CALL_OPTIONS}
    return bound.args, {**bound.kwargs, **options}


class SignatureMismatchError(PrefectException, TypeError):
    """Prefect 3's (``prefect.exceptions``): ``validate_parameters`` given a parameter the
    flow's function does not have, in Prefect's words."""


def validated_parameters(fn: Callable[..., Any], parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Prefect's ``Flow.validate_parameters(parameters)``: every parameter of ``fn`` by
    name, in its order, each made its annotated type (a default too), ``*args`` a list and
    ``**kwargs`` a dict, as Prefect's (checked with 3.9.1). A name ``fn`` has no parameter
    of raises ``SignatureMismatchError``; a value pydantic refuses, and a required one not
    given, ``ParameterTypeError`` naming each (`` - src: Field required``)."""
    shape = _shape(fn)
    if shape is None:
        return dict(parameters)
    signature, annotations = shape
    expected = list(signature.parameters)
    if not set(parameters) <= set(expected):
        raise SignatureMismatchError(
            f"Function expects parameters {expected} but was provided with parameters "
            f"{list(parameters)}"
        )
    try:
        from pydantic import ConfigDict, TypeAdapter, ValidationError
    except ImportError:
        return dict(parameters)
    config = ConfigDict(arbitrary_types_allowed=True)
    made: dict[str, Any] = {}
    problems: list[str] = []
    for name, parameter in signature.parameters.items():
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            made[name] = list(parameters.get(name, ()))
        elif parameter.kind is inspect.Parameter.VAR_KEYWORD:
            made[name] = dict(parameters.get(name, {}))
        elif name not in parameters and parameter.default is inspect.Parameter.empty:
            problems.append(f"{name}: Field required")  # (pydantic's words, as Prefect's)
        else:
            hint = annotations.get(name)
            adapter = None if hint is None else _adapter(TypeAdapter, hint, config)
            value = parameters.get(name, parameter.default)
            if name not in parameters and is_field(value):  # ``Field(default=5)``: its 5
                value = field_default(value)
                if value is inspect.Parameter.empty:
                    problems.append(f"{name}: Field required")
                    continue
            made[name] = _made(adapter, ValidationError, name, value, problems)
    if problems:
        raise _refused(problems)
    return made


def _made(adapter: Any, invalid: Any, name: str, value: Any, problems: list[str]) -> Any:
    """``value`` made its type by pydantic's ``adapter`` (None: as given). One it refuses
    (its ``ValidationError``, ``invalid``) is given back as it is, its problems added to
    ``problems``, unless it holds a future or a state, which the run resolves first."""
    if adapter is None:
        return value
    try:
        return adapter.validate_python(value)
    except invalid as exc:
        if not _holds_run_values(value):  # (looked for only then: a big list costs)
            problems.extend(_said(name, error) for error in exc.errors())
        return value


def _refused(problems: list[str]) -> ParameterTypeError:
    """Prefect's error naming each parameter's problem (named as Prefect's)."""
    return PrefectParameterTypeError(
        "Flow run received invalid parameters:\n" + "\n".join(f" - {p}" for p in problems)
    )


#: Each flow function's signature and resolved annotations, read on its first call: read
#: on every call they were most of its validation (70 µs of a call of four parameters, 11
#: µs without), which a subflow called in a loop paid each time. Weak: a function dropped
#: is forgotten.
_SHAPES: weakref.WeakKeyDictionary[
    Callable[..., Any], tuple[inspect.Signature, dict[str, Any]] | None
] = weakref.WeakKeyDictionary()


def _shape(fn: Callable[..., Any]) -> tuple[inspect.Signature, dict[str, Any]] | None:
    """``fn``'s signature and resolved annotations; None when it has no signature. Kept
    for a plain function; a bound method (a new object on each call) is read each time."""
    if not isinstance(fn, types.FunctionType):
        return _read_shape(fn)
    try:
        return _SHAPES[fn]
    except KeyError:
        shape = _SHAPES[fn] = _read_shape(fn)
        return shape


def _read_shape(fn: Callable[..., Any]) -> tuple[inspect.Signature, dict[str, Any]] | None:
    try:
        return inspect.signature(fn), hints(fn)
    except (TypeError, ValueError):
        return None


#: The validator made for each annotation: making one takes pydantic a millisecond or
#: so, and a subflow called in a loop is validated on every call.
_ADAPTERS: dict[Any, Any] = {}


def _adapter(make: Any, hint: Any, config: Any) -> Any:
    """pydantic's validator of ``hint``: a model or dataclass takes its own config (pydantic
    refuses another), any other type ours (a class of the user's checked by ``isinstance``);
    None when pydantic makes no schema of it."""
    try:
        return _ADAPTERS[hint]
    except (KeyError, TypeError):  # (TypeError: an annotation that cannot be hashed)
        pass
    adapter = None
    for options in ({}, {"config": config}):
        try:
            adapter = make(hint, **options)
            break
        except Exception:  # noqa: BLE001 - pydantic's schema and usage errors: try, else as given
            continue
    with contextlib.suppress(TypeError):  # (one that cannot be hashed is made each time)
        _ADAPTERS[hint] = adapter
    return adapter


def _said(name: str, error: Mapping[str, Any]) -> str:
    """One line of Prefect's message: ``limit: Input should be a valid integer``."""
    where = ".".join(str(part) for part in (name, *error.get("loc", ())))
    return f"{where}: {error.get('msg', 'invalid')}"


def _holds_run_values(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` is, or holds a few levels down, a future or a state."""
    if isinstance(value, TaskFuture | State):
        return True
    if depth >= 3:
        return False
    if isinstance(value, Mapping):
        return any(_holds_run_values(v, depth + 1) for v in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_run_values(v, depth + 1) for v in value)
    return False
