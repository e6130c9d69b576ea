"""A run that ended while the disk was full reads as it ended, saying what is missing.

On a full disk the store kept the run's last events for the next try; at close the last
try failed too, and the run was marked INTERRUPTED "flowtop closed the store first",
though it had COMPLETED and the History held its end. What still fits is written: the
steps and the end without their output; and when not even that fits, the run's row gets
its real end from the ``RunFinished`` in memory. (The full disk is stood in for by the
writes SQLite refuses with "database or disk is full".)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import history_fold
from flowtop.workspace.history import History
from flowtop.workspace.run_log import RunInterrupted, decode_rows, log_columns
from flowtop.workspace.store_reader import StoreReader

S = StateType
RUN = "fu11d15c0001"
OUTPUT = "line\n" * 1000


def steps(task: str, ts: float) -> list[TaskStateChanged]:
    return [
        TaskStateChanged(RUN, "noisy", task, S.RUNNING, 1, 1, ts),
        TaskStateChanged(
            RUN, "noisy", task, S.COMPLETED, 1, 1, ts + 1, output=OUTPUT, duration=1.0
        ),
    ]


END = RunFinished(RUN, "noisy", 1, S.COMPLETED, {"COMPLETED": 2}, 3.5, ts=1003.5)


def full_disk(monkeypatch: pytest.MonkeyPatch, fits: Callable[[list[Any]], bool]) -> None:
    """Writes of events that do not ``fit`` fail as on a full disk."""
    apply = history_fold.apply

    def refusing(conn: sqlite3.Connection, events: Any, *args: Any) -> Any:
        events = list(events)
        if not fits(events):
            raise sqlite3.OperationalError("database or disk is full")
        return apply(conn, events, *args)

    monkeypatch.setattr(history_fold, "apply", refusing)


def started_run(db: Path) -> History:
    """A History whose run started (and was recorded) before the disk filled."""
    history = History(db)
    history([RunStarted(RUN, "noisy", 1, ("a", "b"), (1, 1), ("", ""), ts=1000.0)])
    assert history.flush()
    return history


def log_of(db: Path) -> list[Any]:
    with sqlite3.connect(db) as raw:
        rows = raw.execute(
            f"SELECT {log_columns(raw)} FROM events WHERE run_id = ? ORDER BY id", (RUN,)
        ).fetchall()
    return list(decode_rows(rows))


def test_a_run_that_completed_on_a_full_disk_is_recorded_without_its_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    history = started_run(db)

    def small(events: list[Any]) -> bool:  # what still fits: no output
        return all(not getattr(e, "output", "").startswith("line") for e in events)

    full_disk(monkeypatch, small)
    history([*steps("a", 1000.0), *steps("b", 1001.0), END])
    history.close()
    detail = StoreReader(db).run_detail(RUN)
    assert detail is not None
    run = detail.run
    assert (run.state, run.counts, run.duration) == ("COMPLETED", {"COMPLETED": 2}, 3.5)
    assert "flowtop closed the store first" not in run.note
    assert run.note == (
        f"recording stopped: the disk of {db.parent} was full: "
        "the output of its last 2 events is not recorded"
    )
    assert [t.state for t in detail.tasks] == ["COMPLETED", "COMPLETED"]
    said = detail.tasks[0].attempt_records[0].output
    assert said == f"[not recorded: the disk of {db.parent} was full]"
    assert history.lost == 0


def test_a_run_whose_end_did_not_fit_at_all_says_how_it_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It reads COMPLETED everywhere, its note saying the store missed its end, not
    "flowtop closed the store first"; its tasks, whose ends went with it, INTERRUPTED (a
    rerun runs them again). Written COMPLETED in its row alone, ``history`` said
    COMPLETED while ``watch`` and the TUI, which read the log, did not: its log says it too."""
    db = tmp_path / ".flowtop" / "history.db"
    history = started_run(db)
    full_disk(monkeypatch, lambda events: False)
    history([*steps("a", 1000.0), *steps("b", 1001.0), END])
    history.close()
    assert history.lost == 5
    detail = StoreReader(db).run_detail(RUN)
    assert detail is not None
    why = (
        f"the run store missed its end: the disk of {db.parent} was full "
        "(the run ended COMPLETED; its last 5 events were not recorded)"
    )
    assert (detail.run.state, detail.run.note) == ("COMPLETED", why)
    # Its tasks' last steps are missing: not running for good, and why.
    assert {(t.state, t.message) for t in detail.tasks} == {("INTERRUPTED", why)}
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # A reader following the log (watch, the TUI) sees it end so, with that reason.
    assert any(
        isinstance(e, RunInterrupted) and (e.reason, e.ended) == (why, "COMPLETED")
        for e in log_of(db)
    )


def test_a_run_still_live_at_close_is_still_closed_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No end in memory: "flowtop closed the store first" is then the truth."""
    db = tmp_path / ".flowtop" / "history.db"
    history = started_run(db)
    full_disk(monkeypatch, lambda events: False)
    history(steps("a", 1000.0))
    history.close()
    run = StoreReader(db).runs()[0]
    assert (run.state, run.note) == ("INTERRUPTED", "interrupted: flowtop closed the store first")
