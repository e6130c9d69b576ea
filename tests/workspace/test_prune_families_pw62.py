"""``history --prune N`` keeps a subflow run as long as the run that called it stays.

It kept the newest N runs of each flow alone: ``daily #9``'s record lost the oldest of
the three ``region-ingest`` runs it called, and ``--rerun-of 9`` ran that call again from
scratch, saying nothing of why.
"""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType as S
from flowtop.workspace import reaper
from flowtop.workspace.history import History
from flowtop.workspace.pruning import prune_runs
from flowtop.workspace.store_reader import StoreReader


def _record(history: History, flow: str, parent: str | None = None) -> str:
    """One finished run of ``flow`` (called by ``parent``, if given); its id."""
    number = history.next_number(flow)
    run_id = f"{flow}-{number}"
    history.sink(
        [
            RunStarted(
                run_id, flow, number, ("a",), (1,), ("",), None, time.time(), parent_run=parent
            ),
            RunFinished(run_id, flow, number, S.COMPLETED, {}, 1.0, time.time()),
        ]
    )
    return run_id


def _family(history: History, daily: str = "daily") -> tuple[str, list[str]]:
    """A ``daily`` run that called ``region-ingest`` three times, one of which called
    ``leaf``: (the parent's id, its descendants' ids)."""
    parent = _record(history, daily)
    kids = [_record(history, "region-ingest", parent) for _ in range(3)]
    return parent, [*kids, _record(history, "leaf", kids[0])]


def _prune(db: Path, keep: int, flow: str | None = None) -> list[str]:
    with closing(reaper.connect(db)) as conn:
        return sorted(prune_runs(conn, keep, flow))


def _stored(db: Path) -> set[str]:
    return {run.run_id for run in StoreReader(db).runs()}


def test_a_kept_parent_keeps_every_subflow_run_it_called(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    history = History(db)
    try:
        old, old_kids = _family(history)
        new, new_kids = _family(history)
        assert history.flush(10)
    finally:
        history.close()
    removed = _prune(db, 2)
    # daily keeps both its runs: region-ingest's 6 and leaf's 2 all stay with them
    assert removed == []
    assert _stored(db) == {old, new, *old_kids, *new_kids}
    # daily keeps its newest: the old family's subflow runs go with their parent, down
    # to the grandchild, except the newest of each flow kept by --prune's own count
    removed = _prune(db, 1)
    assert removed == sorted([old, *old_kids])
    assert _stored(db) == {new, *new_kids}


def test_a_subflow_run_whose_parent_goes_is_kept_by_its_own_flows_count(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    history = History(db)
    try:
        old, old_kids = _family(history)
        new, new_kids = _family(history)
        assert history.flush(10)
    finally:
        history.close()
    # only daily pruned: the subflow runs of the run that went are another flow's, kept
    assert _prune(db, 1, "daily") == [old]
    assert _stored(db) == {new, *new_kids, *old_kids}
