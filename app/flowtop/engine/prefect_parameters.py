"""Prefect 3's ``flow.parameters``: an attribute, the ``ParameterSchema`` of the flow's
function (``properties``, ``required``, ``definitions``), not a method.

flowtop's own code asks a flow for its parameters by calling ``flow.parameters()`` (a
static ``Flow``'s method, what ``--param`` and the monitor's form read). So a ``@flow``'s
:class:`ParametersView` is both: Prefect's schema, read as attributes, and called, the
list of :class:`ParameterInfo` flowtop reads (:class:`ParametersAttribute` makes one per
flow when read).

The schema is Prefect's shape (checked side by side with Prefect 3.9.1): each property
has its ``title`` (the name), ``position`` and ``default`` (as JSON), and the JSON schema
of its annotation: ``integer``, ``number``, ``string``, ``boolean``, ``array`` (with
``items``), ``object``, ``anyOf`` for a union, an ``Enum`` or ``Literal`` as ``enum``
(an ``Enum`` under ``definitions``, named by ``$ref``), dates and times as formatted
strings; ``*args`` an array and ``**kwargs`` an object. Any other type is pydantic's
schema of it when pydantic is installed (as Prefect makes it), else ``{}`` (any value).
Prefect also reads Google-style docstrings into ``description``: flowtop does not.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import json
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from .parameter_types import field_default, hints, is_field, pydantic_json, to_json
from .parameters import ParameterInfo, signature_parameters

#: The JSON schema of the plain types, as pydantic (and so Prefect) writes it.
_PLAIN: dict[Any, dict[str, Any]] = {
    int: {"type": "integer"},
    float: {"type": "number"},
    str: {"type": "string"},
    bool: {"type": "boolean"},
    bytes: {"type": "string", "format": "binary"},
    type(None): {"type": "null"},
    dt.datetime: {"type": "string", "format": "date-time"},
    dt.date: {"type": "string", "format": "date"},
    dt.time: {"type": "string", "format": "time"},
    dt.timedelta: {"type": "string", "format": "duration"},
    list: {"type": "array", "items": {}},
    tuple: {"type": "array", "items": {}},
    set: {"type": "array", "items": {}, "uniqueItems": True},
    frozenset: {"type": "array", "items": {}, "uniqueItems": True},
    dict: {"type": "object", "additionalProperties": True},
}
_ARRAYS = (list, tuple, set, frozenset)
_UNIONS = (typing.Union, types.UnionType)


@dataclass(slots=True)
class ParameterSchema:
    """Prefect's ``ParameterSchema``: an OpenAPI object schema of a function's parameters."""

    title: str = "Parameters"
    type: str = "object"
    properties: dict[str, Any] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)
    definitions: dict[str, Any] = field(default_factory=dict)

    def model_dump(self, **_: Any) -> dict[str, Any]:
        """As Prefect's (a pydantic model's): its fields as a dict."""
        return {
            "title": self.title,
            "type": self.type,
            "properties": self.properties,
            "required": self.required,
            "definitions": self.definitions,
        }

    def model_dump_for_openapi(self) -> dict[str, Any]:
        """``model_dump()`` without an empty ``required``, as Prefect's."""
        dumped = self.model_dump()
        if not dumped["required"]:
            del dumped["required"]
        return dumped


class ParametersView:
    """A ``@flow``'s ``parameters``: called, flowtop's list; read as attributes, Prefect's
    schema. The schema is made on its first read only: flowtop's loader calls the list for
    every flow, and a schema may import pydantic (for a model or dataclass parameter),
    which the list never needs."""

    __slots__ = ("_made", "fn")

    def __init__(self, fn: Callable[..., Any] | None) -> None:
        self.fn = fn
        self._made: ParameterSchema | None = None

    def __call__(self) -> list[ParameterInfo]:
        return [] if self.fn is None else signature_parameters(self.fn)

    @property
    def schema(self) -> ParameterSchema:
        if self._made is None:
            self._made = ParameterSchema() if self.fn is None else parameter_schema(self.fn)
        return self._made

    @property
    def title(self) -> str:
        return self.schema.title

    @property
    def type(self) -> str:
        return self.schema.type

    @property
    def properties(self) -> dict[str, Any]:
        return self.schema.properties

    @property
    def required(self) -> list[str]:
        return self.schema.required

    @property
    def definitions(self) -> dict[str, Any]:
        return self.schema.definitions

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return self.schema.model_dump()

    def model_dump_for_openapi(self) -> dict[str, Any]:
        return self.schema.model_dump_for_openapi()


