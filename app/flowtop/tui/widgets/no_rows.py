"""What the task table says in place of rows, when its run has none, in lines it fits.

A run with no rows says why: its tasks are still to come, a flow retry waits (and why
the run it retries failed, when that run was read here), it was cancelled or its process
died before any task ran, its function raised or returned before calling one, its work
went to subflows. One line cut to the table's width lost the end of it (the subflows'
names at 80 columns, silently): it wraps, and what is still too long ends in ``…``; a
list of subflow runs is cut between two of them and says how many more (``+12 more``).
"""

from __future__ import annotations

from collections.abc import Sequence

from flowtop.engine.events import ErrorInfo
from flowtop.engine.final_states import RETURNED
from flowtop.engine.states import StateType
from flowtop.formats import broken_into_lines, count_text, cut_cells
from flowtop.looks import NOT_STARTED, UNDONE_STATES, run_error_text
from flowtop.tui.model import RunModel
from flowtop.workspace.subflow_runs import failed_first, retried_label, undone_counts

#: The most lines the text takes; past them it ends in ``…`` (the history has it all).
MOST_LINES = 4

#: Joins the words of a run's label (``region-sub #3``): ``wrapped`` never breaks a line
#: there, and draws it as a space. A label split over two lines left ``#3`` alone on the
#: next, read as a run of its own.
GLUE = "\u00a0"


class Listing(str):
    """A text that ends in a list of ``entries`` words (a subflow run's ``✗ region #3``
    each, joined by ``GLUE``): ``wrapped`` cuts it between two and says how many more
    did not fit (``+12 more``). Cut anywhere, `✓ leaf #1…` read as run #1, not #13."""

    entries: int = 0


def listing(text: str, entries: int) -> Listing:
    """``text`` as a ``Listing`` whose last ``entries`` words are its list."""
    listed = Listing(text)
    listed.entries = entries
    return listed


def run_label(label: str) -> str:
    """``label`` (``region-sub #3``, ``run #6``) as one word for ``wrapped``."""
    return label.replace(" ", GLUE)


def no_rows_text(run: RunModel) -> str:
    """Why ``run`` shows no rows, when the header says more: live, which run a flow retry
    retries and why that failed (the history says why when that run was not read here:
    the window opened during the wait); ended, what ended it before any task ran (it did
    not start, its process died, it was cancelled, its function raised or returned
    first); where its work went (subflows are runs of their own, each under its flow).
    What reading it found (``RunModel.read_note``: a log row skipped, a loop of parent
    links refused) follows in parentheses, before a subflow list: an empty table said
    nothing of it, only the header did."""
    found = f" ({run.read_note})" if run.read_note else ""
    if run.subflows:
        ran = "run" if run.run_id is None or run.is_live else "ran"
        labels = [run_label(label) for label in subflow_labels(run.subflow_calls())]
        said = f"No task of its own{found}; its subflows {ran} as runs of their own: "
        return listing(said + ", ".join(labels), len(labels))
    return _unlisted(run) + found


def _unlisted(run: RunModel) -> str:
    """``no_rows_text`` of a run with no subflow: its tasks to come, its retry, its end."""
    if run.run_id is None or run.is_live:
        if run.body_due is not None and run.retried is not None:
            number, error = run.retried
            return f"Retrying {run_label(f'run #{number}')}, which failed: {_error_said(error)}"
        if run.body_due is not None and run.rerun_of:  # the run it retries was not read here
            return (
                f"Retrying run {run.rerun_of}, which failed (the history says why):"
                " its tasks appear as its body reaches them"
            )
        return "No tasks yet: they appear as the flow reaches them"
    return _ended_text(run)


def subflow_labels(calls: Sequence[tuple[RunModel, list[RunModel]]]) -> list[str]:
    """A run's subflow ``calls`` (``RunModel.subflow_calls``), each with its state's symbol (``✗ region-sub #3``), those
    that did not complete first: the list said only labels, cut after its fourth line,
    and the one that failed of 30 was not on screen (rv408 §4). One that reused every
    task reads ``↺``, as a reused task's row (``RunModel.all_reused``; it read ``✓``).
    A call its own retries ran again is listed once, as its last run: ``✓ kid #2 (retry
    of #1)`` (``RunModel.subflow_calls``; ``✗ kid #1`` was listed first, as failed)."""
    listed = failed_first(calls, _failed)  # (as `history --run` lists them)
    return [f"{last.called_look[0]} {retried_label(last, before)}" for last, before in listed]


