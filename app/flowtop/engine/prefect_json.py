"""Prefect 3's JSON form of a flow run's parameters (``Flow.serialize_parameters``), and
the errors its pydantic client models raise for a value they refuse (``model_error``).

Prefect stores ``flow_run.parameters`` as JSON: each value passed through FastAPI's
``jsonable_encoder`` (a pydantic model its dict, a date its ISO string, a tuple or set a
list, an object its attributes), then read back from its API. Prefect code relies on that
(``json.dumps(flow_run.parameters)`` in a hook), so the ``flow_run`` flowtop gives it (a
hook's, ``FlowRunContext``'s, ``runtime.deployment.parameters``) holds that form, while
``FlowRunContext.parameters`` and ``runtime.flow_run.parameters`` keep the objects, as in
Prefect. flowtop has no FastAPI: :func:`jsonable` does what ``jsonable_encoder`` does for
the types it knows (fastapi 0.150), and pydantic's only when pydantic is loaded.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import ipaddress
import math
import re
import sys
import types
import uuid
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from .prefect_state import State

#: How Prefect names a future in the parameters: the type of ``task.submit``'s future
#: (``ThreadPoolTaskRunner``'s); flowtop's futures have their own class names.
FUTURE_PLACEHOLDER = "<PrefectConcurrentFuture>"


class Unencodable(ValueError):
    """A value ``jsonable_encoder`` cannot encode: its parameter becomes ``"<TypeName>"``."""


def _decimal(value: Decimal) -> int | float:
    """FastAPI's ``decimal_encoder``: an int without a fractional exponent, else a float."""
    exponent = value.as_tuple().exponent
    return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)


def _decoded(value: bytes) -> str:
    return value.decode()


def _iso(value: datetime.date | datetime.time) -> str:
    return value.isoformat()


def _seconds(value: datetime.timedelta) -> float:
    return value.total_seconds()


def _pattern(value: re.Pattern[Any]) -> Any:
    return value.pattern


#: FastAPI's ``ENCODERS_BY_TYPE`` for the standard library's types, checked by
#: ``isinstance`` in this order once a value is none of the containers.
_BY_TYPE: tuple[tuple[type[Any] | tuple[type[Any], ...], Callable[[Any], Any]], ...] = (
    (bytes, _decoded),
    ((datetime.date, datetime.time), _iso),  # a datetime is a date
    (datetime.timedelta, _seconds),
    (Decimal, _decimal),
    (
        (
            ipaddress.IPv4Address,
            ipaddress.IPv4Interface,
            ipaddress.IPv4Network,
            ipaddress.IPv6Address,
            ipaddress.IPv6Interface,
            ipaddress.IPv6Network,
            uuid.UUID,
        ),
        str,
    ),
    (re.Pattern, _pattern),
)


def _state_and_future_types() -> tuple[type[Any], ...]:
    """flowtop's ``State`` and, once loaded, its futures' class. ``calls`` is looked up,
    not imported: it imports this module's importers, and while it is not loaded no
    future can exist."""
    calls = sys.modules.get(f"{__package__}.calls")
    future = getattr(calls, "Future", None)
    return (State,) if future is None else (State, future)


def serialized_parameters(fn: Any, parameters: dict[str, Any]) -> dict[str, Any]:
    """``parameters`` as Prefect's ``flow_run.parameters`` has them (see the module doc):
    a state or future its ``"<State>"`` placeholder, any value that cannot be encoded
    ``"<TypeName>"``; the instance a method flow is bound to is left out, as Prefect does."""
    bound_to = fn.__self__ if isinstance(fn, types.MethodType) else None
    serialized: dict[str, Any] = {}
    for name, value in parameters.items():
        if bound_to is not None and value is bound_to:
            continue
        if isinstance(value, State):
            serialized[name] = f"<{type(value).__name__}>"
        elif isinstance(value, _state_and_future_types()):
            serialized[name] = FUTURE_PLACEHOLDER
        else:
            try:
                serialized[name] = jsonable(value)
            except Exception:  # noqa: BLE001 - as Prefect: any failure gives the placeholder
                serialized[name] = f"<{type(value).__name__}>"
    return serialized


