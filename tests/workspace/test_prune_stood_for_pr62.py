"""``history --prune N`` keeps the source a kept rerun that did not start stands for.

A rerun cancelled while its file imported (or whose file was broken) ran no task: a
rerun of it reruns its source, reusing what that source completed (``reruns.not_started``).
The prune kept the rerun (the newest) and deleted the source: ``--rerun-of 2`` then said
"no run with id '<#1's id>'", and the monitor's ``f`` made a failed run each time.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from flowtop.workspace import reaper
from flowtop.workspace.pruning import prune_runs
from flowtop.workspace.store_reader import StoreReader
from stand_in_runs import cancelled_importing, ran, store


def prune(db: Path, keep: int, flow: str | None = None) -> list[str]:
    with closing(reaper.connect(db)) as conn:
        return sorted(prune_runs(conn, keep, flow))


def stored(db: Path) -> set[str]:
    return {run.run_id for run in StoreReader(db).runs()}


def test_a_kept_rerun_that_did_not_start_keeps_its_source(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    store(db, ran("one", 1), cancelled_importing("two", 2, "one"))
    assert prune(db, 1) == []
    assert stored(db) == {"one", "two"}
    assert prune(db, 1, "slow") == []  # nor with --flow


def test_down_a_chain_of_reruns_that_did_not_start(tmp_path: Path) -> None:
    """#3 stands for #2, which stands for #1: both stay; #0 before them goes."""
    db = tmp_path / "history.db"
    store(
        db,
        ran("zero", 1),
        ran("one", 2),
        cancelled_importing("two", 3, "one"),
        cancelled_importing("three", 4, "two"),
    )
    assert prune(db, 1) == ["zero"]
    assert stored(db) == {"one", "two", "three"}


def test_a_rerun_that_ran_does_not_keep_its_source(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    store(db, ran("one", 1), ran("two", 2, "one"))
    assert prune(db, 1) == ["one"]


def test_a_pruned_rerun_that_did_not_start_keeps_nothing(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    store(db, ran("one", 1), cancelled_importing("two", 2, "one"), ran("three", 3))
    assert prune(db, 1) == ["one", "two"]
