"""The keyword fields Prefect's state constructors take (``Completed(message=…,
timestamp=…)``), checked and read as Prefect 3 reads them.

Prefect 3.9's ``Completed(cls=State, **kwargs)`` and its siblings pass their keywords to
its ``State`` model: ``name``, ``message``, ``data``, ``state_details`` (a
``StateDetails`` or a dict of its fields), ``timestamp`` (a ``datetime``, ISO 8601 text or
Unix time, as pydantic reads them) and ``id``. flowtop's constructors took ``data``,
``message`` and ``name`` only, and refused the rest with a ``TypeError`` at the line that
made the state (``Completed(timestamp=…)``). A keyword that is none of these is refused,
naming those taken: Prefect's model drops it unread, so ``Completed(mesage="done")``
made a state without its message.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time
from typing import Any, TypedDict

from .prefect_run_views import StateDetails
from .value_text import safe_repr

#: Unix time past this many seconds is milliseconds, as pydantic reads a number given
#: for a ``datetime`` (Prefect's ``timestamp``).
_MILLISECONDS_FROM = 2e10


class StateFields(TypedDict, total=False):
    """Prefect's fields of a state, the keywords of its constructors."""

    name: str | None
    message: str | None
    data: Any
    state_details: StateDetails | Mapping[str, Any] | None
    timestamp: datetime | str | int | float | None
    id: uuid.UUID | str | None


#: The keywords a state constructor takes, in Prefect's order.
FIELDS = ("name", "message", "data", "state_details", "timestamp", "id")


def checked_fields(
    constructor: str, fields: Mapping[str, object], *, fixed: Collection[str] = ()
) -> dict[str, Any]:
    """``fields`` as ``State(...)`` takes them: ``timestamp`` a ``datetime``, ``id`` a
    UUID, ``state_details`` a :class:`StateDetails`. ``fixed``: what ``constructor`` sets
    itself (``Retrying``'s name), refused as Prefect refuses it, as ``type`` is."""
    for key in fields:
        if key == "type" or key in fixed:
            raise TypeError(f"{constructor}() got multiple values for keyword argument {key!r}")
        if key not in FIELDS:
            taken = ", ".join(f for f in FIELDS if f not in fixed)
            raise TypeError(
                f"{constructor}() got an unexpected keyword argument {key!r}; "
                f"a state's fields are {taken}"
            )
    checked = dict(fields)
    for key in ("name", "message"):
        value = fields.get(key)
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{constructor}(): {key} must be a str, got {_given(value)}")
    if fields.get("state_details") is not None:
        checked["state_details"] = _details(constructor, fields["state_details"])
    if fields.get("timestamp") is not None:
        checked["timestamp"] = _moment(constructor, fields["timestamp"])
    if fields.get("id") is not None:
        checked["id"] = _state_id(constructor, fields["id"])
    return checked


def _given(value: object) -> str:
    return f"{type(value).__name__} {safe_repr(value, 80)}"


def _details(constructor: str, value: object) -> StateDetails:
    """A :class:`StateDetails`, or one made from a dict of its fields (Prefect reads a
    dict so); a field flowtop's states do not keep (``cache_key``) is refused by name."""
    if isinstance(value, StateDetails):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{constructor}(): state_details must be a StateDetails or a dict of its "
            f"fields, got {_given(value)}"
        )
    kept = ("task_run_id", "flow_run_id", "task_key", "run_count")
    for key in value:
        if key not in kept:
            raise TypeError(
                f"{constructor}(): state_details field {key!r} is not kept by flowtop's "
                f"states; they keep {', '.join(kept)}"
            )
    return StateDetails(**value)


def _moment(constructor: str, value: object) -> datetime:
    """``timestamp`` as a ``datetime``, read as pydantic reads Prefect's: a ``datetime``
    kept as given, a date its midnight, ISO 8601 text parsed (``"2024-01-02T03:04:05Z"``),
    a number Unix time in UTC (seconds, or milliseconds past 2e10, pydantic's rule)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"{constructor}(): timestamp {safe_repr(value, 80)} is not an ISO 8601 "
                "time (2024-01-02T03:04:05Z)"
            ) from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) > _MILLISECONDS_FROM else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):  # past year 9999, or NaN
            raise ValueError(
                f"{constructor}(): timestamp {safe_repr(value, 80)} is no time a datetime holds"
            ) from None
    raise TypeError(
        f"{constructor}(): timestamp must be a datetime, ISO 8601 text or Unix time, "
        f"got {_given(value)}"
    )


def _state_id(constructor: str, value: object) -> uuid.UUID:
    """``id`` as a UUID: one, or its text."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{constructor}(): id must be a UUID or its text, got {_given(value)}")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValueError(f"{constructor}(): id {safe_repr(value, 80)} is not a UUID") from None
