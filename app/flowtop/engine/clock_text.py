"""Local wall-clock times as text, for the engine and the screens alike.

The engine writes one itself (when a cached result was made: ``cached result of etl #3,
2026-12-02 10:42:05``), and every screen writes them through ``flowtop.formats``, which
imports the engine: the one form lives here, below both.
"""

from __future__ import annotations

import time


def local_time(form: str, ts: float) -> str:
    """``ts`` as local time in ``form``; one no calendar holds (a retry due after a delay
    of 1e17 s: ``localtime`` raises) is said, not raised: it crashed the monitor."""
    try:
        return time.strftime(form, time.localtime(ts))
    except (OverflowError, OSError, ValueError):
        return "after the year 9999" if ts > 0 else "?"


def date_time(ts: float | None, missing: str = "-") -> str:
    """A wall-clock timestamp as local ``YYYY-MM-DD HH:MM:SS``."""
    return missing if ts is None else local_time("%Y-%m-%d %H:%M:%S", ts)
