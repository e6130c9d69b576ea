"""``flowtop history``'s table of runs, fitted to the terminal it is written to.

Each row was 100-160 characters: at 80 columns every one, the header too, wrapped onto
a second line, and RERUN OF, RUN ID and NOTE landed under FLOW. At a terminal narrower
than the table, what matters least gives way, a step at a time and only as far as it
must: NOTE goes to a line of its own under its run, RUN ID is left out (``--run N``
shows it), RERUN OF joins the note's line, STARTED leaves out the year (this year's
runs) or the time (older ones), then the run's name, FLOW and TASKS are cut with ``…``.
The line under a run wraps under its indent, never cut: an interrupted run's note ends
in its cause. Piped (no width), the table is as it always was: scripts read its columns.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TextIO

from rich.cells import cell_len

from ..engine.clock_text import local_time
from ..formats import broken_into_lines, cut_cells, pad_cells
from ..printable import drawn_as_measured

HEADER = ("FLOW", "#", "STATE", "STARTED", "DURATION", "TASKS", "RERUN OF", "RUN ID", "NOTE")
FLOW, NUMBER, STATE, STARTED, DURATION, TASKS, RERUN_OF, RUN_ID, NOTE = range(len(HEADER))
#: How far the line under a run (its rerun source, its note) is indented: apart from
#: the FLOW column it sits under.
BELOW = "    "
#: The fewest cells FLOW and TASKS are cut to (``nightly-…``, ``3 completed, 1 fa…``);
#: narrower still, the rows wrap rather than say nothing.
MIN_FLOW = 8
MIN_TASKS = 12
#: A run's name cut to fewer cells than this is left out (``3 (n…)`` says nothing).
MIN_NAME = 4


def terminal_width(stream: TextIO) -> int | None:
    """The width of the terminal ``stream`` writes to; None when it is no terminal (a
    pipe, a file), whose reader gets the table as wide as its cells."""
    try:
        return shutil.get_terminal_size().columns if stream.isatty() else None
    except (AttributeError, ValueError):  # closed, or no stream at all
        return None


@dataclass(frozen=True)
class Row:
    """One run's cells as the stream writes them (``HEADER``'s order), with its number
    and its run's name apart (``#`` is ``3 (name)``: the name is cut first) and its start
    said short (``short_started``)."""

    cells: tuple[str, ...]
    number: str = ""
    name: str = ""
    short_started: str = ""


def short_started(ts: float | None, now: float | None = None) -> str:
    """STARTED in fewer cells: ``12-06 21:30`` this year, ``2025-12-06`` before it."""
    if ts is None:
        return "-"
    this_year = local_time("%Y", time.time() if now is None else now)
    if local_time("%Y", ts) == this_year:
        return local_time("%m-%d %H:%M", ts)
    return local_time("%Y-%m-%d", ts)


@dataclass(frozen=True)
class _Layout:
    """How far the table gave way (``table_lines``' steps, in turn)."""

    note_below: bool = False
    without_id: bool = False
    rerun_below: bool = False
    short_start: bool = False
    name_cells: int | None = None  # the run's name cut to this (0: left out)
    flow_cells: int | None = None
    tasks_cells: int | None = None


def table_lines(rows: Sequence[Row], width: int | None = None) -> list[str]:
    """The table's lines, its header first; within ``width`` cells when it can (None:
    as wide as its cells, piped)."""
    layout = _Layout()
    if width is None or _widest(rows, layout) <= width:
        return _lines(rows, layout, width)
    steps = (  # (an empty NOTE or RERUN OF column goes too: its title alone wrapped the header)
        {"note_below": True},
        {"without_id": True},
        {"rerun_below": True},
        {"short_start": True},
    )
    for step in steps:
        layout = replace(layout, **step)
        if _widest(rows, layout) <= width:
            return _lines(rows, layout, width)
    # then cut: the run's name (its number stays), then FLOW and TASKS, the wider first
    over = _widest(rows, layout) - width
    if over > 0:
        layout = replace(layout, name_cells=max(0, _longest_name(rows) - over))
    over = _widest(rows, layout) - width
    flow_cells, tasks_cells = (_column_width(rows, layout, c) for c in (FLOW, TASKS))
    while over > 0 and (flow_cells > MIN_FLOW or tasks_cells > MIN_TASKS):
        if tasks_cells > MIN_TASKS and (tasks_cells >= flow_cells or flow_cells <= MIN_FLOW):
            tasks_cells -= 1
        else:
            flow_cells -= 1
        over -= 1
    layout = replace(layout, flow_cells=flow_cells, tasks_cells=tasks_cells)
    return _lines(rows, layout, width)


def _longest_name(rows: Sequence[Row]) -> int:
    return max((cell_len(row.name) for row in rows), default=0)


def _columns(layout: _Layout) -> list[int]:
    """The columns shown on a run's own line."""
    left_out = {
        NOTE: layout.note_below,
        RUN_ID: layout.without_id,
        RERUN_OF: layout.rerun_below,
    }
    return [i for i in range(len(HEADER)) if not left_out.get(i, False)]


def _cell(row: Row, column: int, layout: _Layout) -> str:
    cell = row.cells[column]
    if column == STARTED and layout.short_start:
        return row.short_started
    if column == NUMBER and row.name and layout.name_cells is not None:
        if layout.name_cells < MIN_NAME:
            return row.number
        return f"{row.number} ({cut_cells(row.name, layout.name_cells)})"
    if column == FLOW and layout.flow_cells is not None:
        return cut_cells(cell, layout.flow_cells)
    if column == TASKS and layout.tasks_cells is not None:
        return cut_cells(cell, layout.tasks_cells)
    return cell


def _column_width(rows: Sequence[Row], layout: _Layout, column: int) -> int:
    return max(cell_len(HEADER[column]), *(cell_len(_cell(row, column, layout)) for row in rows))


def _widest(rows: Sequence[Row], layout: _Layout) -> int:
    """The widest line of the table's rows laid out so (a line under a run wraps)."""
    columns = _columns(layout)
    widths = [_column_width(rows, layout, c) for c in columns]
    last = columns[-1]  # its padding is stripped: the widest of its cells counts
    head = sum(widths[:-1]) + 2 * (len(columns) - 1)
    return head + max(cell_len(HEADER[last]), *(cell_len(_cell(r, last, layout)) for r in rows))


def _below(row: Row, layout: _Layout) -> str:
    """What goes on the line under a run: its rerun source, its note."""
    parts = []
    if layout.rerun_below and row.cells[RERUN_OF]:
        parts.append(f"rerun of {row.cells[RERUN_OF]}")
    if layout.note_below and row.cells[NOTE]:
        parts.append(row.cells[NOTE])
    return "; ".join(parts)


def _lines(rows: Sequence[Row], layout: _Layout, width: int | None) -> list[str]:
    columns = _columns(layout)
    widths = [_column_width(rows, layout, c) for c in columns]
    lines = []
    for cells, below in [
        ([HEADER[c] for c in columns], ""),
        *(([_cell(row, c, layout) for c in columns], _below(row, layout)) for row in rows),
    ]:
        lines.append(
            "  ".join(pad_cells(c, w) for c, w in zip(cells, widths, strict=True)).rstrip()
        )
        if below:
            lines += [BELOW + line for line in _wrapped(below, width)]
    return lines


def _wrapped(below: str, width: int | None) -> list[str]:
    """The line under a run in lines that fit ``width`` under ``BELOW``, broken between
    words (a word wider than a line in pieces). Cut to the width, an interrupted run's
    note lost its cause, at its end, at 80 columns."""
    if width is None:
        return [below]
    room = max(1, width - cell_len(BELOW))
    return broken_into_lines(drawn_as_measured(below), room)  # (measured as ``cut_cells`` does)
