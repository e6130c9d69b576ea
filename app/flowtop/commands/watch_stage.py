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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.events import json_record
from .printers import HumanPrinter, JsonPrinter
from .run_lines import stage_json, stage_line, starting_json, starting_line

if TYPE_CHECKING:
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
) -> str:
    """Say what live run ``run_id``'s process waits on now when that changed since
    ``said``: a line, or ``--json``'s ``run_stage`` event (``"stage": ""`` once over).
    What is said now. ``record_of``: the run's row (None: unreadable now); ``began``: its
    start was read (before it, a line says it ``starting: …``, as ``say_starting``)."""
    stage = stage_of(db, run_id)
    if not began and not stage:
        return stage  # its start comes next
    record = record_of(db, run_id) if stage != said else None
    if record is None or record.state != "RUNNING":
        return said  # the same, unreadable now, or ended: its end comes next
    if isinstance(printer, JsonPrinter):
        printer.output.write(json_record(stage_json(record, stage, time.time())) + "\n")
    else:
        printer.make_room()  # (the status line is drawn again below it)
        line = stage_line(record, stage, said, time.time()) if began else None
        printer.output.write((line or starting_line(record, stage)) + "\n")
    return stage
