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

from flowtop.looks import STARTING
from flowtop.workspace.ownership import stopped_words


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
