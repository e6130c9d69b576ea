"""When a run whose process is gone ended, and when its body began: what its mark and
every reader that finds it dead date it by (``reaper``), the monitor's runs whose end
cannot be read too (``unread_ends``: it dated one by its heartbeat alone).

Its end is its last sign of life: a ``task_output`` piece it logged after its last task
step and heartbeat was dated after the end (``run_interrupted``'s ``ts`` before an event
of the same run in ``watch --json``), so its newest logged event counts too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ..engine.events import RunStarted
from .history_records import TaskRecord
from .log_decode import LogDamage, LogEvent, decode_rows
from .run_log import log_columns


def body_start(events: list[LogEvent]) -> float | None:
    """When a run's body started: its ``run_started`` event's time, after its flow file
    imported (``runs.started`` is when it was launched, before). None for a run that never
    logged one (its process died importing): its body never began, and its duration is 0,
    as a run that did not start reads (``run_start.Reservation``), and as ``watch`` and
    the monitor count it; it read the import's time (``378ms``, ``0 tasks``). A
    ``@flow``'s retry logs its start as its delay begins: its body starts ``starts_in``
    later (one killed in its delay read ``Interrupted 1.2s``, the wait it had, where a
    cancelled one reads 0)."""
    for event in events:
        if isinstance(event, RunStarted):
            return event.ts + (event.starts_in or 0.0)
    return None


def last_sign_of_life(
    tasks: Iterable[TaskRecord],
    started: float,
    heartbeat: float | None,
    logged: float | None = None,
) -> float:
    """When a run whose process is gone ended: the newest of its tasks' last steps, its
    owner's last heartbeat, its newest logged event (``logged``: a ``task_output`` piece,
    after the last step and heartbeat, was dated after the end) and its start. A run
    killed 6 s into a sleeping task read 0.36 ms. Every reader dates such a run so (its
    mark here, ``unmarked``, ``end_time``): ``watch`` dated it by when it noticed, up to a
    reap interval later than ``history``."""
    last = max((t.updated for t in tasks if t.updated is not None), default=None)
    return max(last or started, heartbeat or started, logged or started, started)


def newest_time(events: Iterable[object]) -> float | None:
    """The newest ``ts`` of logged ``events`` (None for none): a run's last sign in its log."""
    times = [ts for event in events if isinstance(ts := getattr(event, "ts", None), float)]
    return max(times, default=None)


def newest_logged(reader: sqlite3.Connection, run_id: str) -> float | None:
    """The newest time the log of ``run_id`` holds, its rows read newest first until one
    says a time (a damaged row says none), as written; None when none does. What dates a
    run a reader ends with no row of the runs table to read (``unread_ends``), and one
    the reaper finds dead (``reaper``), as ``interrupt``, reading its whole log, dates
    it: the reaper read the newest row alone, and a damaged one gave no time."""
    names = log_columns(reader)
    newest_first = f"SELECT {names} FROM events WHERE run_id = ? ORDER BY id DESC"
    for row in reader.execute(newest_first, (run_id,)) if names else ():
        times = [ts for ts in map(_time_of, decode_rows([row])) if ts is not None]
        if times:
            return max(times)
    return None


def _time_of(event: LogEvent) -> float | None:
    """When ``event`` happened; None for one that does not say (a damaged row, a time
    that is no number or none at all)."""
    ts: object = None if isinstance(event, LogDamage) else event.ts
    return float(ts) if isinstance(ts, int | float) and ts > 0 else None
