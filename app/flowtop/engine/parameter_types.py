"""A parameter's value made the type its ``@flow`` function declares, and back to JSON.

A value given from a terminal (``--param day=2026-11-30``, the run form) or read back from
the run store is JSON: a ``date``, a ``Path`` or an ``Enum`` arrives as a string. Prefect
validates a flow's parameters against its annotations (``validate_parameters``) and
turns ``"2026-11-30"`` into a ``date``; a flow written for Prefect does ``day.year``. So
the common annotations are honoured here, without a validation library: ``int``,
``float``, ``str``, ``bool``, ``date``, ``datetime``, ``time``, ``Path``, an ``Enum``,
``X | None`` of these; a ``list[...]``, ``tuple[...]`` or ``set[...]`` (or a ``Sequence``)
takes a JSON list and a ``dict[...]`` (or a ``Mapping``) a JSON object, each item made
the type declared for it. A value is made its type only where Prefect's pydantic makes it
so (``"5"`` an ``int``, ``1`` a ``float``) or a user typing it would (``4`` a ``str``,
``"4"``), and refused where pydantic refuses it: ``null`` fits only an ``X | None`` (or a
parameter whose default is None), at any depth. A
pydantic model (validated by pydantic itself, which Prefect flows often use for a
config) or a dataclass takes a JSON object of its fields. Any other type pydantic knows
(``timedelta``, ``Decimal``, ``UUID``, ``bytes``, ``SecretStr``, ``HttpUrl``, a
``NamedTuple``) is made by pydantic in its lax mode, as Prefect's is, where pydantic is
installed; any other annotation (a class of the user's, a ``Protocol``) gets the JSON value
as it is. ``Annotated[int, Field(ge=1)]`` (``conint(ge=1)``, a default ``Field(ge=1)``)
also checks its constraints, by pydantic. The same types go back to JSON as that text
(``to_json``), so a rerun calls the function with the same values.
"""

from __future__ import annotations

import collections.abc as abc
import contextlib
import dataclasses
import datetime as dt
import decimal
import enum
import inspect
import json
import types
import typing
import uuid
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from .annotation_text import hint_named as hint_named  # (the run form reads it here)
from .value_text import safe_repr


def hints(fn: Callable[..., Any]) -> dict[str, Any]:
    """``fn``'s annotations resolved (``from __future__ import annotations`` leaves them
    as text), ``Annotated[...]`` kept whole (its constraints are checked), a parameter
    whose default is pydantic's ``Field(ge=1)`` as ``Annotated[int, Field(ge=1)]``; {}
    when they cannot be (a name defined only under ``TYPE_CHECKING``)."""
    try:
        found = typing.get_type_hints(fn, include_extras=True)
    except Exception:  # noqa: BLE001 - any failure to resolve: no coercion, the values as given
        return {}
    for name, default in _field_defaults(fn).items():
        if name in found:
            found[name] = typing.Annotated[found[name], default]
    return found


def _field_defaults(fn: Callable[..., Any]) -> dict[str, Any]:
    """The parameters of ``fn`` whose default is pydantic's ``Field(...)``, by name."""
    code = getattr(fn, "__code__", None)
    defaults = getattr(fn, "__defaults__", None) or ()
    keyword = getattr(fn, "__kwdefaults__", None) or {}
    if code is None or not any(map(is_field, (*defaults, *keyword.values()))):
        return {}  # (nearly every function: no signature read)
    return {
        name: p.default
        for name, p in inspect.signature(fn).parameters.items()
        if is_field(p.default)
    }


def is_field(value: Any) -> bool:
    """Whether ``value`` is pydantic's ``FieldInfo`` (``Field(default=5, ge=1)``)."""
    kind = type(value)
    return kind.__name__ == "FieldInfo" and kind.__module__.startswith("pydantic")


def field_default(field: Any) -> Any:
    """A ``Field(...)`` default's own default (``inspect.Parameter.empty`` for none)."""
    if getattr(field, "default_factory", None) is not None:
        return field.default_factory()
    default = getattr(field, "default", None)
    return inspect.Parameter.empty if type(default).__name__ == "PydanticUndefinedType" else default


def _is_alias(hint: Any) -> bool:
    """``type Day = date`` (Python 3.12+; typing_extensions' ``TypeAliasType`` before):
    an alias object that names the type, not the type."""
    return type(hint).__name__ == "TypeAliasType" and hasattr(hint, "__value__")


