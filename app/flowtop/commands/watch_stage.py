"""``flowtop watch``'s lines of what a live run's process waits on (``run_stage``).

A run launched with a Dask scheduler given by address connects to it after its import
(up to 10 s), and its attempts can wait on a scheduler with no worker for as long as
none joins: the watch said ``starting: its process is importing the flow file``, then
nothing. What the process records in the store is said as it changes: past the import in
the run's ``starting:`` line (``run_starting``'s ``"stage"``), and once the run began as
a line of its own (``run_stage``), again when it is over.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.events import json_record
from .printers import HumanPrinter, JsonPrinter
from .run_lines import stage_json, stage_line, starting_json, starting_line, stopped_line

if TYPE_CHECKING:
    from ..engine.events import Event
    from ..workspace.history_records import RunRecord


def stage_of(db: Path, run_id: str) -> str:
    """What live run ``run_id``'s process said it waits on ("" for nothing, or unknown)."""
    from ..workspace.run_stage import stages_in

    return stages_in(db).get(run_id, "")


def say_starting(
    printer: JsonPrinter | HumanPrinter,
    db: Path,
    run_id: str,
    record_of: Callable[[Path, str], RunRecord | None],
) -> str:
    """Say that run ``run_id``, live and with nothing logged, has not started yet, its
    process importing the flow file (or past it, what it waits on): a line, or
    ``--json``'s ``run_starting`` event. What it waits on, as said."""
    record = record_of(db, run_id)
    if record is None or record.state != "RUNNING":
        return ""  # unreadable now, or ended since: its end comes next
    stage = stage_of(db, run_id)
    if isinstance(printer, JsonPrinter):
        printer.output.write(json_record(starting_json(record, stage)) + "\n")
    else:
        printer.output.write(starting_line(record, stage) + "\n")
    return stage


def say_stage(
    printer: JsonPrinter | HumanPrinter,
    db: Path,
    run_id: str,
    said: str,
    record_of: Callable[[Path, str], RunRecord | None],
    began: bool = True,
    known: tuple[str, float | None] | None = None,
) -> str:
    """Say what live run ``run_id``'s process waits on now when that changed since
    ``said``: a line, or ``--json``'s ``run_stage`` event (``"stage": ""`` once over),
    dated when the process said it (``stage_at``; the watch's read time stamped it, after
    later lines). What is said now. ``record_of``: the run's row (None: unreadable now);
    ``began``: its start was read (before it, a line says it ``starting: …``, as
    ``say_starting``); ``known``: the stage and its time, read already (``stage_cut``)."""
    from ..workspace.run_stage import stage_and_time

    stage, at = known if known is not None else stage_and_time(db, run_id)
    if not began and not stage:
        return stage  # its start comes next
    record = record_of(db, run_id) if stage != said else None
    if record is None or record.state != "RUNNING":
        return said  # the same, unreadable now, or ended: its end comes next
    at = time.time() if at is None else at  # (a store older than ``stage_at``)
    if isinstance(printer, JsonPrinter):
        printer.output.write(json_record(stage_json(record, stage, at)) + "\n")
    else:
        printer.make_room()  # (the status line is drawn again below it)
        line = stage_line(record, stage, said, at) if began else None
        printer.output.write((line or starting_line(record, stage)) + "\n")
    return stage


def stage_cut(
    db: Path, run_id: str, said: str, events: Sequence[Event]
) -> tuple[int, tuple[str, float | None] | None]:
    """Where among ``events`` (a batch read of run ``run_id``'s family, while its process
    said it waits on ``said``) what it waits on changed: the index of the first event at
    or after the change, and the stage and its time (``say_stage``'s ``known``); (len,
    None) for no change. A worker that joins runs the tasks at once: `no longer waiting
    for a Dask worker` was said after the tasks' lines, at the watch's next quiet look."""
    from ..workspace.run_stage import stage_and_time

    if not said:
        return len(events), None
    known = stage_and_time(db, run_id)
    if known[0] == said:
        return len(events), None
    at = known[1]
    cut = next((i for i, e in enumerate(events) if at is None or e.ts >= at), len(events))
    return cut, known


def say_stopped(
    printer: JsonPrinter | HumanPrinter,
    db: Path,
    run_id: str,
    said: str | None,
    record_of: Callable[[Path, str], RunRecord | None],
    *,
    first: bool = False,
    resumed_at: float | None = None,
) -> str | None:
    """What ``watch`` says of run ``run_id`` after each look at its process (the reaper's,
    in the store ``db``): that it is stopped (``stopped_line``), or runs again, when that
    changed since ``said``: a line, or ``--json``'s ``run_stopped`` / ``run_resumed``
    event (it was stderr text alone). What is said now. ``first``: the watch's first
    look, the process stopped before it began: its line has no time (the watch's read
    time read as when it stopped, before the lines of its past); ``resumed_at``: the
    run's events came again, the first at that time: it runs again by then."""
    from ..workspace.ownership import stopped_pid, stopped_words

    words = None if resumed_at is not None else stopped_words(run_id)
    if words == said:
        return said
    record = record_of(db, run_id)
    name = f"run {run_id}" if record is None else f"{record.flow} #{record.number}"
    at = resumed_at if resumed_at is not None else None if first else time.time()
    if isinstance(printer, HumanPrinter):
        printer.make_room()  # (the status line is drawn again below it)
        printer.output.write(stopped_line(name, words, at) + "\n")
        return words
    said_json: dict[str, object] = {
        "event": "run_resumed" if words is None else "run_stopped",
        "run_id": run_id,
        "flow": None if record is None else record.flow,
        "run": None if record is None else record.number,
        "ts": time.time() if at is None else at,
    }
    if words is not None:
        said_json.update(pid=stopped_pid(run_id), words=words, before_watch=first)
    printer.output.write(json_record(said_json) + "\n")
    return words
