"""The rows a view of a run shows: their order (the sorts), the filter, and the counts.

Plain Python over the view model (``model``): the table, the header and the
tests ask the same functions, so a sort or a count means one thing everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rich.text import Text

from flowtop.engine.states import StateType
from flowtop.formats import cut_cells, in_count_order
from flowtop.looks import INTERRUPTED, stored_look
from flowtop.printable import printable
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
#: The sort a click on a column's title picks, by column (TRY, POLICY, LAST ERROR: none).
COLUMN_SORT = {column: sort for sort, (column, _) in SORT_COLUMN.items()}


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
    held: str | None = None,
) -> list[str]:
    """The keys the table shows, filtered and sorted (``reverse`` flips the order).
    ``held``, the cursor's task, is shown even when the filter no longer matches it: the
    row ``n`` started or ``x`` gave up under ``/retry`` vanished, and the cursor fell on
    the next task waiting, which a second ``x`` then gave up too."""
    rows = run.rows
    query = query.strip().lower()
    keys = (
        [k for k in run.order if k == held or row_matches(rows[k], query)]
        if query
        else list(run.order)
    )
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
    """The live run's counts as its header says them (``state_counts_text``):
    ``✓ 5 completed (2 reused)  ✗ 1 failed  ⟳ 2 retry``. ``short``: the symbols and
    numbers alone, ``✓ 5  ✗ 1  ⟳ 2``, where the header has no room for the words (nor
    for the reused ones)."""
    return "  ".join(part for part, _ in counts_parts(run, short=short))


def counts_parts(run: RunModel, *, short: bool = False) -> list[tuple[str, str]]:
    """``counts_text``'s parts, each with its state's look name (``state_count_parts``)."""
    return state_count_parts(run_state_counts(run), 0 if short else run.reused, words=not short)


def run_state_counts(run: RunModel) -> dict[str, int]:
    """The live run's counts by stored state name, as the store keeps a run's: a task
    its dead process left unfinished counted as ``INTERRUPTED``, not with the cancelled
    ones the model counts it among; a row not run (``None``) left out."""
    counts = {state.value: n for state, n in run.counts.items() if state is not None}
    if run.interrupted:
        counts[S.CANCELLED.value] = counts.get(S.CANCELLED.value, 0) - run.interrupted
        counts[INTERRUPTED] = run.interrupted
    return counts


def state_counts_text(counts: Mapping[str, int], reused: int = 0, *, words: bool = False) -> str:
    """``✓ 1,001 (3 reused)  ✗ 1  ⚡ 2``: a run's counts by state name, in ``COUNT_ORDER``
    and grouped; a state this flowtop does not know by its name, last. The one wording
    of a run's counts on screen: the run header (``counts_text``), the history list and
    a run's page (``screens.run_detail``). ``words``: each symbol with its state's word
    too, the word ``looks`` gives beside that symbol everywhere (``✓ 3 completed  ⟳ 1
    retry``, as the rows' State cells say ``⟳ Retry``). The ``reused`` tasks are
    completed ones: said after ✓, where at the end of the line (``✓ 3  ✗ 1 (3 reused)``)
    they read as the failed task's."""
    return "  ".join(part for part, _ in state_count_parts(counts, reused, words=words))


def state_count_parts(
    counts: Mapping[str, int], reused: int = 0, *, words: bool = False
) -> list[tuple[str, str]]:
    """``state_counts_text``'s parts, each with its state's look name (``"completed"``;
    ``""`` for a state this flowtop does not know), for a view that colours each count
    as its state is coloured everywhere else (the header drew them all bright white)."""
    parts = []
    for state, n in in_count_order(counts):
        look = stored_look(state)
        if look is None:  # said by its name: no symbol, and no word to add
            part, style = f"{cut_cells(printable(state.title()), 40)} {n:,}", ""
        else:
            symbol, word, style = look
            part = f"{symbol} {n:,}" + (f" {word.lower()}" if words else "")
        if reused and state == S.COMPLETED.value:
            part += f" ({reused:,} reused)"
        parts.append((part, style))
    return parts


def drawn_counts(parts: Sequence[tuple[str, str]], styles: Mapping[str, str]) -> Text:
    """``parts`` (``state_count_parts``) as every view draws them: each count in its
    state's look, as the State cells are (the history list's and a run's page's were the
    foreground's white). ``styles``: ``state_colors.looks``', under ``NO_COLOR`` none but
    a failure's bold reverse video."""
    return Text("  ").join(Text(part, style=styles.get(look, "")) for part, look in parts)
