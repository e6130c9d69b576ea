"""The Prefect 3 settings flowtop honours, and ``temporary_settings`` to change them.

Only the settings that change what flowtop does exist here (any other is refused where
it is named): a task's default retries and retry delay, read when a ``@task`` is defined
without them, as Prefect's ``Task.__init__`` does. Each is read from, in order: the
innermost ``temporary_settings`` that set it, the environment (``PREFECT_TASK_DEFAULT_RETRIES``
or its newer spelling ``PREFECT_TASKS_DEFAULT_RETRIES``), a default set by
``temporary_settings(set_defaults=...)``. Unset, the task keeps flowtop's own default.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .delays import PrefectBackoff

#: A list of retry delays holds at most this many, as ``@task`` and a settings file's
#: ``retry_delay`` take (Prefect's limit).
MAX_DELAYS = PrefectBackoff.MAX_DELAYS

#: A value longer than this shows its start only in a message (``_shown``).
_SHOWN_MOST = 200

#: Marks "no value" in an override layer (``restore_defaults`` hides the environment too).
_RESTORED: Any = object()


#: A whole number as text, as Prefect's setting reads one (pydantic's lax int, checked
#: against Prefect 3.9.1): ``"3"``, ``"+3"``, ``"-0"``, ``"1_000"``, ``"3.0"``; ASCII
#: digits only (``"٣"`` is refused), and ``"3."`` is refused too.
_WHOLE_TEXT = re.compile(r"([+-]?[0-9]+(?:_[0-9]+)*)(?:\.0+)?", re.ASCII)


def _retries(value: Any) -> int:
    """A count of retries, as Prefect's setting takes one (pydantic's lax int): an int,
    ``True`` (1) or ``False`` (0), a whole float (``3.0``), or text of one (``"3"``,
    ``"3.0"``). ``3.5``, ``"1e0"`` and a negative count are refused, as in Prefect, in
    an error that shows the value as given."""
    count = value
    if isinstance(value, float) and value.is_integer():
        count = int(value)
    elif isinstance(value, str) and (whole := _WHOLE_TEXT.fullmatch(value.strip())):
        count = int(whole[1])
    if not isinstance(count, int) or count < 0:
        raise ValueError(f"expected an int >= 0, got {_given(value)}")
    return int(count)  # True counts as 1


def _seconds(value: Any) -> float:
    """A number (``True`` is 1, as in Prefect) or the text of one, finite and >= 0."""
    seconds = float(value) if isinstance(value, int | float) else float(str(value))
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError
    return seconds


def _delay(value: Any) -> float | list[float] | None:
    """Seconds, or a list of them (``"1,2,4"`` or ``[1, 2, 4]``), as Prefect accepts; an
    empty list (``[]``, ``"[]"``) is no delay, as in Prefect; ``None`` or ``""`` sets no
    default delay (Prefect's value of the setting is then None). A list of more than
    ``MAX_DELAYS`` is refused here, counted before its items are read: from the
    environment it was read whole for every ``@task`` defined, then refused by the first
    as that task's own option (``etl.py:3: task 't': Can not configure more than 50 retry
    delays``), which sent the user to a line that sets no delay."""
    items: list[Any] | tuple[Any, ...] | None = None
    text = ""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, list | tuple):
        items = value
    else:
        text = str(value).strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
            if not text.strip():
                return []
        if "," in text:
            items = [part for part in text.split(",") if part.strip()]
    if items is not None and len(items) > MAX_DELAYS:  # the words a settings file gets
        raise ValueError(
            f"must be at most {MAX_DELAYS} delays (Prefect's limit), got {len(items):,}"
        )
    try:
        if items is not None:
            return [_seconds(item) for item in items]
        return _seconds(value if isinstance(value, int | float) else text)
    except ValueError:
        raise ValueError(f"expected seconds >= 0 or a list of them, got {_given(value)}") from None


def _shown(value: Any) -> str:
    """``repr(value)`` for a message, cut at ``_SHOWN_MOST`` characters: an environment
    variable of 100 KB that is not a delay made a 100 KB error line."""
    shown = repr(value)
    if len(shown) <= _SHOWN_MOST:
        return shown
    return f"{shown[: _SHOWN_MOST - 1]}… ({len(shown):,} characters)"


def _given(value: Any) -> str:
    """``value`` for a message, with its type when it is not text (``list [1]``): text is
    what the environment gives, and a number as text is taken. A ``ValueError`` either
    way, not the ``TypeError`` a ``@task`` option of the wrong type gets: Prefect's
    settings refuse any bad value with pydantic's ``ValidationError``, a ``ValueError``."""
    return _shown(value) if isinstance(value, str) else f"{type(value).__name__} {_shown(value)}"


