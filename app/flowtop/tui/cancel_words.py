"""How `c` and ``flowtop cancel`` say a cancel its run's process has not taken yet.

Both said a run whose process had logged nothing was "starting: its process is importing
the flow file", while the monitor's header said it was connecting to a Dask scheduler
(``run_stage``), and a run whose process was stopped (``kill -STOP``) was said after a
wait (5 s, 3 s for `c`) as "did not take the request" or "(stopped or busy)", when the
store's liveness check knew it stopped (``ownership.stopped_words``). One place says it,
without Textual (``flowtop cancel`` imports it).
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from flowtop.looks import STARTING
from flowtop.workspace.ownership import stopped_words

if TYPE_CHECKING:
    from flowtop.workspace.history_records import RunRecord


def queued_words(db: Path, run_id: str, name: str) -> str | None:
    """What to say of a cancel of live run ``run_id`` (``name``: "run #3 of etl") queued
    in the store ``db`` that its process will take later: that it is stopped (the last
    liveness check's words, with ``kill -CONT``), or that the run has not begun (it ends
    as it starts: its flow file imports, or its process connects to a Dask scheduler,
    as the header and ``watch`` say it); both, for a run stopped before it began. None
    when neither: a process that is busy. Raises what reading the store raises."""
    from flowtop.workspace.run_log import connect_reader
    from flowtop.workspace.run_stage import run_stages, start_logged

    with closing(connect_reader(db)) as conn:
        stage = None if start_logged(conn, run_id) else run_stages(conn).get(run_id) or STARTING
    paused = stopped_words(run_id)
    if paused is not None and stage is None:
        return f"Cancel of {name} is queued: {paused}; it ends once it runs again"
    if paused is not None:  # the words of a run that has not begun, after
        return (
            f"Cancel of {name} is queued: {paused}; once it runs again, the run ends as it "
            f"starts (starting: {stage}), running no task"
        )
    if stage is None:
        return None
    return (
        f"Cancel of {name} queued, as it is starting: {stage}; the run ends as it starts, "
        "running no task"
    )


def run_record(db: Path, run_id: str) -> RunRecord | None:
    """The store ``db``'s record of run ``run_id`` now; None when it has none."""
    from flowtop.workspace.store_reader import StoreReader

    found = StoreReader(db).with_id_prefix(run_id)
    return next((r for r in found if r.run_id == run_id), None)


def ended_before(
    record: RunRecord | None,
    name: str,
    what: str,
    *,
    ended_anyway: bool = False,
    gone: bool = False,
) -> str | None:
    """That run ``name`` ("run #3 of etl") had ended before ``what`` ("the cancel"; for
    `n` and `x`, "its wait could be cut"), by its ``record``: given up in another window,
    or its process ``gone`` (killed: its run reads interrupted, marked or not yet). None
    while it runs; with ``ended_anyway`` (a cancel, whose answer said its run had ended),
    None when it ended cancelled (what was asked is done), and said even unrecorded."""
    state = "" if record is None or record.state == "RUNNING" else record.state
    state = "INTERRUPTED" if gone and not state else state
    if (not state and not ended_anyway) or (ended_anyway and state == "CANCELLED"):
        return None
    name = f"{name[:1].upper()}{name[1:]}"
    return f"{name} had ended{f' ({state})' if state else ''} before {what}"
