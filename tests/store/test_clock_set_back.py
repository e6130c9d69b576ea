"""A clock set back stamps a flow's newest run earlier than its older ones: "newest" is
the run number the store handed out, never ``started``."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType as S
from flowtop.workspace import reaper
from flowtop.workspace.history import History
from flowtop.workspace.pruning import prune_runs
from flowtop.workspace.store_reader import StoreReader

#: Run number -> its start by the clock: #3 started after the clock was set back a day.
STARTS = {1: 1_700_000_000.0, 2: 1_700_000_100.0, 3: 1_699_913_800.0}


def _store(db: Path) -> None:
    history = History(db)
    try:
        for number, started in STARTS.items():
            run_id = f"run-{number}"
            history.sink(
                [
                    RunStarted(run_id, "f", number, ("a",), (1,), ("",), None, started),
                    RunFinished(run_id, "f", number, S.COMPLETED, {}, 1.0, started + 1),
                ]
            )
        assert history.flush(10)
    finally:
        history.close()


def test_the_newest_run_of_a_flow_is_the_highest_number(tmp_path: Path) -> None:
    """``watch --flow f`` followed run #2, and the TUI's flows list showed it."""
    db = tmp_path / "history.db"
    _store(db)
    reader = StoreReader(db)
    assert [r.number for r in reader.runs("f")] == [3, 2, 1]
    assert [r.number for r in reader.runs("f", limit=1)] == [3]
    assert [r.number for r in reader.newest_per_flow()] == [3]


def test_prune_keeps_the_highest_numbers(tmp_path: Path) -> None:
    """``--prune 1`` deleted run #3, the real newest, and its results."""
    db = tmp_path / "history.db"
    _store(db)
    with closing(reaper.connect(db)) as conn:
        assert sorted(prune_runs(conn, 1)) == ["run-1", "run-2"]
    assert [r.number for r in StoreReader(db).runs("f")] == [3]
