"""What a run's page reads at each of its refreshes (``run_detail``), and how it closes,
saying so, once a prune took its run (``history --prune`` elsewhere).

Left open over a run a prune had taken, the page showed it as it was, a rerun's still
saying "Carried over from run #1 …: its attempts are there" of a run gone too; and Enter
on a history row as a prune ran opened a run it had just deleted, with no word. The main
screen says so of the runs it showed in a toast: the page does the same, and closes.
It learns it from its own refresh: a second poll beside it looked at the store each
second on a connection of its own, for the run the refresh read already.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from ...workspace.history_records import HistoryError
from ...workspace.store_reader import StoreReader
from .history_reads import history_version, read_run

if TYPE_CHECKING:
    from ...workspace.history_records import RunDetail, RunRecord
    from ..workspace_view import HistoryView


class Pruned(Exception):
    """The run a page shows is no longer in the store: a prune took it."""


class PageReads:
    """A run page's reads of its run, each refresh's on one connection of ``history``."""

    #: Its run was found pruned: True until said (``closed_if_gone``), then None.
    gone: bool | None = False

    def __init__(self, history: HistoryView) -> None:
        self.history = history
        #: The store it looks at for prunes; None: a history that is no store (a test's).
        self._store = history if isinstance(history, StoreReader) else None
        #: The store's version at the last read (``history_version``); None: not read.
        self._seen: object = None

    @property
    def watches_store(self) -> bool:
        """Whether it looks at a store for prunes: its page then reads its run for good."""
        return self._store is not None

    def again(self, detail: RunDetail) -> RunDetail | None:
        """``detail``'s run read again, on the calling (a worker's) thread: whether it is
        still there (``Pruned`` when not), and while it runs, or its subflow runs were
        not read yet, the run itself (``read_run``; else None: nothing new to show, or it
        cannot be read now). An ended run is looked at only once the store changed since
        the last look. A history that is no store (a test's) is not looked at for
        prunes."""
        try:
            return self._again(detail)
        except (HistoryError, sqlite3.Error, KeyError, OSError):  # read again next time
            return None

    def _again(self, detail: RunDetail) -> RunDetail | None:
        history, store, run_id = self.history, self._store, detail.run.run_id
        whole = detail.run.state == "RUNNING" or detail.subflows is None
        version = history_version(history)
        if not whole and version is not None and version == self._seen:
            return None
        if store is None:
            read = read_run(history, run_id) if whole else None
        else:
            with store.one_read():  # the look and the read on one connection
                if not any(found.run_id == run_id for found in store.with_id_prefix(run_id)):
                    self.gone = True
                    raise Pruned(run_id)
                read = read_run(history, run_id) if whole else None
        self._seen = version
        return read

    def closed_if_gone(self, screen: Screen[Any], run: RunRecord) -> bool:
        """Whether ``run`` was found pruned: then a toast says so and ``screen``, its
        page, closes, once, as soon as it is on top (a subflow's page opened over it
        closes first)."""
        if self.gone and screen.is_current:
            self.gone = None
            screen.notify(
                f"Run #{run.number} of {run.flow} was pruned from the run history "
                "(flowtop history --prune): its page is closed",
                markup=False,
                timeout=10,
            )
            screen.dismiss(None)
        return self.gone is not False
