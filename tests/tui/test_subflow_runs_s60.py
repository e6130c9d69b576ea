"""A parent ``@flow``'s run page names its subflow runs (explorer rv403, §5).

The history screen's page of a run whose body called subflows and no task of its own
said ``This run recorded no tasks.`` and its flow result, while the main screen said
``No task of its own; its subflows ran as runs of their own: region-ingest #19,
region-ingest #20``: from the parent there was no way to its children. The page lists
them now, each with its state; a run with tasks of its own lists them under each task.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Static

from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.tui.screens import HistoryScreen
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace.history import History
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import wait_for

from .snapshot_apps import HostApp


def _store(folder: Path, *, own_task: bool) -> Path:
    """``daily-ingest`` #1 called ``region-ingest`` twice (#1 completed, #2 failed), and
    ran task ``total`` itself when ``own_task``."""
    db = folder / ".flowtop" / "history.db"
    db.parent.mkdir()
    store = History(db)
    now = time.time()
    tasks = ("total",) if own_task else ()
    try:
        store.next_number("daily-ingest")
        events: list[Any] = [
            RunStarted("p", "daily-ingest", 1, tasks, (1,) * len(tasks), ("",) * len(tasks))
        ]
        for number, state in ((1, S.COMPLETED), (2, S.FAILED)):
            store.next_number("region-ingest")
            child = f"c{number}"
            events += [
                RunStarted(child, "region-ingest", number, (), (), (), ts=now, parent_run="p"),
                RunFinished(child, "region-ingest", number, state, {}, 1.0, now + number),
            ]
        if own_task:
            events.append(
                TaskStateChanged("p", "daily-ingest", "total", S.COMPLETED, 1, 1, now, result="6")
            )
        counts = {"COMPLETED": 1} if own_task else {}
        events.append(RunFinished("p", "daily-ingest", 1, S.FAILED, counts, 3.0, now + 3))
        store.sink(events)
        assert store.flush(10)
    finally:
        store.close()
    return db


def attempts(app: HostApp) -> str:
    return str(app.screen.query_one("#attempt-text", Static).render())


async def _open_parent(app: HostApp, pilot: Any) -> None:
    table = app.screen.query_one(DataTable)
    await wait_for(pilot, lambda: table.row_count == 1, "the parent listed")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "the run's page")


async def test_a_parent_s_page_names_its_subflow_runs(tmp_path: Path) -> None:
    reader = StoreReader(_store(tmp_path, own_task=False))
    app = HostApp(lambda: HistoryScreen(reader, "daily-ingest"))
    async with app.run_test(size=(120, 24)) as pilot:
        await _open_parent(app, pilot)
        await wait_for(pilot, lambda: "region-ingest #2" in attempts(app), "the subflows named")
        said = attempts(app)
        assert "This run recorded no tasks." not in said, said
        assert "No task of its own; its subflows ran as runs of their own:" in said, said
        assert "region-ingest #1 · ✓ Completed" in said, said
        assert "region-ingest #2 · ✗ Failed" in said, said
        assert said.index("region-ingest #1") > said.index("region-ingest #2"), said  # ✗ first


async def test_a_parent_with_tasks_names_them_under_each_task(tmp_path: Path) -> None:
    reader = StoreReader(_store(tmp_path, own_task=True))
    app = HostApp(lambda: HistoryScreen(reader, "daily-ingest"))
    async with app.run_test(size=(120, 24)) as pilot:
        await _open_parent(app, pilot)
        await wait_for(pilot, lambda: "region-ingest #2" in attempts(app), "the subflows named")
        said = attempts(app)
        assert said.startswith("total"), said  # the task's attempts first
        assert "Subflow runs  ran as runs of their own" in said, said
        assert "region-ingest #1 · ✓ Completed" in said, said