def _one_type(hint: Any) -> Any:
    """``X`` for ``X | None`` (and for ``X``, and for an alias of either); None for a
    union of several types, which no value is made."""
    while _is_alias(hint):  # else `-p day=2026-11-30` stayed text
        hint = hint.__value__
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        options = [h for h in typing.get_args(hint) if h is not type(None)]
        return _one_type(options[0]) if len(options) == 1 else None
    return hint


def _bare(hint: Any) -> Any:
    """``_one_type`` of ``hint``, an ``Annotated[X, ...]`` read as its ``X``."""
    hint = _one_type(hint)
    while typing.get_origin(hint) is typing.Annotated:
        hint = _one_type(typing.get_args(hint)[0])
    return hint


def coerce(value: Any, hint: Any, *, none_default: bool = False) -> Any:
    """``value`` as ``hint`` declares it; raises ``ValueError`` naming the type it needed,
    and for a container's item where it sits (``expected date at [1], got 'x'``).

    ``none_default``: the parameter's default is None (``note: str = None``), so null is
    its "none" too, as a Python caller leaving it out gets; Prefect refuses it there, but
    a flow written that way handles None."""
    if value is None and none_default:
        return None
    try:
        return _coerce(value, hint)
    except RecursionError:
        raise
    except _Misfit as misfit:
        where = "".join(reversed(misfit.path))
        at = f" at {where}" if where else ""
        advice = ""
        if misfit.value is None:  # an optional type, written out, is the fix
            whose = "an item" if where else "a parameter"
            default = "" if where else " or defaulting to None"
            advice = f" (only {whose} typed {misfit.written} | None{default} takes null)"
        got = safe_repr(misfit.value)
        raise ValueError(f"expected {misfit.needed}{at}, got {got}{advice}") from None
    except Exception:  # noqa: BLE001 - a type that cannot be checked (its own isinstance raising): as given
        return value


class _Misfit(Exception):
    """A value that is not of its type, and the path to it, gathered on the way out."""

    def __init__(self, needed: str, value: Any, written: str = "") -> None:
        super().__init__(needed)
        self.needed = needed
        self.value = value
        self.written = written or needed  # the type as annotated, without its members
        self.path: list[str] = []


#: The containers a JSON list is made (``Sequence[str]`` is a list, as pydantic makes it).
_LIST_ORIGINS: dict[Any, type] = {
    list: list,
    tuple: tuple,
    set: set,
    frozenset: frozenset,
    abc.Sequence: list,
    abc.MutableSequence: list,
    abc.Collection: list,
    abc.Iterable: list,
    abc.Set: set,
    abc.MutableSet: set,
}

#: The containers a JSON object is made: a ``dict``.
_DICT_ORIGINS = (dict, abc.Mapping, abc.MutableMapping)


def _takes_none(hint: Any) -> bool:
    """Whether null fits ``hint``: ``X | None``, ``None``, ``Any``, ``object``, a
    ``Literal`` holding None, and what flowtop does not read (a ``TypeVar``, a name left
    unresolved), whose value goes as given. Prefect refuses None for a plain ``str``: the
    flow would fail later, on ``name.upper()``, far from the ``--param`` that caused it."""
    while _is_alias(hint):
        hint = hint.__value__
    if hint is None or hint is Any or hint is object or hint is type(None):
        return True
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _takes_none(typing.get_args(hint)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_takes_none(arg) for arg in typing.get_args(hint))
    if origin is typing.Literal:
        return None in typing.get_args(hint)
    return origin is None and not isinstance(hint, type)


def _coerce(value: Any, hint: Any) -> Any:
    if hint is None or hint is Any:  # not annotated: as given
        return value
    if value is None:
        if _takes_none(hint):
            return None
        one = _bare(hint)
        needed = _named(one) if isinstance(one, type) else type_text(hint)
        raise _Misfit(needed, None, written=type_text(hint))
    hint = _one_type(hint)
    if hint is None or hint is Any:  # a union of several types, an alias of Any: as given
        return value
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:  # the type's rules, then its constraints
        return _constrained(_coerce(value, typing.get_args(hint)[0]), hint)
    if origin in _LIST_ORIGINS:
        if not isinstance(value, list):
            # text is not a list of its letters: ``regions=eu`` for ``list[str]``
            raise _Misfit(f'{type_text(hint)} as a JSON list (["a", "b"])', value)
        return _LIST_ORIGINS[origin](_items(value, hint, origin))
    if origin in _DICT_ORIGINS:
        if not isinstance(value, dict):
            raise _Misfit(f'{type_text(hint)} as a JSON object ({{"a": 1}})', value)
        key_hint, value_hint = typing.get_args(hint) or (Any, Any)
        return {
            _at(f"[{key!r}]", key, key_hint): _at(f"[{key!r}]", item, value_hint)
            for key, item in value.items()
        }
    if origin is typing.Literal:  # one of its values: `-p mode=c` for Literal["a", "b"] ran
        if value in typing.get_args(hint):
            return value
        raise _Misfit(f"one of {', '.join(map(repr, typing.get_args(hint)))}", value)
    if not isinstance(hint, type):
        return value  # a TypeVar, an alias: JSON already gave the shape
    if _is_instance(value, hint) and not (hint is int and isinstance(value, bool)):
        return value
    if isinstance(value, dict) and _is_model(hint):
        return _validated(hint, value)
    if isinstance(value, dict) and dataclasses.is_dataclass(hint):
        return _built(hint, value)
    made = _make(value, hint)
    if made is not _NOT:
        return made
    if hint in _OWN or issubclass(hint, enum.Enum | PurePath) or _known_class(hint):
        raise _Misfit(_named(hint), value)
    return _by_pydantic(value, hint, hint)


