"""Drop-in schedules: ``prefect.client.schemas.schedules``' ``IntervalSchedule``,
``CronSchedule`` and ``RRuleSchedule``, and ``prefect.schedules``' ``Schedule`` with its
constructors ``Cron``, ``Interval`` and ``RRule`` (Prefect 3's newer public module), as
plain values.

A Prefect flow file builds one for ``my_flow.serve(schedule=...)``, ``.serve(schedules=[
Cron("0 * * * *")])`` or ``.deploy(...)``, usually under ``if __name__ == "__main__":``.
flowtop has no deployments, and ``.serve()`` and ``.deploy()`` say so in one line when
called; but the import sat at the top of the file, and refusing it refused the whole
file, flows and all. So the classes are here: each holds the arguments Prefect's takes,
checked as Prefect checks them where that needs no scheduling library (for the
``client.schemas`` models an interval greater than 0 and a known time zone; for
``Schedule`` one kind of schedule at a time, and a cron or RRule string of a shape
Prefect could accept), and does nothing else: nothing in flowtop reads a schedule.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _checked_timezone(owner: str, name: str | None) -> str | None:
    """``name`` when it is an IANA time zone (or None), else Prefect's ``ValueError``."""
    if name is None:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(
            f'{owner}: Invalid timezone: "{name}" (specify in IANA tzdata format, for '
            "example, America/New_York)"
        ) from None
    return name


def _checked_text(owner: str, what: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"{owner}: {what} must be a non-empty string, got {value!r}")
    return value


@dataclass(frozen=True, kw_only=True)
class IntervalSchedule:
    """Every ``interval`` (a ``timedelta``, or seconds) from ``anchor_date`` (now when not
    given), in ``timezone`` (the anchor's when not given, else UTC), as Prefect's."""

    interval: dt.timedelta
    anchor_date: dt.datetime = field(default_factory=_utc_now)
    timezone: str | None = None

    def __post_init__(self) -> None:
        interval: Any = self.interval
        if isinstance(interval, int | float) and not isinstance(interval, bool):
            interval = dt.timedelta(seconds=interval)  # as Prefect's model reads a number
        if not isinstance(interval, dt.timedelta):
            raise TypeError(
                f"IntervalSchedule: interval must be a timedelta or seconds, got {interval!r}"
            )
        if interval <= dt.timedelta(0):
            raise ValueError(f"IntervalSchedule: interval must be greater than 0, got {interval}")
        anchor: Any = self.anchor_date
        if isinstance(anchor, str):
            anchor = dt.datetime.fromisoformat(anchor)
        if not isinstance(anchor, dt.datetime):
            raise TypeError(f"IntervalSchedule: anchor_date must be a datetime, got {anchor!r}")
        object.__setattr__(self, "interval", interval)  # frozen: set once, here
        object.__setattr__(self, "anchor_date", anchor)
        timezone = _checked_timezone("IntervalSchedule", self.timezone)
        if timezone is None:  # as Prefect's: the anchor's zone, else UTC
            zone = anchor.tzinfo
            timezone = zone.key if isinstance(zone, zoneinfo.ZoneInfo) else "UTC"
        object.__setattr__(self, "timezone", timezone)


@dataclass(frozen=True, kw_only=True)
class CronSchedule:
    """At the times a cron string names (``"0 * * * *"``); ``day_or`` as Prefect's."""

    cron: str
    timezone: str | None = None
    day_or: bool = True

    def __post_init__(self) -> None:
        _checked_text("CronSchedule", "cron", self.cron)
        _checked_timezone("CronSchedule", self.timezone)


@dataclass(frozen=True, kw_only=True)
class RRuleSchedule:
    """At the times an iCalendar recurrence rule names (``"FREQ=DAILY;BYHOUR=9"``)."""

    rrule: str
    timezone: str | None = "UTC"

    def __post_init__(self) -> None:
        _checked_text("RRuleSchedule", "rrule", self.rrule)
        _checked_timezone("RRuleSchedule", self.timezone)


#: The cron strings' shorthands Prefect's cron check (croniter's) accepts.
_CRON_ALIASES = frozenset(
    ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
)
#: Prefect's longest RRule string (about a year of RDATEs).
_MAX_RRULE_LENGTH = 6500


def _checked_cron(cron: object) -> None:
    """Prefect's cron check, as far as it needs no cron library: five to seven fields (or
    a shorthand such as ``@daily``), none of croniter's random or hashed ones (``R``,
    ``H``), which Prefect refuses. A field's values are not read: a string this lets
    through that Prefect would refuse can only matter to a ``.serve()``, which flowtop
    refuses anyway, whereas refusing one Prefect accepts would refuse the whole file."""
    if not isinstance(cron, str):
        raise TypeError(f"Schedule: cron must be a string such as '0 * * * *', got {cron!r}")
    fields = cron.split()
    if cron.strip().lower() in _CRON_ALIASES:
        return
    if not 5 <= len(fields) <= 7:
        raise ValueError(f'Schedule: Invalid cron string: "{cron}"')
    if any(part.casefold() in ("r", "h") for part in fields):
        raise ValueError(
            f'Schedule: Random and Hashed expressions are unsupported, received: "{cron}"'
        )