def failed_subflows(calls: Sequence[tuple[RunModel, list[RunModel]]]) -> int:
    """How many of a run's subflow ``calls`` did not complete, each by its last run (one
    that completed on its own retry did not fail, as ``flowtop run`` and ``watch`` say),
    counted as the history counts them (``undone_counts``)."""
    return undone_counts(calls, _failed)[0]


def cancelled_subflows(calls: Sequence[tuple[RunModel, list[RunModel]]]) -> int:
    """How many of ``failed_subflows`` were cancelled (``1 subflow cancelled, handled``)."""
    return undone_counts(calls, _failed)[1]


def _failed(child: RunModel) -> bool:
    """Whether ``child`` ended without completing (failed, crashed, cancelled), or its
    process died: the store's ``INTERRUPTED``, one of ``UNDONE_STATES`` (the model's
    state is ``FAILED``, or what an end read after its death said: ``⚡`` all the same)."""
    return child.process_died or child.state in UNDONE_STATES


def _ended_text(run: RunModel) -> str:
    """What ended ``run``, an ended run with no rows, before any task ran: a flow retry's
    whose body raised said only "No task ran", its error left to the header's cut line."""
    if run.error is not None and run.error.type == NOT_STARTED:
        return "No task ran: the run did not start"
    if run.end_missed:  # its tasks ran, as far as anyone knows: the store missed them
        return f"No task recorded: {run.note}"
    if run.process_died:
        # Its death was found before its body was due: it died waiting (found later, it
        # may have died either side of the due time, and nothing is said of when).
        due, found = run.body_due, run.finished
        waiting = due is not None and found is not None and found < due
        why = run.note.removeprefix("interrupted: ")  # the header cuts it: said whole here
        return f"No task ran: the run was interrupted{' in its retry delay' if waiting else ''}" + (
            f" ({why})" if why else ""
        )
    if run.state is StateType.CANCELLED:
        if run.note.startswith("cancelled"):  # "cancelled in its 3s retry delay, …: by …"
            return run.note[0].upper() + run.note[1:]
        return f"No task ran: the run was cancelled{f' ({run.note})' if run.note else ''}"
    if run.error is not None:
        return f"No task ran: the {_error_said(run.error)}"
    if run.note:
        return f"No task ran: {run.note}"
    if run.state is StateType.COMPLETED:
        return "No task ran: the flow completed without calling one"
    return "No task ran: the run ended before reaching one"


def _error_said(error: ErrorInfo) -> str:
    """``flow raised ValueError: its first line`` (no ``: `` after an empty message), or
    ``flow returned Failed()``, as the other screens word a returned state."""
    message = error.message.strip()
    first = message.splitlines()[0] if message else ""
    if first or error.type.startswith(RETURNED):
        return run_error_text(error.type, first)
    return f"flow raised {error.type}"


def wrapped(text: str, width: int, most: int = MOST_LINES) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken between words (a word wider
    than a line is cut into pieces; words joined by ``GLUE`` are one), at most ``most``
    lines: the last ends in ``…`` when some of it did not fit, or, a ``Listing``'s, in
    how many of its entries did not (``+12 more``)."""
    width = max(1, width)
    lines = broken_into_lines(text, width)
    if len(lines) > most and isinstance(text, Listing) and text.entries:
        lines = _listed(text, width, most)
    if len(lines) > most:  # (a ``Listing``'s head alone too long: cut as any text)
        lines = [*lines[: most - 1], cut_cells(lines[most - 1] + " " + lines[most], width)]
        if not lines[-1].endswith("…"):
            lines[-1] = cut_cells(lines[-1] + " …", width)
    return [line.replace(GLUE, " ") for line in lines]


def _listed(text: Listing, width: int, most: int) -> list[str]:
    """``text``'s lines, too many, as the most entries of its list that fit in ``most``
    lines with ``, +N more`` after them, N those left out (its head and none, at worst:
    still too many lines when its head alone is, for ``wrapped`` to cut)."""
    words = text.split(" ")
    head, entries = words[: -text.entries], words[-text.entries :]

    def lines_with(kept: int) -> list[str]:  # (each entry kept ends in its comma)
        return broken_into_lines(
            " ".join([*head, *entries[:kept], f"+{count_text(len(entries) - kept)}{GLUE}more"]),
            width,
        )

    fits, over = 0, len(entries)  # (all of them do not fit: ``wrapped``)
    while over - fits > 1:  # the most that fit: lines only grow with the entries kept
        middle = (fits + over) // 2
        fits, over = (middle, over) if len(lines_with(middle)) <= most else (fits, middle)
    return lines_with(fits)