#: The types whose values flowtop makes itself (``_make``), refusing the rest in its words.
_OWN = frozenset({int, float, str, bool, dt.date, dt.datetime, dt.time, list, dict, *_LIST_ORIGINS})


def _known_class(hint: type) -> bool:
    """A pydantic model or a dataclass, whose JSON object flowtop reads (not another value)."""
    return _is_model(hint) or dataclasses.is_dataclass(hint)


def _is_instance(value: Any, hint: type) -> bool:
    """``isinstance``, False for a class that refuses the check (a ``TypedDict``, a
    ``Protocol`` that is not ``runtime_checkable``)."""
    try:
        return isinstance(value, hint)
    except TypeError:
        return False


def _constrained(made: Any, hint: Any) -> Any:
    """``made`` (of ``Annotated[X, ...]``'s ``X``) checked against the constraints the
    annotation adds (``Field(ge=1)``, ``conint(ge=1)``) by pydantic, as Prefect checks them;
    as it is where pydantic is not installed or reads none."""
    return _by_pydantic(made, hint, typing.get_args(hint)[0])


def _by_pydantic(value: Any, hint: Any, named: Any) -> Any:
    """``value`` made ``hint`` by pydantic (lax, as Prefect validates a parameter), refused
    in pydantic's words (``expected timedelta (Input should be …)``); as given where
    pydantic is not installed or makes no schema of ``hint`` (a class of the user's)."""
    adapter = _adapter(hint)
    if adapter is None:
        return value
    try:
        return adapter.validate_python(value)
    except ValueError as exc:  # pydantic's ValidationError is one
        errors = getattr(exc, "errors", None)
        found = errors() if callable(errors) else []
        said = _complaint(found[0]) if found else str(exc)
        raise _Misfit(f"{type_text(named)} ({said})", value) from None


#: pydantic's validator of each annotation read (None: none), made once: it takes a ms.
_ADAPTERS: dict[Any, Any] = {}


def _adapter(hint: Any) -> Any:
    try:
        return _ADAPTERS[hint]
    except (KeyError, TypeError):  # (TypeError: an annotation that cannot be hashed)
        pass
    try:
        from pydantic import TypeAdapter

        adapter: Any = TypeAdapter(hint)
    except Exception:  # noqa: BLE001 - no pydantic, or no schema of this type: as given
        adapter = None
    with contextlib.suppress(TypeError):
        _ADAPTERS[hint] = adapter
    return adapter


def _items(value: list[Any], hint: Any, origin: Any) -> list[Any]:
    """A JSON list's items, each made the type the container declares for it (JSON has
    lists only: Prefect makes ``["2026-11-30"]`` a ``list[date]`` of dates)."""
    args = typing.get_args(hint)
    if origin is not tuple or (len(args) == 2 and args[1] is Ellipsis):
        item_hint = args[0] if args else Any
        return [_at(f"[{i}]", item, item_hint) for i, item in enumerate(value)]
    if len(value) != len(args):
        raise _Misfit(f"{type_text(hint)} ({len(args)} items)", value)
    pairs = enumerate(zip(value, args, strict=True))
    return [_at(f"[{i}]", item, item_hint) for i, (item, item_hint) in pairs]


def _at(where: str, value: Any, hint: Any) -> Any:
    """``value`` made ``hint``; a misfit learns it sat at ``where`` in its container."""
    try:
        return _coerce(value, hint)
    except _Misfit as misfit:
        misfit.path.append(where)
        raise


def _is_model(hint: type) -> bool:
    """A pydantic model (v2), known by its method: flowtop does not depend on pydantic."""
    return callable(getattr(hint, "model_validate", None))


