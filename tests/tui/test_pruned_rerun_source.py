"""A rerun whose source was pruned says so alike in ``flowtop history`` and the TUI.

``flowtop history`` printed the source's bare id in RERUN OF (a run no command finds any
more), the TUI's history screen an empty cell (no rerun at all, to read it); both say
``(pruned)`` now (``history_records.source_label``), as do the headings of the run's detail.
"""

from __future__ import annotations

import os
import time
from contextlib import closing
from pathlib import Path

import flowtop
import fork_cli
from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.tui.screens import HistoryScreen
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace import reaper
from flowtop.workspace.history import History
from flowtop.workspace.history_records import PRUNED_SOURCE, source_label
from flowtop.workspace.pruning import prune_runs
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import screen_text

from .snapshot_apps import HostApp

APP = Path(flowtop.__file__).resolve().parents[1]


def test_the_label_of_a_source() -> None:
    assert source_label(None, None) == ""
    assert source_label("abc", 3) == "#3"
    assert source_label("abc", None) == PRUNED_SOURCE == "(pruned)"


def _rerun_of_a_pruned_run(folder: Path) -> Path:
    """A store whose run #2 reruns run #1, which ``--prune 1`` deleted."""
    db = folder / ".flowtop" / "history.db"
    db.parent.mkdir()
    history = History(db)
    try:
        for number, source in ((1, None), (2, "run-1")):
            run_id, now = f"run-{number}", time.time()
            history.next_number("f")
            history.sink(
                [
                    RunStarted(run_id, "f", number, ("a",), (1,), ("",), source, now),
                    # it ran: a rerun that did not start keeps its source from a prune
                    TaskStateChanged(run_id, "f", "a", S.FAILED, 1, 1, now),
                    RunFinished(run_id, "f", number, S.FAILED, {}, 1.0, now),
                ]
            )
        assert history.flush(10)
    finally:
        history.close()
    with closing(reaper.connect(db)) as conn:
        assert prune_runs(conn, 1) == ["run-1"]
    return db


def test_flowtop_history_says_the_source_was_pruned(tmp_path: Path) -> None:
    _rerun_of_a_pruned_run(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(APP)}
    for args in ((), ("--run", "2")):
        done = fork_cli.run(
            ["history", ".", *args],
            cwd=tmp_path,
            timeout=60,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        first_run = done.stdout.splitlines()[1] if not args else done.stdout.splitlines()[0]
        assert "(pruned)" in first_run and "run-1" not in first_run, done.stdout


async def test_the_tui_history_says_the_source_was_pruned(tmp_path: Path) -> None:
    reader = StoreReader(_rerun_of_a_pruned_run(tmp_path))
    app = HostApp(lambda: HistoryScreen(reader, "f"))
    async with app.run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        rows = [line for line in screen_text(app).split("\n") if "Failed" in line]
    assert len(rows) == 1 and "(pruned)" in rows[0], rows
    detail = HostApp(lambda: RunDetailScreen(reader.run_detail("run-2")))
    async with detail.run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        assert "rerun of (pruned)" in screen_text(detail)
