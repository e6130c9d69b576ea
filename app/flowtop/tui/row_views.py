"""The rows a view of a run shows: their order (the sorts), the filter, and the counts.

Plain Python over the view model (``model``): the table, the header and the
tests ask the same functions, so a sort or a count means one thing everywhere.
"""

from __future__ import annotations

import re

from flowtop.engine.states import StateType
from flowtop.formats import COUNT_ORDER
from flowtop.looks import INTERRUPTED, INTERRUPTED_LOOK, STATE_LOOK
from flowtop.tui.model import RunModel, TaskRow

S = StateType

#: "state" sort: what needs attention first.
STATE_RANK = {
    S.FAILED: 0,
    S.AWAITING_RETRY: 1,
    S.RUNNING: 2,
    S.UPSTREAM_FAILED: 3,
    S.PENDING: 4,
    S.CANCELLED: 5,
    S.COMPLETED: 6,
    None: 7,
}

SORT_MODES = ("definition", "state", "name", "duration")
#: The column each sort orders by (an arrow marks it), and whether its natural order
#: is descending (duration: longest first).
SORT_COLUMN = {"state": (1, False), "name": (0, False), "duration": (3, True)}


def row_matches(row: TaskRow, query: str) -> bool:
    """Filter on task name or state word (``fail``, ``retry``, ``reused`` …)."""
    if query in row.key.lower():
        return True
    symbol, word, _ = row.look()
    return query in word.lower() or query == symbol


def natural_key(name: str) -> tuple[tuple[int, int | str, str], ...]:
    """``work-2`` before ``work-10``: digit runs compare as numbers, the rest without case."""
    parts = _DIGITS.split(name)
    return tuple(
        (1, int(part), part) if i % 2 else (0, part.lower(), part) for i, part in enumerate(parts)
    )


_DIGITS = re.compile(r"(\d+)")


def view_order(
    run: RunModel,
    *,
    query: str = "",
    sort: str = "definition",
    now: float = 0.0,
    reverse: bool = False,
) -> list[str]:
    """The keys the table shows, filtered and sorted (``reverse`` flips the order)."""
    rows = run.rows
    query = query.strip().lower()
    keys = [k for k in run.order if row_matches(rows[k], query)] if query else list(run.order)
    if sort == "state":
        keys.sort(key=lambda k: (STATE_RANK[rows[k].state], rows[k].index))
    elif sort == "name":
        keys.sort(key=natural_key)
    elif sort == "duration":
        keys.sort(key=lambda k: (-(rows[k].live_duration(now) or 0.0), rows[k].index))
    elif sort != "definition":
        raise ValueError(f"unknown sort mode {sort!r}; expected one of {', '.join(SORT_MODES)}")
    if reverse:
        keys.reverse()
    return keys


def counts_text(run: RunModel, *, short: bool = False) -> str:
    """``✓ 5 completed (2 reused)  ✗ 1 failed  ⟳ 2 retry``: only the states present, in
    ``COUNT_ORDER`` (as ``flowtop history`` and the history screen give them).
    ``short``: the symbols and numbers alone, ``✓ 5  ✗ 1  ⟳ 2`` (as the history lists
    them), where the run header has no room for the words."""
    parts = []
    for name in COUNT_ORDER:
        if name == INTERRUPTED:  # counted as cancelled, said apart
            n, (symbol, word, _) = run.interrupted, INTERRUPTED_LOOK
        else:
            state = StateType(name)
            n = run.counts.get(state, 0) - (run.interrupted if state is S.CANCELLED else 0)
            symbol, word, _ = STATE_LOOK[state]
        if n:
            part = f"{symbol} {n:,}" + ("" if short else f" {word.lower()}")
            if name == S.COMPLETED.value and run.reused and not short:
                part += f" ({run.reused:,} reused)"  # reused tasks are completed ones
            parts.append(part)
    return "  ".join(parts)