def _validated(model: Any, value: dict[str, Any]) -> Any:
    """``value`` validated into ``model`` by pydantic, as Prefect validates a parameter;
    its first complaint names the field (``expected Config (limit: Input should be a
    valid integer …)``)."""
    try:
        return model.model_validate(value)
    except ValueError as exc:  # pydantic's ValidationError is one
        errors = getattr(exc, "errors", None)
        found = errors() if callable(errors) else []
        said = _complaint(found[0]) if found else str(exc)
        raise _Misfit(f"{model.__name__} ({said})", value) from None


def _complaint(error: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "invalid"))
    return f"{where}: {message}" if where else message


def _built(kind: type, value: dict[str, Any]) -> Any:
    """A dataclass from a JSON object of its fields, each made the type it declares."""
    fields = {field.name: field for field in dataclasses.fields(kind) if field.init}
    unknown = [key for key in value if key not in fields]
    if unknown:
        raise _Misfit(f"{kind.__name__} (no field {unknown[0]!r})", value)
    nothing = dataclasses.MISSING
    missing = [
        name
        for name, field in fields.items()
        if name not in value and field.default is nothing and field.default_factory is nothing
    ]
    if missing:
        raise _Misfit(f"{kind.__name__} (field {missing[0]!r} has no default)", value)
    declared = hints(kind)
    made = {key: _at(f".{key}", item, declared.get(key, Any)) for key, item in value.items()}
    try:
        return kind(**made)
    except (TypeError, ValueError) as exc:  # its own checks (``__post_init__``)
        raise _Misfit(f"{kind.__name__} ({exc})", value) from None


def default_misfit(value: Any, default: Any) -> str | None:
    """What an unannotated parameter whose default is ``default`` takes (``a JSON list``),
    when ``value`` is not of that kind and taking it would silently do something else;
    None when it is, or when the default says nothing (no default, ``None``, text, an
    object).

    Prefect 3 passes any value to such a parameter: ``-p regions=eu`` for ``regions=("eu",
    "us")`` was the text "eu", which the flow went through letter by letter, and
    ``-p dry_run=False`` the text "False", which is true. A container's default takes a
    JSON list (or object), a bool's ``true`` or ``false``. A number's default takes any
    value, as Prefect does: text where a number is used fails loudly in the flow (and a
    recorded call, replayed by a rerun, keeps what a Python caller gave). ``null`` fits
    any (an explicit "none")."""
    if value is None:
        return None
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "true or false"
    if isinstance(default, list | tuple | set | frozenset):
        return None if isinstance(value, list) else "a JSON list"
    if isinstance(default, dict):
        return None if isinstance(value, dict) else "a JSON object"
    return None


def annotation_for(default: Any) -> str:
    """The annotation that says what a parameter with this default takes (``tuple[str,
    ...]``), for an error to suggest: the default's type, with its items' if they agree."""
    kind = type(default)
    if isinstance(default, dict):
        keys = {type(k).__name__ for k in default}
        values = {type(v).__name__ for v in default.values()}
        if len(keys) == 1 and len(values) == 1:
            return f"dict[{keys.pop()}, {values.pop()}]"
        return "dict"
    if isinstance(default, list | tuple | set | frozenset):
        items = {type(item).__name__ for item in default}
        item = items.pop() if len(items) == 1 else "str"
        return f"{kind.__name__}[{item}, ...]" if kind is tuple else f"{kind.__name__}[{item}]"
    return kind.__name__


def takes_text(hint: Any) -> bool:
    """Whether ``hint`` is ``str`` (or ``str | None``, or an alias of either): a number
    typed for it is kept as the text typed (``1.10``), which its JSON value (the float
    1.1) would not give back."""
    return _bare(hint) is str


def choices(hint: Any) -> tuple[str, ...]:
    """The member names an ``Enum`` parameter (or ``Enum | None``) takes, for a form or a
    listing to offer; () for any other type."""
    hint = _bare(hint)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return tuple(member.name for member in hint)
    return ()


def type_text(hint: Any) -> str:
    """An annotation as it is written: ``int``, ``list[date]``, ``int | None`` (a string
    annotation, left by ``from __future__ import annotations``, as it is). Python's own
    text names each module (``list[datetime.date]``), which no one wrote."""
    if isinstance(hint, str):
        return hint
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Annotated:  # its constraints are said when a value breaks them
        return type_text(args[0])
    if origin in (typing.Union, types.UnionType):
        return " | ".join("None" if arg is type(None) else type_text(arg) for arg in args)
    if origin is typing.Literal:
        return f"Literal[{', '.join(map(repr, args))}]"
    if origin is not None and args:
        name = getattr(origin, "__name__", None) or str(origin).replace("typing.", "")
        items = ", ".join("..." if arg is Ellipsis else type_text(arg) for arg in args)
        return f"{name}[{items}]"
    if isinstance(hint, type):
        return hint.__name__
    return str(hint).replace("typing.", "")


