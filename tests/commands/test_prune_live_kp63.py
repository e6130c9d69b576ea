"""``history --prune N`` counts the live runs it kept, in its words and its JSON.

With a live rerun, ``--prune 1`` said ``kept the newest 1 of each flow, and 3 more (…)``
while 7 runs stayed of 2 flows: the live runs are kept on top of the newest N finished
ones and went unsaid, and ``--json`` said nothing of what it kept.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowtop.commands.history_prune import prune
from flowtop.workspace.history import History
from flowtop.workspace.run_numbers import reserve_rerun

from .test_prune_says_kept_pr62 import finished, stored


def three_runs(history: History) -> None:
    for _ in range(3):
        finished(history, "f")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The store every test here prunes: three finished runs of ``f``."""
    db = tmp_path / "history.db"
    stored(db, three_runs)
    return db


def test_a_live_rerun_of_the_newest_is_said_live(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reserve_rerun(db, "f", "f-live", "f-3")
    assert prune(db, 1, "f") == 0
    assert capsys.readouterr().out.startswith(
        "Removed 2 runs; kept the newest 1 of f, and 1 live run."
    )


def test_the_live_run_and_its_source_add_up(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reserve_rerun(db, "f", "f-live", "f-2")
    assert prune(db, 1, "f") == 0
    assert capsys.readouterr().out.startswith(
        "Removed 1 run; kept the newest 1 of f, and 2 more "
        "(1 live, 1 that a live rerun is rerunning)."
    )
    assert prune(db, 1, "f", as_json=True) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["removed"] == 0
    assert said["kept_beyond"] == {"live": 1, "called": 0, "stood_for": 0, "rerunning": 1}


def test_json_of_a_prune_with_nothing_kept_beyond(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert prune(db, 1, None, as_json=True) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["removed"] == 2
    assert said["kept_beyond"] == {"live": 0, "called": 0, "stood_for": 0, "rerunning": 0}
