"""``flowtop run --rerun-of`` from a shell reserves its rerun, as the TUI's ``f`` does.

The store refuses a rerun while its source, or another rerun of it, is live: it checks
and records the rerun in one write transaction (``run_numbers.reserve_rerun``). The TUI
and a browser tab reserve so before they launch the run process; a rerun typed in a
shell did not: it was seen by that check only once its run had started, and two shells
(or a shell and a TUI) rerunning one run at once both ran it. Now the foreground form
reserves once its flow file is imported, just before its run starts, and ``--detach``
before it launches the run process, as the TUI does. A store held by another process
past the wait refuses the rerun too, saying so, rather than letting it run unchecked.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..workspace.history import History
from ..workspace.history_records import HistoryError, RunRecord
from ..workspace.run_numbers import RerunRunning, SourceGone, StoreBusy, reserve_rerun
from ..workspace.run_refs import find_run_ref
from ..workspace.store_errors import unreadable

if TYPE_CHECKING:
    from ..workspace import Workspace

#: A shell has no screen to freeze: it waits for a busy store as long as a run's writes
#: do (``history.BUSY_TIMEOUT_MS``), so a burst of cron jobs is not refused. (The TUI
#: waits the reaper's 5 s, on its screen's thread.)
SHELL_BUSY_MS = 30_000


class RerunRefused(Exception):
    """The rerun may not start now; the message says why, for ``flowtop run: …``."""


def refusal(flow: str, exc: RerunRunning | SourceGone | StoreBusy) -> RerunRefused:
    """What ``flowtop run`` says when the store refused a rerun of ``flow``."""
    if isinstance(exc, StoreBusy):
        return RerunRefused(str(exc))
    if isinstance(exc, SourceGone) and exc.said:
        return RerunRefused(f"{flow}: {exc.said}: run the flow anew")
    if isinstance(exc, SourceGone):
        return RerunRefused(f"{flow}: run {exc} is no longer in the history (pruned meanwhile)")
    if exc.source_number is None:
        return RerunRefused(f"{flow}: {exc}: rerun it once it has ended")
    return RerunRefused(
        f"{flow}: {exc}: a run is rerun once at a time (flowtop watch follows that rerun)"
    )


def reserve(db: Path, flow: str, source: str, run_id: str) -> None:
    """Record ``run_id`` as a rerun of run ``source`` (a full id) of ``flow``, owned by
    this process until its run starts; raises :class:`RerunRefused`."""
    try:
        reserve_rerun(db, flow, run_id, source, busy_ms=SHELL_BUSY_MS)
    except (RerunRunning, SourceGone, StoreBusy) as exc:
        raise refusal(flow, exc) from None


def source_id(history: History, reference: str, flow: str) -> str:
    """The id of the run ``--rerun-of`` names for ``flow``; raises :class:`RerunRefused`
    when it names none. (Passed on as typed, ``--detach --rerun-of 1`` on a flow with no
    run #1 yet made its run process take its own reserved #1 for the source.)"""
    try:
        found = find_run_ref(history, reference, flow, "--rerun-of")
    except sqlite3.Error as exc:  # a damaged store: one line, as `history` says it
        raise RerunRefused(unreadable(exc, history.path)) from exc
    if isinstance(found, RunRecord):
        return found.run_id
    raise RerunRefused(found)


def flow_of_source(workspace: Workspace, reference: str, flows: Iterable[str]) -> str | None:
    """The flow, of ``flows`` (those PATH holds), whose run ``--rerun-of`` names, when
    that run is one flow's alone: ``--rerun-of 1a2b3c`` (or ``3``, when one flow has a
    run #3) of a file or folder of several flows then needs no ``--flow``, as ``watch``
    and ``history --run`` read RUN. None when no run, or runs of several flows, answer to
    it (``--flow`` is then asked for), or the store cannot be read (the rerun says why)."""
    try:
        history = workspace.history
        found = [find_run_ref(history, reference, flow, "--rerun-of") for flow in flows]
    except (HistoryError, sqlite3.Error):  # the rerun says why (``reruns.plan_rerun``)
        return None
    owners = {run.flow for run in found if isinstance(run, RunRecord)}
    return owners.pop() if len(owners) == 1 else None
