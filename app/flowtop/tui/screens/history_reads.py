"""How the history screens read a run, and what a run's page says of a reused result.

A cache hit names the run that stored its result (``cached result of etl #2, …``); once
a prune took that run it says ``(pruned)`` (``reuse_origin.said_pruned``), as ``flowtop
history --run`` does: alike on the run opened from the list, on a live run's page read
again (it lost the mark at its first refresh) and up a rerun's chain (``reused from run
#2, cached result of etl #1 (pruned), …``). And a cache hit in a run that reruns nothing
read "Carried over from the source run (not executed again): its attempts are there.",
a source it has not: it names its cache entry now.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from ...workspace.reuse_origin import Origin, carried_over, from_source
from ...workspace.store_reader import StoreReader
from ..workspace_view import VersionedHistory

if TYPE_CHECKING:
    from ...workspace.history_records import RunDetail, TaskRecord
    from ..workspace_view import HistoryView


def read_run(history: HistoryView, run_id: str, *, subflows: bool = True) -> RunDetail:
    """The run ``run_id`` of ``history``, its cache hits saying which runs they name were
    pruned, and with ``subflows`` the subflow runs it called (``RunDetail.subflows``: its
    page shows them), all read on one connection. A history that is no store, a test's,
    is asked nothing more."""
    if not isinstance(history, StoreReader):
        return history.run_detail(run_id)
    return history.run_page(run_id, subflows=subflows)


def history_version(history: HistoryView) -> tuple[int, ...] | None:
    """``history``'s version (``VersionedHistory``): what the history screen compares to
    know whether its runs could have changed; None when ``history`` cannot tell."""
    return history.version() if isinstance(history, VersionedHistory) else None


def run_reader(history: HistoryView) -> Callable[[str], RunDetail]:
    """``read_run`` of ``history``: what a rerun's chain is read with (``origins``; no
    subflow runs)."""
    return partial(read_run, history, subflows=False)


def reused_said(task: TaskRecord, origin: Origin | None) -> str:
    """Where a reused result came from, as a run's page says it: a cache hit's entry
    (``Not executed again: cached result of etl #2, 2026-12-04 10:54:38.``), else the run
    up the chain of reruns that made it (``carried_over``; ``origin`` None: not known yet)."""
    if not from_source(task):  # a cache hit: the engine's words name its entry
        return f"Not executed again: {task.message}."
    return carried_over(origin)
