"""A rerun that did not start stands for its source; with that source gone, a rerun of
it says so in the user's terms and starts nothing.

``history --prune`` keeps such a source now (``pruning._without_stood_for``), but an
older flowtop's prune or a manual delete may have taken it: ``--rerun-of 2`` then said
"no run with id '<#1's id>'" (an id the user never typed), and the monitor's ``f`` made
a new failed run each time, "did not start: no run with id …".
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType as S
from flowtop.tui.model import RunModel
from flowtop.tui.run_control import RunControlError, StoreControl
from flowtop.workspace.history import History
from flowtop.workspace.store_reader import StoreReader

from .conftest import ETL, flowtop

DB = Path(".flowtop") / "history.db"
SAID = "run #2 stands for the run it reran, which was pruned"


def stand_in_of_a_pruned_run(ws: Callable[..., Path]) -> tuple[Path, str]:
    """etl #1 failed; #2, a rerun of it, cancelled while its file imported; #1 then
    deleted as an older prune did: (the folder, #1's id)."""
    folder = ws(etl=ETL)
    assert flowtop("run", ".", "--flow", "etl", "--quiet", cwd=folder).returncode == 1
    (source,) = StoreReader(folder / DB).runs()
    history = History(folder / DB)
    try:
        number, now = history.next_number("etl"), time.time()
        history.sink(
            [
                RunStarted("stand-in", "etl", number, ("extract", "load"), (1, 1), ("", ""),
                           source.run_id, now),
                RunFinished("stand-in", "etl", number, S.CANCELLED, {}, 0.0, now),
            ]
        )  # fmt: skip
        assert history.flush(10)
    finally:
        history.close()
    pruned = flowtop("history", ".", "--prune", "1", cwd=folder)
    assert pruned.stdout.startswith("Removed 0 runs"), pruned.stdout  # it stands for #1
    with closing(sqlite3.connect(folder / DB)) as conn, conn:
        conn.execute("DELETE FROM runs WHERE run_id = ?", (source.run_id,))
    return folder, source.run_id


@pytest.mark.parametrize("detach", [False, True])
def test_flowtop_run_rerun_of_says_what_it_stands_for(
    ws: Callable[..., Path], detach: bool
) -> None:
    folder, gone = stand_in_of_a_pruned_run(ws)
    args = ["run", ".", "--flow", "etl", "--rerun-of", "2", *(["--detach"] * detach)]
    done = flowtop(*args, cwd=folder)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{SAID}: run the flow anew" in done.stderr, done.stderr
    assert gone[:8] not in done.stderr
    assert [r.number for r in StoreReader(folder / DB).runs()] == [2]  # none started


def test_f_on_it_in_the_monitor_says_so_and_starts_nothing(ws: Callable[..., Path]) -> None:
    folder, _ = stand_in_of_a_pruned_run(ws)
    shown = RunModel("etl", ("extract", "load"), run_id="stand-in", number=2)
    shown.state = None  # finished, as the window's copy says
    workspace: Any = SimpleNamespace(
        state_dir=folder / ".flowtop", flow_files={"etl": folder / "etl.py"}
    )
    window = StoreControl(workspace, lambda events: None)
    try:
        with pytest.raises(RunControlError) as refused:
            window.rerun_failed(shown)
    finally:
        window.close(cancel=False)
    assert refused.value.say(lambda action: "r") == (
        "Run #2 stands for the run it reran, which was pruned: press r to run the flow anew"
    )
    assert [r.number for r in StoreReader(folder / DB).runs()] == [2]
