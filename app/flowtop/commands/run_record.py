"""Whether ``flowtop run`` recorded its runs whole, in a store that is not damaged.

The run's events are not all the store holds: the owner's heartbeat and the queue of
commands other processes send the run (``workspace.owner_agent``) read and write pages
the event log does not. A store damaged there while a short run wrote to it ended the run
with a bare warning (``heartbeat/commands failed: database disk image is malformed``) and
exit status 0, while a run long enough for its own writes to reach the damage said what to
do about the file and exited 1. The agent hands its errors to the history, which says
damage once for the store, with its advice, and keeps it (``History.damage``): the run
exits 1 for it whoever found it.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from ..printable import say

if TYPE_CHECKING:
    from ..workspace import Workspace


def recorded(workspace: Workspace) -> bool:
    """Whether the run store has every event of the runs and was not found damaged; if
    not, say so plainly (the process is about to exit: nothing is kept for a next try).
    Damage was said when found (``History.said_damaged``)."""
    history = workspace.history
    history.flush(10.0)
    reason = history.last_error or "the write did not finish"
    store = history.path
    # Closed before the verdict: the owner agent's round in progress ends first (the damage
    # its command poll meets counts: found as the run ended, it was said after the exit
    # status was decided, 0), then the store's last writes, one last try if they failed.
    workspace.close()
    if not history.lost:
        return history.damage is None
    runs = _runs_recorded(store, history.owner)
    # a disk that filled up mid-run, or before the run's first event: its start is in the
    # store (a run is recorded as it is numbered, before its flow file is imported)
    if history.committed or runs:
        ended = ", and how it ended" if _ends_marked(store, runs) else ""
        say(
            f"{store}: recording stopped ({reason}): the last {history.lost:,} events were not "
            "recorded, so `flowtop history` and other flowtop windows show the run only up "
            f"to then{ended} (--no-history runs without recording on purpose)"
        )
    else:
        numbered = (
            "; its run number is this command's own (the store gave none), which a "
            "recorded run may have too"
            if history.session_numbered
            else ""
        )
        say(
            f"{store}: the run was not recorded ({reason}): `flowtop history` and other "
            "flowtop windows will not show it (--no-history runs without recording on "
            f"purpose){numbered}"
        )
    return False


def _runs_recorded(store: Path, owner: str) -> list[str]:
    """The runs the store holds of the closing History ``owner``: what readers show of a
    run none of whose events went in (its start, recorded as it was numbered); none when
    the store cannot be read either."""
    from ..workspace.run_log import connect_reader

    try:
        with closing(connect_reader(store)) as conn:
            rows = conn.execute("SELECT run_id FROM runs WHERE owner = ?", (owner,)).fetchall()
    except sqlite3.Error:
        return []
    return [run_id for (run_id,) in rows]


def _ends_marked(store: Path, runs: list[str]) -> bool:
    """Whether an end mark says how one of ``runs`` ended, its end kept out of the store
    by a full disk (``end_marks``): readers show that end."""
    from ..workspace import end_marks

    return bool(runs) and not set(runs).isdisjoint(end_marks.ended(store))
