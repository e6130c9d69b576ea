"""A parent's subflow list, as a monitor opened afterwards reads it from the store (mh62).

A subflow run that reused every task read ``↺`` while the monitor that ran it was open,
and ``✓`` once reopened: only the flow's newest run, read whole, still had the rows that
tell; an older one is read in outline (its start and end), and its end said nothing of
what it reused. The store's replay now carries that from the run's record.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.no_rows import subflow_labels
from flowtop.workspace.run_log import LogEvent, LogTail
from flowtop.workspace.store_client_replay import replay_runs, runs_to_replay
from flowtop.workspace.store_reader import StoreReader

from .conftest import flowtop

PIPE = """
import os
from flowtop import flow, task

FIXED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixed")

@task(max_retries=0)
def load(region: str) -> int:
    if region == "us" and not os.path.exists(FIXED):
        raise ValueError("us rows rejected")
    return len(region)

@flow(name="region")
def region(name: str) -> int:
    return load(name)

@flow(name="daily")
def daily() -> None:
    for name in ("eu", "us", "apac"):
        try:
            region(name)
        except ValueError:
            pass
"""


def replayed(folder: Path) -> RunStore:
    """The runs a monitor opened on ``folder`` now reads from its store."""
    db = folder / ".flowtop" / "history.db"
    store = RunStore()
    events: list[LogEvent] = []
    upto = LogTail(db).end()
    replays = runs_to_replay(StoreReader(db))
    assert replay_runs(db, replays, upto, events.extend, threading.Event(), tolerant=False)
    store.apply_batch(events)
    return store


def test_a_reopened_monitor_says_which_subflow_runs_reused_every_task(tmp_path: Path) -> None:
    (tmp_path / "pipe.py").write_text(PIPE.lstrip())
    first = flowtop("run", ".", "--flow", "daily", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    (tmp_path / "fixed").touch()
    rerun = flowtop("run", ".", "--flow", "daily", "--rerun-of", "1", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    daily = replayed(tmp_path).latest_for("daily")
    assert daily is not None and daily.number == 2
    # eu and apac reused their task (older runs of `region`, read in outline); us ran it
    # again (the newest run of `region`, read whole)
    assert subflow_labels(daily.subflow_calls()) == ["↺ region #4", "✓ region #5", "↺ region #6"]


def test_a_subflow_run_that_ran_its_tasks_stays_completed(tmp_path: Path) -> None:
    (tmp_path / "pipe.py").write_text(PIPE.lstrip())
    (tmp_path / "fixed").touch()
    assert flowtop("run", ".", "--flow", "daily", cwd=tmp_path).returncode == 0
    daily = replayed(tmp_path).latest_for("daily")
    assert daily is not None
    assert subflow_labels(daily.subflow_calls()) == ["✓ region #1", "✓ region #2", "✓ region #3"]