def _checked_rrule(rrule: object) -> None:
    """Prefect's RRule check, as far as it needs no ``dateutil``: a non-empty string of at
    most Prefect's length (its parts are not read, for the reason ``_checked_cron`` gives)."""
    if not isinstance(rrule, str):
        raise TypeError(f"Schedule: rrule must be a string such as 'FREQ=DAILY', got {rrule!r}")
    if not rrule.strip():
        raise ValueError(f'Schedule: Invalid RRule string "{rrule}": empty string')
    if len(rrule) > _MAX_RRULE_LENGTH:
        raise ValueError(
            f'Schedule: Invalid RRule string "{rrule[:40]}..."\n'
            f"Max length is {_MAX_RRULE_LENGTH}, got {len(rrule)}"
        )


@dataclass(frozen=True)
class Schedule:
    """Prefect 3's ``prefect.schedules.Schedule``: its fields, in its order, with its
    defaults (``anchor_date`` now, in UTC), and its checks when made (one of
    ``interval``, ``cron`` and ``rrule`` at most; see ``_checked_cron``). As Prefect's, it
    checks neither ``timezone`` nor ``interval``'s value: a file Prefect loads loads."""

    interval: dt.timedelta | None = None
    cron: str | None = None
    rrule: str | None = None
    timezone: str | None = None
    anchor_date: dt.datetime = field(default_factory=_utc_now)
    day_or: bool = True
    active: bool = True
    parameters: dict[str, Any] = field(default_factory=dict)
    slug: str | None = None

    def __post_init__(self) -> None:
        kinds = [name for name in ("interval", "cron", "rrule") if getattr(self, name) is not None]
        if len(kinds) > 1:
            raise ValueError(
                "Schedule: Only one schedule type can be defined at a time. "
                f"Found: {', '.join(kinds)}"
            )
        if self.cron is not None:
            _checked_cron(self.cron)
        if self.rrule is not None:
            _checked_rrule(self.rrule)


def Cron(
    cron: str,
    /,
    timezone: str | None = None,
    day_or: bool = True,
    active: bool = True,
    parameters: dict[str, Any] | None = None,
    slug: str | None = None,
) -> Schedule:
    """Prefect's ``Cron("0 0 * * *", timezone=...)``: a :class:`Schedule` with ``cron``."""
    return Schedule(
        cron=cron,
        timezone=timezone,
        day_or=day_or,
        active=active,
        parameters={} if parameters is None else parameters,
        slug=slug,
    )


def Interval(
    interval: dt.timedelta | float,
    /,
    anchor_date: dt.datetime | None = None,
    timezone: str | None = None,
    active: bool = True,
    parameters: dict[str, Any] | None = None,
    slug: str | None = None,
) -> Schedule:
    """Prefect's ``Interval(3600)`` / ``Interval(timedelta(hours=1), anchor_date=...)``: a
    :class:`Schedule` with ``interval`` (a number is seconds, as in Prefect)."""
    if isinstance(interval, int | float):
        interval = dt.timedelta(seconds=interval)
    return Schedule(
        interval=interval,
        anchor_date=_utc_now() if anchor_date is None else anchor_date,
        timezone=timezone,
        active=active,
        parameters={} if parameters is None else parameters,
        slug=slug,
    )


def RRule(
    rrule: str,
    /,
    timezone: str | None = None,
    active: bool = True,
    parameters: dict[str, Any] | None = None,
    slug: str | None = None,
) -> Schedule:
    """Prefect's ``RRule("FREQ=DAILY;INTERVAL=1")``: a :class:`Schedule` with ``rrule``."""
    return Schedule(
        rrule=rrule,
        timezone=timezone,
        active=active,
        parameters={} if parameters is None else parameters,
        slug=slug,
    )


#: What drop-in ``prefect.schedules`` holds (``__all__`` is what drop-in
#: ``prefect.client.schemas.schedules`` holds: Prefect's two modules differ).
SCHEDULES_MODULE = ("Cron", "Interval", "RRule", "Schedule")


def schedules_module() -> dict[str, Any]:
    """The names of drop-in ``prefect.schedules``, for ``compat.MODULES``."""
    return {name: globals()[name] for name in SCHEDULES_MODULE}


__all__ = ["CronSchedule", "IntervalSchedule", "RRuleSchedule"]
