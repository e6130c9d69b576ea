"""What the task table says in place of rows, when its run has none, in lines it fits.

A run with no rows says why: its tasks are still to come, a flow retry waits (and why
the run it retries failed), it was cancelled or its process died before any task ran,
its work went to subflows. One line cut to the table's width lost the end of it (the
subflows' names at 80 columns, silently): it wraps, and what is still too long ends
in ``…``.
"""

from __future__ import annotations

from rich.cells import cell_len

from flowtop.engine.states import StateType
from flowtop.formats import cut_cells
from flowtop.looks import NOT_STARTED, run_error_text
from flowtop.tui.model import RunModel

#: The most lines the text takes; past them it ends in ``…`` (the history has it all).
MOST_LINES = 4


def no_rows_text(run: RunModel) -> str:
    """Why ``run`` shows no rows, when the header says more: why none ran (cancelled,
    with the why when known; interrupted only when its process died), which run a
    waiting flow retry retries and why that failed, where its work went (subflows are
    runs of their own, each under its flow)."""
    live = run.run_id is None or run.is_live
    if run.subflows:
        ran = "run" if live else "ran"
        return f"No task of its own; its subflows {ran} as runs of their own: {', '.join(run.subflows)}"
    if live:
        if run.body_due is not None and run.retried is not None:
            number, error = run.retried
            first = error.message.strip().splitlines()[0] if error.message.strip() else ""
            return f"Retrying run #{number}, which failed: {run_error_text(error.type, first)}"
        return "No tasks yet: they appear as the flow reaches them"
    if run.error is not None and run.error.type == NOT_STARTED:
        return "No task ran: the run did not start"
    if run.process_died:
        return "No task ran: the run was interrupted"
    if run.state is StateType.CANCELLED:
        if run.note.startswith("cancelled"):  # "cancelled in its 3s retry delay, …: by …"
            return run.note[0].upper() + run.note[1:]
        return f"No task ran: the run was cancelled{f' ({run.note})' if run.note else ''}"
    if run.note:
        return f"No task ran: {run.note}"
    return "No task ran"


def wrapped(text: str, width: int, most: int = MOST_LINES) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken between words (a word wider
    than a line is cut into pieces), at most ``most`` lines: the last ends in ``…`` when
    some of it did not fit."""
    width = max(1, width)
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if cell_len(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while cell_len(word) > width:  # a long name or path: in pieces of a line each
            piece = _head(word, width)
            lines.append(piece)
            word = word[len(piece) :]
        line = word
    lines.append(line)
    if len(lines) > most:
        lines = [*lines[: most - 1], cut_cells(lines[most - 1] + " " + lines[most], width)]
        if not lines[-1].endswith("…"):
            lines[-1] = cut_cells(lines[-1] + " …", width)
    return lines


def _head(word: str, width: int) -> str:
    """The longest start of ``word`` that fits in ``width`` cells (at least a character)."""
    head = ""
    for char in word:
        if cell_len(head + char) > width:
            break
        head += char
    return head or word[:1]
