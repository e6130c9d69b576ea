"""What a run's page (the history screen's) says of the subflows its ``@flow`` body
called: each a run of its own, under its flow (``workspace.subflow_runs``).

A parent that called subflows and no task of its own read ``This run recorded no
tasks.``, while the main screen said ``No task of its own; its subflows ran as runs of
their own: region-ingest #19, region-ingest #20``: its page says so now, each child
with its state (``region-ingest #19 · ✓ Completed``); one with tasks of its own too lists
them under each task's attempts, as its flow result is. A subflow's own retries are one
call, said as its last run, as the main screen says it (``kid #2 (retry of #1) · ✓
Completed``; ``subflow_runs.subflow_calls``): its first try read as a failed call. As
there too, those that did not complete come first, one that reused every task reads ``↺
Reused``, and a completed run says how many failed, its body catching them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text

from flowtop.printable import printable

from ...workspace.subflow_runs import (
    failed_first,
    handled_words,
    retried_label,
    subflow_calls,
    undone_calls,
)

if TYPE_CHECKING:
    from ...workspace.history_records import RunDetail
    from ...workspace.subflow_runs import SubflowRun

#: What the page says of a run with no task and no subflow.
NO_TASKS = "This run recorded no tasks.\n"


def subflows_text(
    called: Sequence[SubflowRun],
    state: Callable[[SubflowRun], Text],
    *,
    own_tasks: bool,
    run_state: str,
    failed_tasks: int = 0,
) -> Text:
    """The subflow calls the runs ``called`` made in lines, each as its last run with its
    ``state`` as the page draws a run's (``✓ Completed``; its ``look``: ``↺ Reused``);
    ``own_tasks``: after a task's attempts, else in place of them, where
    ``NO_TASKS`` stood; ``run_state``: the parent's (running: they run, not ran). A
    completed run says what its body caught, its ``failed_tasks`` too, as ``flowtop run``
    and ``history --run`` do: a body that caught a failing task and called no subflow
    read only ``✓ Completed · ✗ 1 failed``."""
    caught, cancelled = undone_calls(called)
    handled = handled_words(failed_tasks, caught, cancelled) if run_state == "COMPLETED" else ()
    if not called:
        if not own_tasks:
            return Text(NO_TASKS)
        return Text(f"\n{handled[0]}\n", style="bold") if handled else Text()
    ran = "run" if run_state == "RUNNING" else "ran"
    if own_tasks:
        text = Text("\nSubflow runs", style="bold")
        text.append(f"  {ran} as runs of their own\n", style="dim")
    else:
        text = Text(f"No task of its own; its subflows {ran} as runs of their own:\n")
    if handled:
        text.append(f"{handled[0]}\n", style="bold")
    for last, before in failed_first(subflow_calls(called), lambda run: run.failed):
        text.append(f"  {printable(retried_label(last, before))} · ")
        text.append_text(state(last))
        text.append("\n")
    return text


class SubflowsShown:
    """The subflow runs a run's page shows (none until read with it), and how it says them;
    ``state``: a run's state as the page draws it (``run_detail.state_text``)."""

    def __init__(self, state: Callable[[SubflowRun], Text]) -> None:
        self.state = state
        self.called: tuple[SubflowRun, ...] = ()

    def take(self, detail: RunDetail) -> bool:
        """The subflow runs ``detail`` brings (read with the run, on its connection: a
        live run calls more as it goes, read again at each of its page's reads); whether
        they changed. A run read without them (a history that is no store) leaves them
        as they were."""
        if detail.subflows is None or detail.subflows == self.called:
            return False
        self.called = detail.subflows
        return True

    def text(self, detail: RunDetail, *, own_tasks: bool) -> Text:
        """``subflows_text`` of those read, for the run ``detail`` reads (its failed tasks
        counted as ``history --run`` counts them: a @flow's stored counts)."""
        failed = detail.run.counts.get("FAILED", 0)
        return subflows_text(
            self.called,
            self.state,
            own_tasks=own_tasks,
            run_state=detail.run.state,
            failed_tasks=failed if isinstance(failed, int) else 0,
        )
