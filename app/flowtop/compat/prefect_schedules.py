"""Drop-in ``prefect.client.schemas.schedules``: ``IntervalSchedule``, ``CronSchedule``
and ``RRuleSchedule`` as plain values.

A Prefect flow file builds one for ``my_flow.serve(schedule=...)`` or ``.deploy(...)``,
usually under ``if __name__ == "__main__":``. flowtop has no deployments, and
``.serve()`` and ``.deploy()`` say so in one line when called; but the import sat at the
top of the file, and refusing it refused the whole file, flows and all. So the classes
are here: each holds the arguments Prefect's takes (keywords only, as Prefect's models
take them), checked as Prefect checks them where that needs no scheduling library (an
interval greater than 0, a known time zone), and does nothing else: nothing in flowtop
reads a schedule.
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


__all__ = ["CronSchedule", "IntervalSchedule", "RRuleSchedule"]
