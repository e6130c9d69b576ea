"""The shown run's rows beside the flow's code as loaded now, and its POLICY cell.

A run's rows are the tasks it started with. After a reload the code may have more (a
task added, renamed, or brought back by ``git checkout``) or fewer: with only the run's
rows on screen, a new task could not be reached with `e` until the flow ran again, and
the row of a task gone from the code opened an editor with nothing to save. So the
table also lists the tasks the code has now: one the shown run lacks as a ``· Not run``
row saying so, and a row of the run whose task the code no longer has marked
``(gone)``. Plain Python over the view model, as ``row_views`` is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flowtop.tui.model import RunModel, TaskRow

#: ``TaskRow.code_mark`` of a task the code has now that the shown run did not run.
NOT_IN_RUN = "not in this run"
#: ``TaskRow.code_mark`` of a row of the run whose task the code no longer has.
GONE = "gone"


def follow_code(run: RunModel, keys: Sequence[str]) -> bool:
    """Make ``run``'s rows list the code's task ``keys`` too (``NOT_IN_RUN``), mark the
    rows whose task the code lacks (``GONE``) and drop rows added here for tasks the
    code lacks again. A new row goes after the task the code defines before it. True
    when the rows changed (the table lays them out again)."""
    rows = run.rows
    wanted = set(keys)
    changed = False
    for shown in rows.values():
        mark = "" if shown.key in wanted else GONE
        if shown.code_mark != NOT_IN_RUN and shown.code_mark != mark:
            shown.code_mark, changed = mark, True
    dropped = [k for k in run.order if rows[k].code_mark == NOT_IN_RUN and k not in wanted]
    for key in dropped:
        del rows[key]
    missing = [key for key in keys if key not in rows]
    if not dropped and not missing:
        return changed
    after: dict[str | None, list[str]] = {}  # new keys by the last row the code has before
    anchor: str | None = None
    for key in keys:
        if key in rows:
            anchor = key
        else:  # (n1, n2, n3 added together all go after the same row, in their order)
            after.setdefault(anchor, []).append(key)
    order = [*after.pop(None, [])]
    for key in run.order:
        if key in rows:
            order.append(key)
            order.extend(after.pop(key, []))
    for later in after.values():  # after a task of the code the run dropped: at the end
        order.extend(later)
    for index, key in enumerate(order):
        if key not in rows:
            rows[key] = TaskRow(key, index)
            rows[key].code_mark = NOT_IN_RUN
        rows[key].index = index
    run.order = order
    run.counts[None] += len(missing) - len(dropped)
    run.added += len(missing) + len(dropped)
    run.version += 1
    return True


def added_since(run: RunModel, keys: Iterable[str]) -> list[str]:
    """The code's task ``keys`` that ``run`` did not have (``NOT_IN_RUN``, or not listed
    yet): a rerun of it runs them, the rest reused, so ``f`` on a completed run acts."""
    rows = run.rows
    return [key for key in keys if key not in rows or rows[key].code_mark == NOT_IN_RUN]


#: Leads a run's POLICY cell whose policy differs from the next run's: the column
#: is narrow (18 cells at 120 columns), and a difference said only at the end of the
#: cell, `5× 20s timeout 5s (next: 1× 2s)`, was cut away to `5× 20s timeout 5s…`.
EDITED_MID_RUN = "≠ "


def edited_mid_run(row: TaskRow, next_run: str, *, live: bool) -> str:
    """A run's own policy for ``row`` (``5× 20s``) when an edit (saved mid-run, or
    since, or before this monitor opened) made the next run's (``next_run``) differ,
    else "": the table's POLICY cell and the detail pane both show it then, so the TRY
    column's budget is explained in both places. ``live``: the run started, so its rows
    hold the policy it ran with (``RunModel.shows_own_policy``); a flow's task list
    before any run holds none."""
    if live and row.policy and row.policy != next_run and row.code_mark != NOT_IN_RUN:
        return row.policy
    return ""


def policy_cell(row: TaskRow, next_run: str, *, live: bool) -> str:
    """The POLICY cell: the policy the next run uses (as the detail pane says it); on a
    run whose own policy for the task differs (an edit since it started), the run's
    first, which its TRY column counts against, marked ``EDITED_MID_RUN`` so a cut cell
    still says it, then the next run's: ``≠ 5× 20s → 1× 2s``."""
    this_run = edited_mid_run(row, next_run, live=live)
    return f"{EDITED_MID_RUN}{this_run} → {next_run}" if this_run else next_run
