"""The machinery the ``flowtop.runtime`` modules share: each attribute is a function read
when asked (PEP 562's module ``__getattr__``), and, as in Prefect, an environment
variable ``PREFECT__RUNTIME__<MODULE>__<NAME>`` stands in for it in tests of user code,
made the type of the value it replaces."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..engine.prefect_datetime import DateTime

Fields = dict[str, Callable[[], Any]]


def _as_datetime(text: str) -> datetime:
    """Prefect's ``_parse_datetime_UTC``: a naive time is UTC."""
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: How a mocked value is made the type of the real one (Prefect's ``type_cast``).
_CASTS: dict[type, Callable[[str], Any]] = {
    bool: lambda text: text.lower() == "true",
    int: int,
    float: float,
    str: str,
    datetime: _as_datetime,
    DateTime: lambda text: DateTime.of(_as_datetime(text)),
    type(None): str,
}


def reader(module: str, fields: Fields) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``flowtop.runtime.<module>``."""
    prefix = f"PREFECT__RUNTIME__{module.upper()}__"

    def __getattr__(name: str) -> Any:
        read = fields.get(name)
        mocked = os.environ.get(prefix + name.upper())
        if read is None:
            if mocked is not None:
                return mocked
            raise AttributeError(f"flowtop.runtime.{module} has no attribute {name!r}")
        value = read()
        if mocked is None:
            return value
        cast = _CASTS.get(type(value))
        if cast is None:
            raise ValueError(
                "This runtime context attribute cannot be mocked using an environment "
                "variable. Please use monkeypatch instead."
            )
        return cast(mocked)

    return __getattr__