class ParametersAttribute:
    """The ``parameters`` of a ``@flow`` class: read on a flow, its :class:`ParametersView`
    (made when read: a flow bound to an instance has its own function)."""

    def __get__(self, instance: Any, owner: type | None = None) -> ParametersView:
        return ParametersView(None if instance is None else instance.fn)


def parameter_schema(fn: Callable[..., Any]) -> ParameterSchema:
    """The schema of ``fn``'s parameters (Prefect's ``parameter_schema``): ``self`` and
    ``cls`` left out, as Prefect leaves them."""
    schema = ParameterSchema()
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin or an odd callable: nothing to name
        return schema
    declared = hints(fn)
    for position, p in enumerate(signature.parameters.values()):
        if p.name in ("self", "cls"):
            continue
        hint = declared.get(p.name, Any)
        prop: dict[str, Any] = {"title": p.name, "position": position}
        if p.kind is p.VAR_POSITIONAL:
            prop |= {"type": "array", "items": _schema(hint, schema.definitions), "default": []}
        elif p.kind is p.VAR_KEYWORD:
            items = _schema(hint, schema.definitions) or True
            prop |= {"type": "object", "additionalProperties": items, "default": {}}
        else:
            prop |= _schema(hint, schema.definitions)
            default = field_default(p.default) if is_field(p.default) else p.default
            if default is p.empty:
                schema.required.append(p.name)
            else:
                prop["default"] = _as_json(default)
        schema.properties[p.name] = prop
    return schema


def _schema(hint: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of one annotation; an ``Enum`` goes to ``definitions``."""
    if hint is Any or hint is inspect.Parameter.empty or isinstance(hint, str):
        return {}
    if hint is None:
        hint = type(None)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        definitions[hint.__name__] = {"title": hint.__name__, **_enum([m.value for m in hint])}
        return {"$ref": f"#/definitions/{hint.__name__}"}
    if isinstance(hint, type) and issubclass(hint, PurePath):
        return {"type": "string", "format": "path"}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Annotated:  # its constraints (``minimum``) are pydantic's to write
        return _pydantic_schema(hint, definitions) or _schema(args[0], definitions)
    if origin in _UNIONS:
        return {"anyOf": [_schema(arg, definitions) for arg in args]}
    if origin is typing.Literal:
        return _enum(list(args))
    if origin in _ARRAYS and args:
        items = args[0] if origin is not tuple or args[-1] is Ellipsis else Any
        return {**_PLAIN[origin], "items": _schema(items, definitions)}
    if origin is dict and len(args) == 2:
        return {"type": "object", "additionalProperties": _schema(args[1], definitions)}
    try:
        plain = _PLAIN.get(origin or hint)
    except TypeError:  # an annotation that is no type (``x: [int]``): any value, as pydantic's
        return {}
    if plain is not None:
        return dict(plain)
    return _pydantic_schema(hint, definitions)


def _enum(values: list[Any]) -> dict[str, Any]:
    kinds = {type(v) for v in values}
    named = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if len(kinds) == 1 and (kind := named.get(kinds.pop())) is not None:
        return {"enum": values, "type": kind}
    return {"enum": values}


def _pydantic_schema(hint: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    """pydantic's schema of a type the plain mapping does not know (a model, a dataclass:
    under ``definitions``, named by ``$ref``, as Prefect's), the definitions it needs
    added to ``definitions``; ``{}`` without pydantic or when it has no schema for it
    (Prefect's ``Any`` then too)."""
    try:
        import pydantic
    except ImportError:
        return {}
    try:
        made = pydantic.TypeAdapter(hint).json_schema(ref_template="#/definitions/{model}")
    except Exception:  # noqa: BLE001 - any type pydantic cannot describe: any value
        return {}
    definitions.update(made.pop("$defs", {}))
    if isinstance(hint, type) and made.get("type") == "object":  # a model: by reference
        definitions[hint.__name__] = made
        return {"$ref": f"#/definitions/{hint.__name__}"}
    return dict(made)


def _as_json(value: Any) -> Any:
    """A default as Prefect's schema holds it: JSON (an ``Enum`` by value, a date as
    text, a ``timedelta`` as pydantic writes it, ``"PT1H"``), else its ``repr``."""
    for json_of in (to_json, pydantic_json):
        try:
            return json.loads(json.dumps(value, default=json_of))
        except (TypeError, ValueError):
            continue
    return repr(value)


__all__ = ["ParameterSchema", "ParametersAttribute", "ParametersView", "parameter_schema"]
