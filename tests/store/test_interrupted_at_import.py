"""A run whose process died while importing its flow file (no start in the log) reads
``interrupted: its process …`` once, not ``interrupted: interrupted: …``."""

from __future__ import annotations

import subprocess
import sys
from contextlib import closing
from pathlib import Path

from flowtop.workspace import reaper, store_schema
from flowtop.workspace.history import History
from flowtop.workspace.ownership import Owner
from flowtop.workspace.run_log import RunInterrupted
from flowtop.workspace.run_numbers import record_run
from flowtop.workspace.store_reader import StoreReader


def test_a_run_killed_while_importing_says_interrupted_once(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    History(db).close()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    me = Owner.current()
    owner = Owner(me.host, dead.pid, me.boot, "1")
    with closing(reaper.connect(db)) as conn, store_schema.write_transaction(conn):
        record_run(conn, "f", "c3c3c3c3c3c3c3c3", f"{me.host}:{dead.pid}:tok", owner)
    assert reaper.reap_store(db) == ["c3c3c3c3c3c3c3c3"]
    reader = StoreReader(db)
    note = reader.runs("f")[0].note  # no task row to tell it: the note says so
    assert note.startswith(
        "interrupted: ended before any task was recorded as started: its process (pid "
    )
    end = reader.events_from_rows("c3c3c3c3c3c3c3c3")[-1]
    assert isinstance(end, RunInterrupted)
    assert end.reason.startswith(
        f"ended before any task was recorded as started: its process (pid {dead.pid}"
    )
