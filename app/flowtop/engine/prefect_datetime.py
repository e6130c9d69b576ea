"""Prefect's times as Prefect code gets them: :class:`DateTime`, a ``datetime`` with the few
pendulum methods Prefect 3's own ``DateTime`` (a pendulum one) keeps and Prefect code
calls on a run's times and a state's ``timestamp`` (``to_date_string()``,
``in_timezone(...)``). A module of its own: the run contexts (``prefect_context``) and the
states (``prefect_state``), which are below the contexts, both make them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo


class DateTime(datetime):
    """A ``datetime`` with the few pendulum methods Prefect 3's ``DateTime`` keeps and
    pendulum-era code calls: ``to_date_string()``, ``to_datetime_string()``,
    ``to_iso8601_string()``, ``in_timezone("Europe/Paris")`` and ``format("YYYY-MM-DD")``
    (pendulum's tokens). Arithmetic and ``astimezone`` keep the type, as any ``datetime``
    subclass's do."""

    @classmethod
    def of(cls, moment: datetime) -> DateTime:
        return cls.combine(moment.date(), moment.timetz())

    def in_timezone(self, tz: str | tzinfo) -> DateTime:
        return self.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz)

    in_tz = in_timezone

    def to_date_string(self) -> str:
        return self.strftime("%Y-%m-%d")

    def to_time_string(self) -> str:
        return self.strftime("%H:%M:%S")

    def to_datetime_string(self) -> str:
        return self.strftime("%Y-%m-%d %H:%M:%S")

    def to_iso8601_string(self) -> str:
        text = self.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def format(self, fmt: str) -> str:
        """``fmt`` with pendulum's tokens replaced (``[text]`` kept as it is); a pendulum
        token flowtop does not render (``DDDD``, ``LT``, …) raises ``ValueError``."""
        return _TOKENS.sub(self._token, fmt)

    def _token(self, found: re.Match[str]) -> str:
        token = found.group(0)
        if found.group(1) is not None:
            return found.group(1)
        if token.startswith("S"):
            return f"{self.microsecond:06d}"[: len(token)]
        render = _RENDER.get(token)
        if render is None:
            raise ValueError(
                f"DateTime.format: pendulum's token {token!r} is not rendered in flowtop; "
                "use strftime() for it"
            )
        return render(self)


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _offset(moment: datetime, colon: str) -> str:
    """``+01:00`` (``Z``) or ``+0100`` (``ZZ``); nothing for a naive time."""
    offset = moment.utcoffset()
    if offset is None:
        return ""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{colon}{minutes:02d}"


_RENDER: dict[str, Callable[[datetime], str]] = {
    "YYYY": lambda d: f"{d.year:04d}",
    "YY": lambda d: f"{d.year % 100:02d}",
    "Q": lambda d: str((d.month - 1) // 3 + 1),
    "MMMM": lambda d: d.strftime("%B"),
    "MMM": lambda d: d.strftime("%b"),
    "MM": lambda d: f"{d.month:02d}",
    "M": lambda d: str(d.month),
    "Do": lambda d: _ordinal(d.day),
    "DD": lambda d: f"{d.day:02d}",
    "D": lambda d: str(d.day),
    "dddd": lambda d: d.strftime("%A"),
    "ddd": lambda d: d.strftime("%a"),
    "HH": lambda d: f"{d.hour:02d}",
    "H": lambda d: str(d.hour),
    "hh": lambda d: f"{(d.hour - 1) % 12 + 1:02d}",
    "h": lambda d: str((d.hour - 1) % 12 + 1),
    "mm": lambda d: f"{d.minute:02d}",
    "m": lambda d: str(d.minute),
    "ss": lambda d: f"{d.second:02d}",
    "s": lambda d: str(d.second),
    "A": lambda d: "AM" if d.hour < 12 else "PM",
    "Z": lambda d: _offset(d, ":"),
    "ZZ": lambda d: _offset(d, ""),
    "X": lambda d: str(int(d.timestamp())),
    "x": lambda d: str(int(d.timestamp() * 1000)),
}
#: Pendulum's tokens, longest first; the ones not in ``_RENDER`` (``DDDD``, ``LT``, ``zz``,
#: …) are matched only to be refused, rather than printed as letters.
_TOKENS = re.compile(
    r"\[([^\[]*)\]|LTS|LT|L{1,4}|Mo|Qo|Do|DDDo|DDDD|DDD|YYYY|YY|Q|MMMM|MMM|MM|M"
    r"|DD|D|dddd|ddd|dd|do|d|E{1,4}|HH|H|hh|h|mm|m|ss|s|S{1,6}|A|ZZ|Z|zz|z|X|x"
)


def prefect_time(timestamp: float) -> DateTime:
    """A wall-clock time as Prefect code gets it: a UTC :class:`DateTime`."""
    return DateTime.fromtimestamp(timestamp, UTC)