def jsonable(value: Any) -> Any:
    """FastAPI's ``jsonable_encoder(value)`` as read back from Prefect's API: what it
    gives, with dict keys as JSON's strings and NaN or infinity as None. Raises
    :class:`Unencodable` (or what encoding raised) for a value it cannot encode."""
    pydantic = _pydantic()
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return jsonable(value.model_dump(mode="json", by_alias=True))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, PurePath):
        return str(value)
    if value is None or isinstance(value, str | int | float):
        return _plain(value)
    if isinstance(value, _state_and_future_types()):
        raise Unencodable(f"a {type(value).__name__} inside a parameter has no JSON form")
    if isinstance(value, dict):
        return {
            _key(jsonable(key)): jsonable(item)
            for key, item in value.items()
            if not (isinstance(key, str) and key.startswith("_sa"))  # sqlalchemy_safe
        }
    if isinstance(value, list | set | frozenset | tuple | deque | types.GeneratorType):
        return [jsonable(item) for item in value]
    for kinds, encode in _BY_TYPE:
        if isinstance(value, kinds):
            return _plain(encode(value))
    if pydantic is not None and isinstance(value, _pydantic_strings(pydantic)):
        return str(value)
    return jsonable(_attributes(value))


def _attributes(value: Any) -> dict[Any, Any]:
    """What ``jsonable_encoder`` makes of any other object: ``dict(value)``, else its
    ``vars``; neither, and it cannot be encoded."""
    try:
        return dict(value)
    except Exception:  # noqa: BLE001 - as FastAPI: any failure means try its vars
        try:
            return dict(vars(value))
        except TypeError:
            raise Unencodable(f"a {type(value).__name__} has no JSON form") from None


def _plain(value: Any) -> Any:
    """A float as JSON keeps it: NaN and infinity come back from Prefect's API as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _key(key: Any) -> str:
    """A dict key as JSON writes it (Prefect's API gives ``{1: x}`` back as ``{"1": x}``)."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def _pydantic() -> Any:
    """pydantic's module if the flow's code loaded it, else None: a value can be a
    pydantic model only then, and flowtop does not need pydantic itself."""
    return sys.modules.get("pydantic")


def _pydantic_strings(pydantic: Any) -> tuple[type[Any], ...]:
    """pydantic's types FastAPI encodes as ``str``: secrets, URLs and ``NameEmail``."""
    names = ("SecretStr", "SecretBytes", "AnyUrl", "NameEmail")
    kinds = tuple(getattr(pydantic, name, None) for name in names)
    return tuple(kind for kind in kinds if isinstance(kind, type))


def model_error(
    model: str, field: str, value: Any, message: str, max_length: int = 0
) -> ValueError:
    """What Prefect raises when its pydantic model ``model`` (``VariableCreate``,
    ``MarkdownArtifact``...) refuses ``value`` for ``field``: pydantic's
    ``ValidationError`` ("1 validation error for VariableCreate"), with ``message`` as its
    validator words it, or, past ``max_length``, pydantic's own ``too_long``. A
    ``ValueError`` either way, so ``except ValueError`` catches it as in Prefect; without
    pydantic, a plain ``ValueError`` of ``message``."""
    try:
        from pydantic_core import InitErrorDetails, ValidationError
    except ImportError:
        return ValueError(message)
    if max_length:
        ctx = {"field_type": "Value", "max_length": max_length, "actual_length": len(value)}
        error = InitErrorDetails(type="too_long", loc=(field,), input=value, ctx=ctx)
    else:
        ctx = {"error": ValueError(message)}
        error = InitErrorDetails(type="value_error", loc=(field,), input=value, ctx=ctx)
    return ValidationError.from_exception_data(model, [error])
