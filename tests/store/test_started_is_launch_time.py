"""A launched run's STARTED is when it was launched (``r``, a tab, ``--detach``), not when
its process had imported the flow file: the run's start rewrote it, so ``history`` showed
a run RUNNING since 18:17:13 while it imported, then started 18:17:24. Its duration still
counts from its body's start, the import left out."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.workspace import reaper, store_schema
from flowtop.workspace.history import History
from flowtop.workspace.store_reader import StoreReader
from held_import import HELD_IMPORT

from .conftest import flowtop as flowtop_cli
from .conftest import json_lines, wait_until
from .test_cancel_before_failed_start import held_launch

RUN_ID = "5ea7ed000001"
#: How long the test holds the run's import, at least (seconds).
HELD_FOR = 0.5

HELD = (
    HELD_IMPORT
    + """
    from flowtop import Flow, task

    @task
    def quick() -> int:
        return 1

    with Flow("held") as flow:
        quick()
"""
)


def test_a_run_launched_during_a_slow_import_keeps_its_launch_time_as_started(
    ws: Callable[..., Path],
) -> None:
    folder = ws(held=HELD)
    db = folder / ".flowtop" / "history.db"
    with held_launch(folder, RUN_ID) as (hold, process):
        reserved = wait_until(lambda: db.exists() and StoreReader(db).runs(), "its reservation")
        launched_at = reserved[0].started
        wait_until(lambda: time.time() >= launched_at + HELD_FOR, "the import to take a while")
        hold.unlink()
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    (run,) = StoreReader(db).runs()
    assert run.state == "COMPLETED"
    assert run.started == launched_at  # not when the import ended
    assert run.duration is not None and run.duration < HELD_FOR  # its body's time alone
    (record,) = json_lines(flowtop_cli("history", ".", "--json", cwd=folder).stdout)
    assert record["started"] == launched_at


def test_a_run_interrupted_after_a_slow_import_counts_its_duration_from_its_body(
    tmp_path: Path,
) -> None:
    """Its process died after the run started: the reader's mark keeps the launch time
    as its start, and its duration runs from its body's start to its last sign of life."""
    db = tmp_path / "history.db"
    history = History(db)
    try:
        history.next_number("f", "run-1")  # reserved as its process began importing
        (launched_at,) = _column(db, "started")
        body = launched_at + 7.0  # the import took 7 s
        history.sink(
            [
                RunStarted("run-1", "f", 1, ("a",), (1,), ("",), None, body),
                TaskStateChanged("run-1", "f", "a", S.RUNNING, 1, 1, body + 2.0),
            ]
        )
        assert history.flush(10)
        with closing(reaper.connect(db)) as conn, store_schema.write_transaction(conn):
            reaper.interrupt(conn, {"run-1": "its process was killed"})
    finally:
        history.close()
    state, started, finished, duration = _column(db, "state", "started", "finished", "duration")
    assert (state, started, finished) == ("INTERRUPTED", launched_at, body + 2.0)
    assert duration == pytest.approx(2.0)  # not 9 s: the import is not the run's work


def _column(db: Path, *names: str) -> tuple[object, ...]:
    with closing(reaper.connect(db)) as conn:
        row: tuple[object, ...] = conn.execute(
            f"SELECT {', '.join(names)} FROM runs WHERE run_id = 'run-1'"
        ).fetchone()
    return row
