"""The history screen reads the store again only when it changed.

It read every listed run every ``REFRESH`` (2 s), on a thread: with 5,000 runs paged in
the idle monitor took ~8% CPU, against 2.4% at 500 runs. And it read its first page twice
as it opened (on mount, on resume). A refresh now asks the store's version first
(``StoreReader.version``: SQLite's ``data_version`` on a connection kept for it) and reads
only when it is not the one the runs shown were read at: a new run, or a live run's tasks
going on (its counts change with no new run).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual.widgets import DataTable

from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.tui.screens import HistoryScreen
from flowtop.workspace.history import History
from flowtop.workspace.history_records import RunDetail, RunRecord
from pilot_kit import screen_text, wait_for

from .snapshot_apps import HostApp

SIZE = (120, 16)


def record(number: int) -> RunRecord:
    return RunRecord(
        f"etl-{number}",
        "etl",
        number,
        "COMPLETED",
        1.7e9 + number,
        1.7e9 + number + 3,
        3.0,
        None,
        None,
        {"COMPLETED": 1},
        1,
    )


class CountedHistory:
    """A history whose reads are counted, with a version that changes as a run is added."""

    def __init__(self, runs: int) -> None:
        self.records = [record(n) for n in range(runs, 0, -1)]
        self.changes = 0
        self.reads = 0
        self.asked = 0

    def version(self) -> tuple[int, ...] | None:
        self.asked += 1
        return (self.changes,)

    def add(self) -> None:
        self.records.insert(0, record(len(self.records) + 1))
        self.changes += 1

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        self.reads += 1
        return self.records if limit is None else self.records[:limit]

    def count(self, flow: str | None = None) -> int:
        return len(self.records)

    def run_detail(self, run_id: str) -> RunDetail:
        return RunDetail(next(r for r in self.records if r.run_id == run_id))


async def refresh(app: HostApp, pilot: Any) -> None:
    """One refresh of the screen (``_refresh``, as its timer does), waited for to end."""
    screen = app.screen
    assert isinstance(screen, HistoryScreen)
    screen._refresh()
    await app.workers.wait_for_complete()
    await pilot.pause()


def rows(app: HostApp) -> int:
    return app.screen.query_one("#runs", DataTable).row_count


async def test_refreshes_read_only_after_a_change() -> None:
    history = CountedHistory(3)
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: rows(app) == 3, "the runs listed")
        await pilot.pause()
        assert history.reads == 1, "the first page was read more than once as it opened"
        for _ in range(3):
            await refresh(app, pilot)
        assert history.asked >= 4  # each refresh asked whether the store changed
        assert history.reads == 1, "refreshes read a store that had not changed"
        history.add()
        await refresh(app, pilot)
        await wait_for(pilot, lambda: rows(app) == 4, "the new run listed")
        assert history.reads == 2
        assert "4 runs" in screen_text(app)
        await refresh(app, pilot)
        assert history.reads == 2, "read again with no change since"


async def test_a_history_that_cannot_tell_is_read_at_each_refresh() -> None:
    history = CountedHistory(3)
    history.version = lambda: None  # type: ignore[method-assign]
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: rows(app) == 3, "the runs listed")
        before = history.reads
        await refresh(app, pilot)
        assert history.reads == before + 1


def _run(store: History, number: int, *, finished: bool = True) -> None:
    run_id, now = f"run-{number}", time.time()
    store.next_number("etl")
    events: list[Any] = [
        RunStarted(run_id, "etl", number, ("a", "b"), (1, 1), ("", ""), None, now),
        TaskStateChanged(run_id, "etl", "a", S.COMPLETED, 1, 1, now),
    ]
    if finished:
        events.append(TaskStateChanged(run_id, "etl", "b", S.COMPLETED, 1, 1, now))
        events.append(RunFinished(run_id, "etl", number, S.COMPLETED, {"COMPLETED": 2}, 1.0, now))
    store.sink(events)
    assert store.flush(10)


async def test_the_store_s_version_tells_new_runs_and_a_live_run_s_tasks(tmp_path: Path) -> None:
    """The real store: unchanged, no read; a new run, or a live run's next task (its
    counts change, no run is added), one read each."""
    db = tmp_path / ".flowtop" / "history.db"
    db.parent.mkdir()
    store = History(db)
    reads: list[int | None] = []
    runs = store.runs

    def counted(flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        reads.append(limit)
        return runs(flow, limit)

    try:
        _run(store, 1)
        store.runs = counted  # type: ignore[method-assign]
        app = HostApp(lambda: HistoryScreen(store, "etl"))
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: rows(app) == 1, "the run listed")
            await pilot.pause()
            assert len(reads) == 1, reads
            for _ in range(3):
                await refresh(app, pilot)
            assert len(reads) == 1, "refreshes read a store that had not changed"
            _run(store, 2, finished=False)  # live: `a` done, `b` to come
            await refresh(app, pilot)
            await wait_for(pilot, lambda: rows(app) == 2, "the new run listed")
            assert len(reads) == 2, reads
            await refresh(app, pilot)
            assert len(reads) == 2, reads
            store.sink([TaskStateChanged("run-2", "etl", "b", S.RUNNING, 1, 1, time.time())])
            assert store.flush(10)
            await refresh(app, pilot)
            assert len(reads) == 3, "a live run's tasks went on and its row was not read"
            await wait_for(pilot, lambda: "▶ 1" in screen_text(app), "the live run's counts")
    finally:
        store.close()


def test_a_closed_store_leaves_no_wal_for_the_version_s_connection(tmp_path: Path) -> None:
    """The connection ``version`` keeps is closed with the store: left open, it kept the
    ``-wal`` and ``-shm`` beside a store closed as one file."""
    db = tmp_path / ".flowtop" / "history.db"
    db.parent.mkdir()
    store = History(db)
    _run(store, 1)
    assert store.version() is not None
    store.close()
    assert sorted(path.name for path in db.parent.iterdir()) == ["history.db"]
    assert store.version() is None  # closed: asked again, it opens nothing