class Setting:
    """One Prefect setting: ``.name``, ``.value()``; a key of ``temporary_settings``."""

    __slots__ = ("name", "field", "parse", "env")

    def __init__(self, name: str, field: str, parse: Callable[[Any], Any], env: tuple[str, ...]):
        self.name = name
        self.field = field
        self.parse = parse
        self.env = (name, *env)

    def value(self) -> Any:
        """The value now, or None when nothing set it (flowtop's default then applies)."""
        for layer in reversed(_layers.get()):
            if self.name in layer:
                found = layer[self.name]
                return None if found is _RESTORED else found
        for var in self.env:
            raw = os.environ.get(var)
            if raw not in (None, ""):
                try:
                    return self.parse(raw)
                except ValueError as exc:
                    raise ValueError(f"environment variable {var}: {exc}") from None
        return _defaults.get().get(self.name)

    def __repr__(self) -> str:
        return f"<Setting {self.name}>"


PREFECT_TASK_DEFAULT_RETRIES = Setting(
    "PREFECT_TASK_DEFAULT_RETRIES",
    "tasks.default_retries",
    _retries,
    ("PREFECT_TASKS_DEFAULT_RETRIES",),
)
PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS = Setting(
    "PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS",
    "tasks.default_retry_delay_seconds",
    _delay,
    ("PREFECT_TASKS_DEFAULT_RETRY_DELAY_SECONDS",),
)
SETTINGS = {
    s.name: s for s in (PREFECT_TASK_DEFAULT_RETRIES, PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS)
}
_BY_FIELD = {s.field: s for s in SETTINGS.values()}

_layers: ContextVar[tuple[dict[str, Any], ...]] = ContextVar("flowtop_settings", default=())
_defaults: ContextVar[dict[str, Any]] = ContextVar("flowtop_setting_defaults", default={})  # noqa: B039 - never mutated


def _setting(key: Any, where: str) -> Setting:
    if isinstance(key, Setting):
        return key
    if isinstance(key, str):
        found = SETTINGS.get(key.upper()) or _BY_FIELD.get(key)
        if found is not None:
            return found
    raise KeyError(
        f"{where}: setting {key!r} is not available in flowtop (it has {', '.join(SETTINGS)})"
    )


def _parsed(items: Mapping[Any, Any] | None, where: str) -> dict[str, Any]:
    parsed = {}
    for key, raw in (items or {}).items():
        setting = _setting(key, where)
        try:
            parsed[setting.name] = setting.parse(raw)
        except ValueError as exc:
            raise ValueError(f"{where}: {setting.name}: {exc}") from None
    return parsed


@contextmanager
def temporary_settings(
    updates: Mapping[Any, Any] | None = None,
    set_defaults: Mapping[Any, Any] | None = None,
    restore_defaults: Iterable[Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """Prefect's ``temporary_settings``: within the block, ``updates`` override the
    settings (keys are the ``PREFECT_...`` objects or names), ``set_defaults`` change what
    applies when nothing else sets one, ``restore_defaults`` forget earlier overrides and
    the environment. Yields the settings in force, by name."""
    layer = _parsed(updates, "temporary_settings updates")
    for key in restore_defaults or ():
        layer.setdefault(_setting(key, "temporary_settings restore_defaults").name, _RESTORED)
    defaults = {**_defaults.get(), **_parsed(set_defaults, "temporary_settings set_defaults")}
    layers_token = _layers.set((*_layers.get(), layer))
    defaults_token = _defaults.set(defaults)
    try:
        yield {name: setting.value() for name, setting in SETTINGS.items()}
    finally:
        _defaults.reset(defaults_token)
        _layers.reset(layers_token)


def task_defaults() -> dict[str, Any]:
    """The ``@task`` options these settings give a task defined now (max_retries,
    retry_delay), only those some setting sets."""
    found = {}
    retries = PREFECT_TASK_DEFAULT_RETRIES.value()
    if retries is not None:
        found["max_retries"] = retries
    delay = PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS.value()
    if delay is not None:
        found["retry_delay"] = delay
    return found


__all__ = [
    "PREFECT_TASK_DEFAULT_RETRIES",
    "PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS",
    "SETTINGS",
    "Setting",
    "task_defaults",
    "temporary_settings",
]
