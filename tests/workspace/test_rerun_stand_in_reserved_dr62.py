"""Two reruns of one run at once, one naming it and the other a rerun that did not start
standing for it, are refused as two reruns of one source are (ex62c §6).

#2, a rerun of #1 cancelled while its file imported, stands for #1: a rerun of #2 reruns
#1. ``--rerun-of 1`` and ``--rerun-of 2`` at once both started, each recording RERUN OF #1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.engine.events import Event
from flowtop.workspace.run_numbers import RerunRunning, reserve_rerun
from stand_in_runs import cancelled_importing, ran, store


def workspace(tmp_path: Path, *runs: list[Event]) -> Path:
    return store(tmp_path / "history.db", *runs)


@pytest.mark.parametrize(("first", "second"), [("one", "two"), ("two", "one")])
def test_a_rerun_of_a_stand_in_and_of_its_source_are_one_rerun(
    tmp_path: Path, first: str, second: str
) -> None:
    db = workspace(tmp_path, ran("one", 1), cancelled_importing("two", 2, "one"))
    assert reserve_rerun(db, "slow", "a" * 12, first) == 3  # reserved: it runs
    with pytest.raises(RerunRunning) as refused:
        reserve_rerun(db, "slow", "b" * 12, second)
    assert (refused.value.run_id, refused.value.number) == ("a" * 12, 3)


def test_down_a_chain_of_stand_ins(tmp_path: Path) -> None:
    """#3 stands for #2, which stands for #1: a rerun of #3 and one of #1 are one rerun."""
    db = workspace(
        tmp_path,
        ran("one", 1),
        cancelled_importing("two", 2, "one"),
        cancelled_importing("three", 3, "two"),
    )
    assert reserve_rerun(db, "slow", "a" * 12, "three") == 4
    with pytest.raises(RerunRunning):
        reserve_rerun(db, "slow", "b" * 12, "one")


def test_a_rerun_of_a_run_that_started_is_its_own(tmp_path: Path) -> None:
    """#2 ran (its task failed again): a rerun of #2 and one of #1 both go."""
    db = workspace(tmp_path, ran("one", 1), ran("two", 2))
    assert reserve_rerun(db, "slow", "a" * 12, "one") == 3
    assert reserve_rerun(db, "slow", "b" * 12, "two") == 4
