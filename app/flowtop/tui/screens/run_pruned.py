"""A run's page closes, saying so, once a prune took its run (``history --prune`` elsewhere).

Left open over a run a prune had taken, the page showed it as it was, a rerun's still
saying "Carried over from run #1 …: its attempts are there" of a run gone too; and Enter
on a history row as a prune ran opened a run it had just deleted, with no word. The main
screen says so of the runs it showed in a toast: the page does the same, and closes.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from textual.screen import Screen

from ...workspace.history_records import HistoryError, RunRecord
from ...workspace.store_reader import StoreReader
from ..thread_answers import answer_from_thread

#: How often an open page looks whether the store changed (s): a look is a ``stat`` and a
#: pragma; the run is read for only after a commit.
LOOK = 1.0


def close_when_pruned(screen: Screen[Any], history: object, run: RunRecord) -> None:
    """Look at once, then every ``LOOK``, whether the store still holds ``run`` (shown on
    ``screen``); when not, a toast says so and ``screen`` closes, as soon as it is on
    top (a subflow's page opened over it closes first). Only a store's page looks."""
    if not isinstance(history, StoreReader):
        return
    seen: list[object] = [None]  # the store's version last looked at
    gone: list[bool | None] = [False]  # None: said

    def look() -> None:  # on a worker's thread
        version = history.version()
        if version is not None and version == seen[0]:
            return
        try:
            found = history.with_id_prefix(run.run_id)
        except (HistoryError, OSError, sqlite3.Error):  # unreadable now: looked at again
            return
        seen[0] = version
        if not any(record.run_id == run.run_id for record in found):
            gone[0] = True
            answer_from_thread(screen, tick)

    def tick() -> None:
        if gone[0] is False:
            screen.run_worker(look, thread=True, group="pruned", exclusive=True)
        elif gone[0] and screen.is_current:
            gone[0] = None
            screen.notify(
                f"Run #{run.number} of {run.flow} was pruned from the run history "
                "(flowtop history --prune): its page is closed",
                markup=False,
                timeout=10,
            )
            screen.dismiss(None)

    tick()
    screen.set_interval(LOOK, tick)
