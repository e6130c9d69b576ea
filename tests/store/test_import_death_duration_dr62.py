"""A run killed while its file imported reads ``0s`` in a monitor opened afterwards too
(ex62c §3): its DURATION counts from its body's start, which it never reached, and every
other view said ``0s``; the header of a monitor that replayed it from the store counted
from its launch to its last heartbeat (``1.5s``)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

from flowtop.engine.events import RunStarted
from flowtop.formats import fmt_duration
from flowtop.tui.model import RunModel
from flowtop.workspace import reaper, store_schema
from flowtop.workspace.history import History
from flowtop.workspace.ownership import Owner
from flowtop.workspace.run_log import LogEvent
from flowtop.workspace.run_numbers import record_run
from flowtop.workspace.store_client_replay import replay_runs, runs_to_replay
from flowtop.workspace.store_reader import StoreReader

RUN = "d6d6d6d6d6d6d6d6"


def killed_while_importing(db: Path) -> None:
    """A run whose process died 1.5 s after its launch, its file still importing."""
    History(db).close()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    me = Owner.current()
    owner = Owner(me.host, dead.pid, me.boot, "1")
    with closing(reaper.connect(db)) as conn, store_schema.write_transaction(conn):
        record_run(conn, "slow", RUN, f"{me.host}:{dead.pid}:tok", owner)
    with closing(sqlite3.connect(db)) as raw, raw:  # launched 3 s ago, its last heartbeat
        raw.execute(  # 1.5 s later, as it imported
            "UPDATE runs SET started = started - 3, heartbeat = started - 1.5 WHERE run_id = ?",
            (RUN,),
        )
    assert reaper.reap_store(db) == [RUN]


def test_a_replayed_run_killed_while_importing_reads_0s_as_its_record_does(
    tmp_path: Path,
) -> None:
    db = tmp_path / "history.db"
    killed_while_importing(db)
    reader = StoreReader(db)
    (record,) = reader.runs("slow")
    assert record.duration == 0.0 and record.finished is not None
    assert record.finished - record.started >= 1.5  # (what the header counted)
    handed: list[LogEvent] = []

    def hand(events: Sequence[LogEvent]) -> None:
        handed.extend(events)

    with closing(sqlite3.connect(db)) as raw:
        upto = raw.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    assert replay_runs(db, runs_to_replay(reader), upto, hand, threading.Event(), tolerant=False)
    start, *rest = handed
    assert isinstance(start, RunStarted)
    run = RunModel.from_started(start)
    for event in rest:
        run.apply(event)
    assert run.process_died
    elapsed = run.elapsed(run.clock.readings()[0] + 60)
    # the header's time (its clocks read a moment apart: not exactly 0)
    assert elapsed is not None and elapsed < 0.5 and fmt_duration(elapsed) == "0s"
