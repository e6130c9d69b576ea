"""What a run's page (the history screen's) says of the subflows its ``@flow`` body
called: each a run of its own, under its flow (``workspace.subflow_runs``).

A parent that called subflows and no task of its own read ``This run recorded no
tasks.``, while the main screen said ``No task of its own; its subflows ran as runs of
their own: region-ingest #19, region-ingest #20``: its page says so now, each child
with its state (``region-ingest #19 · ✓ Completed``); one with tasks of its own too lists
them under each task's attempts, as its flow result is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text

from flowtop.printable import printable

from ...workspace.history_records import HistoryError
from ...workspace.store_reader import StoreReader
from ...workspace.subflow_runs import SubflowRun, subflow_runs
from ..thread_answers import answer_from_thread

if TYPE_CHECKING:
    from textual.screen import Screen

    from ..workspace_view import HistoryView

#: What the page says of a run with no task and no subflow.
NO_TASKS = "This run recorded no tasks.\n"


def read_subflows(history: HistoryView, run_id: str) -> tuple[SubflowRun, ...]:
    """The subflow runs ``run_id`` called, from a store (a history that is no store, a
    test's, has none); read on a thread, as the run is."""
    if isinstance(history, StoreReader):
        return subflow_runs(history.path, run_id)
    return ()


def subflows_text(
    called: Sequence[SubflowRun], state: Callable[[str], Text], *, own_tasks: bool, live: bool
) -> Text:
    """The subflow runs ``called`` in lines, each with its ``state`` as the page draws
    one (``✓ Completed``); ``own_tasks``: after a task's attempts, else in place of them,
    where ``NO_TASKS`` stood; ``live``: the run goes on (they run, not ran)."""
    if not called:
        return Text() if own_tasks else Text(NO_TASKS)
    ran = "run" if live else "ran"
    if own_tasks:
        text = Text("\nSubflow runs", style="bold")
        text.append(f"  {ran} as runs of their own\n", style="dim")
    else:
        text = Text(f"No task of its own; its subflows {ran} as runs of their own:\n")
    for child in called:
        text.append(f"  {printable(child.label)} · ")
        text.append_text(state(child.state))
        text.append("\n")
    return text


class SubflowsShown:
    """The subflow runs a run's page shows (none until read), and how it says them;
    ``state``: a state as the page draws it (``run_detail.state_text``)."""

    def __init__(self, state: Callable[[str], Text]) -> None:
        self.state = state
        self.called: tuple[SubflowRun, ...] = ()

    def read(
        self,
        screen: Screen[Any],
        history: HistoryView | None,
        run_id: str,
        shown: Callable[[], Any],
    ) -> None:
        """The subflow runs ``run_id`` called, read on a thread (a live run calls more as
        it goes: read again at each of its page's reads); ``shown`` once they changed,
        while ``screen`` is up. A store unreadable for now leaves them as they were."""
        if history is None:
            return

        def read() -> None:
            try:
                called = read_subflows(history, run_id)
            except (HistoryError, sqlite3.Error, OSError):
                return
            answer_from_thread(screen, self._changed, called, shown)

        screen.run_worker(read, thread=True, group="subflows")

    def _changed(self, called: tuple[SubflowRun, ...], shown: Callable[[], Any]) -> None:
        if called != self.called:
            self.called = called
            shown()

    def text(self, run_state: str, *, own_tasks: bool) -> Text:
        """``subflows_text`` of those read, for a run in ``run_state``."""
        live = run_state == "RUNNING"
        return subflows_text(self.called, self.state, own_tasks=own_tasks, live=live)
