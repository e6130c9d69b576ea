"""A ``@flow``'s retry whose process dies in its retry delay: its duration is 0.

Killed (``kill -9``) while the monitor's header read ``⟳ Starts in …``, the retry read
``⚡ Interrupted 1.2s`` and ``flowtop history`` DURATION 1.2s, though its body never
started: the reaper counted from its ``run_started``, logged as its delay began. A retry
cancelled in its delay reads 0 (its wait is no work), and a run's duration counts from
its body's start: an interrupted one now does so too (``reaper._body_start``), in the
store and in the monitor's run model.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from cli_kit import Here
from flowtop.engine.events import Event, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.workspace import reaper, store_schema
from flowtop.workspace.history import History

from .conftest import json_lines, wait_until
from .test_flow_retry_pending import ALWAYS_FAILS, bodies, waiting_retry
from .test_store_cli import run_process, runs

RETRY = "retry-00002"
#: The wall time the retry's ``run_started`` was logged at: its delay's start.
LOGGED = 1_700_000_000.0


def interrupted_retry(
    db: Path, starts_in: float, last_beat: float, task_at: float | None = None
) -> tuple[object, ...]:
    """A ``@flow`` retry logged at ``LOGGED``, its body due ``starts_in`` later, its
    owner's last heartbeat ``last_beat`` after ``LOGGED`` (and its task started
    ``task_at`` after, if any), marked interrupted: its state, finished and duration."""
    history = History(db)
    try:
        events: list[Event] = [
            RunStarted(RETRY, "nightly", 2, (), (), (), None, LOGGED, starts_in=starts_in)
        ]
        if task_at is not None:
            events.append(
                TaskStateChanged(RETRY, "nightly", "extract", S.RUNNING, 1, 1, LOGGED + task_at)
            )
        history.sink(events)  # (as its run process hands them over)
        assert history.flush(10)
        with closing(reaper.connect(db)) as conn, store_schema.write_transaction(conn):
            conn.execute(
                "UPDATE runs SET heartbeat = ? WHERE run_id = ?", (LOGGED + last_beat, RETRY)
            )
            reaper.interrupt(conn, {RETRY: "its process was killed"})
        with closing(reaper.connect(db)) as conn:
            row: tuple[object, ...] = conn.execute(
                "SELECT state, finished, duration FROM runs WHERE run_id = ?", (RETRY,)
            ).fetchone()
    finally:
        history.close()
    return row


def test_a_flow_retry_killed_in_its_delay_has_no_duration(tmp_path: Path) -> None:
    state, finished, duration = interrupted_retry(tmp_path / "history.db", 30.0, 5.0)
    assert state == "INTERRUPTED"
    assert duration == 0.0  # it read 5.0: the wait it had, no work
    assert finished == LOGGED + 5.0  # its last sign of life, not its body's due time


def test_a_flow_retry_killed_in_its_body_counts_from_the_body_s_start(tmp_path: Path) -> None:
    state, finished, duration = interrupted_retry(tmp_path / "history.db", 2.0, 6.0, task_at=2.5)
    assert (state, finished) == ("INTERRUPTED", LOGGED + 6.0)
    assert duration == pytest.approx(4.0)  # not 6 s: its first 2 s were its delay


def test_a_retry_whose_process_is_killed_in_its_delay_reads_0_in_history(
    here: Here, ws: Callable[..., Path]
) -> None:
    """The whole way: a real run process, killed once its retry's owner has sent a
    heartbeat well into the delay (what ``history`` counted as the run's time)."""
    folder = ws(pretry=ALWAYS_FAILS)
    owner = run_process(folder, output=False)
    db = folder / ".flowtop" / "history.db"

    def beat_in_the_delay(retry: str) -> bool:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            started, beat = conn.execute(
                "SELECT started, heartbeat FROM runs WHERE run_id = ?", (retry,)
            ).fetchone()
        return beat is not None and beat >= started + 1.0

    try:
        _, retry = waiting_retry(folder)
        wait_until(lambda: beat_in_the_delay(retry), "a heartbeat a second into the delay")
    finally:
        owner.kill()
        owner.wait()
    listed = {r["run_id"]: r for r in json_lines(here("history", ".", "--json", cwd=folder).stdout)}
    assert listed[retry]["state"] == "INTERRUPTED"
    assert listed[retry]["duration"] == 0.0
    assert [r.duration for r in runs(folder, "INTERRUPTED")] == [0.0]
    assert bodies(folder) == 1  # (its body never ran)
