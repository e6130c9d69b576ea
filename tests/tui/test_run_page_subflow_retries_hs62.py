"""A run's page lists a subflow's own retries as one call, its last run (hs62).

``mom`` called ``kid``, whose first run failed and whose own retry (a run of its own that
reruns the first) completed. The monitor's main screen lists ``✓ kid #2 (retry of #1)``
(``RunModel.subflow_calls``); the run's page on the history screen listed ``kid #1 · ✗
Failed`` beside ``kid #2 · ✓ Completed``, two calls, one of them failed. It says the
call as the main screen does now.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual.widgets import Static

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType as S
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace.history import History
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import wait_for

from .snapshot_apps import HostApp


def _store(folder: Path) -> Path:
    """``mom`` #1 (completed) called ``kid`` #1 (failed), its retry #2 (completed), and
    ``region`` #1 (failed)."""
    db = folder / ".flowtop" / "history.db"
    db.parent.mkdir()
    store = History(db)
    now = time.time()
    try:
        for flow in ("mom", "kid", "kid", "region"):
            store.next_number(flow)
        events: list[Any] = [RunStarted("p", "mom", 1, (), (), (), ts=now)]
        runs = (
            ("k1", "kid", 1, S.FAILED, None),
            ("k2", "kid", 2, S.COMPLETED, "k1"),
            ("r1", "region", 1, S.FAILED, None),
        )
        for at, (child, flow, number, state, retries) in enumerate(runs, 1):
            start = RunStarted(child, flow, number, (), (), (), retries, now + at, parent_run="p")
            events += [start, RunFinished(child, flow, number, state, {}, 0.5, now + at + 0.5)]
        events.append(RunFinished("p", "mom", 1, S.COMPLETED, {}, 5.0, now + 5))
        store.sink(events)
        assert store.flush(10)
    finally:
        store.close()
    return db


def attempts(app: HostApp) -> str:
    return str(app.screen.query_one("#attempt-text", Static).render())


async def test_a_retried_subflow_call_is_listed_once_as_its_last_run(tmp_path: Path) -> None:
    reader = StoreReader(_store(tmp_path))
    detail = reader.run_detail("p")
    app = HostApp(lambda: RunDetailScreen(detail, reader))
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_for(pilot, lambda: "region #1" in attempts(app), "the subflows named")
        lines = [line.strip() for line in attempts(app).splitlines()]
        assert "kid #2 (retry of #1) · ✓ Completed" in lines, lines
        assert not any(line.startswith("kid #1") for line in lines), lines
        assert lines.index("kid #2 (retry of #1) · ✓ Completed") > lines.index(
            "region #1 · ✗ Failed"
        ), lines  # the one that failed first, as the monitor lists them (sb63)
