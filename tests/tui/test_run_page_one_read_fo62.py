"""A live run's page reads the store once per refresh, its subflow runs on that read's
connection (fo62).

``RunDetailScreen._refresh`` read the run (``history_reads.read_run``), and
``SubflowsShown.read`` opened a second connection beside it for the subflow runs the
run called (``subflow_runs``): two connections, and two threads, every ``REFRESH``. The
run's read brings them now (``StoreReader.run_detail(subflows=True)``).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType as S
from flowtop.tui.screens import run_detail
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace import store_reader, subflow_runs
from flowtop.workspace.history import History
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import wait_for

from .snapshot_apps import HostApp


def _live_parent(folder: Path) -> tuple[Path, History]:
    """``daily-ingest`` #1, running, that called ``region-ingest`` #1 (completed); the
    store kept open to add a second subflow run later."""
    db = folder / ".flowtop" / "history.db"
    db.parent.mkdir()
    store = History(db)
    now = time.time()
    store.next_number("daily-ingest")
    store.next_number("region-ingest")
    store.sink(
        [
            RunStarted("p", "daily-ingest", 1, (), (), ()),
            RunStarted("c1", "region-ingest", 1, (), (), (), ts=now, parent_run="p"),
            RunFinished("c1", "region-ingest", 1, S.COMPLETED, {}, 1.0, now + 1),
        ]
    )
    assert store.flush(10)
    return db, store


def attempts(app: HostApp) -> str:
    return str(app.screen.query_one("#attempt-text", Static).render())


async def test_a_refresh_opens_one_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, store = _live_parent(tmp_path)
    opened: list[Path] = []

    def counted(module: Any) -> None:
        real = module.connect_reader

        def connect(path: Path) -> sqlite3.Connection:
            opened.append(path)
            return real(path)

        monkeypatch.setattr(module, "connect_reader", connect)

    counted(store_reader)
    counted(subflow_runs)
    monkeypatch.setattr(run_detail, "REFRESH", 3600.0)  # refreshed below, by hand
    try:
        reader = StoreReader(db)
        detail = reader.run_detail("p")
        app = HostApp(lambda: RunDetailScreen(detail, reader))
        async with app.run_test(size=(120, 24)) as pilot:
            await wait_for(pilot, lambda: "region-ingest #1" in attempts(app), "the subflow")
            page = app.screen
            assert isinstance(page, RunDetailScreen)
            now = time.time()
            store.next_number("region-ingest")
            store.sink([RunStarted("c2", "region-ingest", 2, (), (), (), ts=now, parent_run="p")])
            assert store.flush(10)
            await pilot.pause()
            await app.workers.wait_for_complete()
            opened.clear()
            page._refresh()
            await wait_for(pilot, lambda: "region-ingest #2" in attempts(app), "the new one")
            await app.workers.wait_for_complete()
            assert len(opened) == 1, opened  # old: 2, the run's and the subflows'
            said = attempts(app)
            assert "region-ingest #1 · ✓ Completed" in said, said
            assert "region-ingest #2" in said and "its subflows run as runs" in said, said
    finally:
        store.close()