def _named(hint: type) -> str:
    """A type as an error names it: an ``Enum`` with its members, the choices to type."""
    if issubclass(hint, enum.Enum):
        return f"{hint.__name__} (one of {', '.join(choices(hint))})"
    return type_text(hint)


_NOT = object()


def _make(value: Any, hint: type) -> Any:
    """``value`` (a JSON value of another type) as ``hint``, or ``_NOT``."""
    try:
        if hint is str and isinstance(value, int | float):  # ``-p version=2024``: its JSON
            # text (``true`` too; pydantic refuses both, a CLI user would not); the text as
            # typed (``1.10``, not ``1.1``) is put in its place before (``parameters.as_typed``)
            return json.dumps(value)
        if hint is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if hint is int and isinstance(value, float) and value.is_integer():
            return int(value)
        if hint in (tuple, set, frozenset) and isinstance(value, list):
            return hint(value)  # a bare ``tuple``: JSON has lists only
        if hint is bool and isinstance(value, int | float) and value in (0, 1):
            return bool(value)  # pydantic's lax bool: 1, 0
        if issubclass(hint, enum.Enum):  # by value (``1``, ``"fast"``) or by name
            return _member(hint, value)
        if not isinstance(value, str):
            return _NOT
        if hint in (int, float):
            return hint(value)
        if hint is bool and value.lower() in _BOOL_TEXTS:
            return _BOOL_TEXTS[value.lower()]
        if hint is dt.date:
            return _date(value)
        if hint in (dt.datetime, dt.time):
            return hint.fromisoformat(value)
        if issubclass(hint, PurePath):
            return hint(value)
    except (ValueError, TypeError):
        return _NOT
    return _NOT


#: The texts pydantic's lax ``bool`` takes (any case), as Prefect's validation does.
_BOOL_TEXTS = {
    **dict.fromkeys(("true", "t", "yes", "y", "on", "1"), True),
    **dict.fromkeys(("false", "f", "no", "n", "off", "0"), False),
}


def _date(text: str) -> dt.date:
    """A date's text, or a datetime's at midnight (``2024-01-02T00:00:00``), as pydantic
    reads it; raises ``ValueError`` for another."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        moment = dt.datetime.fromisoformat(text)
        if moment.time() != dt.time():
            raise
        return moment.date()


def _member(kind: type[enum.Enum], value: Any) -> Any:
    """An enum member by value, else by name (``--param mode=fast``)."""
    for member in kind:
        if member.value == value or member.name == value:
            return member
    return _NOT


def to_json(value: Any) -> Any:
    """``json.dumps``' ``default`` for the types ``coerce`` makes, else ``TypeError``."""
    if isinstance(value, dt.date | dt.time):  # a datetime is a date
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if _is_model(type(value)):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_as_declared(value: Any, hint: Any) -> Any:
    """``value`` as ``pydantic_json`` writes it when ``hint`` declares its very type (the
    parameter makes it again from that JSON: a rerun gets the same value); else
    ``TypeError``."""
    if _bare(hint) is not type(value):
        raise TypeError(f"{type(value).__name__} is not declared")
    return pydantic_json(value)


def pydantic_json(value: Any) -> Any:
    """A ``timedelta``, ``Decimal``, ``UUID`` or a pydantic type's value (``HttpUrl``) as
    pydantic writes it in JSON (``"PT2H"``, ``"2.25"``), as Prefect's schema shows a
    default, and as its parameter reads it back; ``TypeError`` for another value, a
    secret (``SecretStr``: its JSON is stars) and where pydantic is not installed."""
    kind = type(value)
    ours = isinstance(value, dt.timedelta | decimal.Decimal | uuid.UUID)
    if not (ours or kind.__module__.startswith("pydantic")) or "Secret" in kind.__name__:
        raise TypeError(f"{kind.__name__} is not JSON")
    adapter = _adapter(kind)
    if adapter is None:
        raise TypeError(f"{kind.__name__} is not JSON")
    try:
        return adapter.dump_python(value, mode="json")
    except Exception:  # noqa: BLE001 - pydantic's serializer refusing it: not JSON
        raise TypeError(f"{kind.__name__} is not JSON") from None
