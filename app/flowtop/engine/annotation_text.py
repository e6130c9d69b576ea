"""An annotation read from its text (``date | None``, ``list[int]``), for the run form,
which never imports the flow's module, to check a value as it is typed: the types
``parameter_types.coerce`` makes, and for a class of the user's, none (the flow host
checks it)."""

from __future__ import annotations

import ast
import collections.abc as abc
import datetime as dt
import functools
import operator
import typing
from pathlib import PurePath
from typing import Any

#: Annotations a form can check without the user's module: by the text they are written as.
_BY_NAME: dict[str, type] = {
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "date": dt.date,
    "datetime": dt.datetime,
    "time": dt.time,
    "datetime.date": dt.date,
    "datetime.datetime": dt.datetime,
    "datetime.time": dt.time,
    "Path": PurePath,
    "pathlib.Path": PurePath,
}


#: Containers a form reads by name, bare (``list``) or with their items (``List[str]``).
_CONTAINERS: dict[str, Any] = {
    "list": list,
    "List": list,
    "tuple": tuple,
    "Tuple": tuple,
    "set": set,
    "Set": set,
    "frozenset": frozenset,
    "FrozenSet": frozenset,
    "dict": dict,
    "Dict": dict,
    "Sequence": abc.Sequence,
    "MutableSequence": abc.MutableSequence,
    "Collection": abc.Collection,
    "Iterable": abc.Iterable,
    "AbstractSet": abc.Set,
    "MutableSet": abc.MutableSet,
    "Mapping": abc.Mapping,
    "MutableMapping": abc.MutableMapping,
}

#: A container written without its items: a bare ``Sequence`` is not read (text is one).
_BARE_CONTAINERS: dict[str, type] = {
    name: kind for name, kind in _CONTAINERS.items() if name in ("list", "tuple", "set", "dict")
}

#: What ``_read_hint`` returns for text it cannot read: a class of the user's.
_UNKNOWN: Any = object()


def hint_named(text: str) -> Any:
    """The type an annotation's text names (``int``, ``date | None``, ``Optional[int]``,
    ``tuple[str, ...]``, ``dict[str, list[date]]``), for the run form, which never imports
    the flow's module, to check a value as it is typed, items and all; None when it names
    a class of the user's (``Level``): then the flow host or the run checks it. Inside a
    container such a class is ``Any``: ``list[Level]`` still takes only a JSON list."""
    hint = _read_hint(text)
    return None if hint is _UNKNOWN else hint


def _read_hint(text: str) -> Any:
    text = text.strip()
    options = _split_top(text, "|")
    if len(options) > 1:
        return _union([_read_hint(option) for option in options])
    if text == "None":
        return type(None)
    if text in ("Any", "typing.Any", "object"):
        return Any if text != "object" else object
    name, bracket, rest = text.partition("[")
    name = name.strip().removeprefix("typing.").removeprefix("collections.abc.")
    if not bracket:
        return _BY_NAME.get(text) or _BARE_CONTAINERS.get(text, _UNKNOWN)
    if not rest.endswith("]"):
        return _UNKNOWN
    args = _split_top(rest[:-1], ",")
    if name == "Optional" and len(args) == 1:
        return _union([_read_hint(args[0]), type(None)])
    if name == "Union":
        return _union([_read_hint(arg) for arg in args])
    if name == "Literal":
        try:
            return typing.Literal[tuple(ast.literal_eval(arg.strip()) for arg in args)]
        except (ValueError, SyntaxError, TypeError):
            return _UNKNOWN
    origin = _CONTAINERS.get(name)
    if origin is None:
        return _UNKNOWN
    items = tuple(Ellipsis if arg.strip() == "..." else _item_hint(arg) for arg in args)
    try:
        return origin[items if len(items) > 1 else items[0]]
    except (TypeError, IndexError):
        return _UNKNOWN


def _item_hint(text: str) -> Any:
    """An item's type read, or for a class of the user's one that takes any value and is
    named as written (``expected list[Level] as a JSON list``): the flow host checks it."""
    hint = _read_hint(text)
    return _Unread(text.strip()) if hint is _UNKNOWN else hint


class _Unread:
    """A type the form cannot read, by its text: not a ``type``, so ``coerce`` passes its
    value as given (null too) and ``type_text`` writes it as the text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _union(options: list[Any]) -> Any:
    """``A | B`` of the types read; unknown if one of them is (``Level | None``)."""
    if any(option is _UNKNOWN for option in options):
        return _UNKNOWN
    return functools.reduce(operator.or_, options)


def _split_top(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside brackets and quotes (``dict[str, int] |
    None`` is two parts, ``Literal["a|b"]`` one)."""
    parts: list[str] = []
    depth, quote, start = 0, "", 0
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts
