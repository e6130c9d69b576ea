"""The history screen reaches every run, and its run page says where a cached result came
from.

It read the newest 500 runs only: ``newest 500 of 5,000 runs``, End stopped at row 500 and
no key went further, and in the all-flows list a busy cron flow pushed every other flow's
runs out. The cursor reaching the last row (or a key past it) now reads the next page, on
a thread, the heading saying ``newest 1,000 of 5,000 runs``.

A run page's cache hit in a run that reruns nothing read "Carried over from the source
run (not executed again): its attempts are there.": there is no source run, and no
attempt anywhere on screen. And the page's reads lost the ``(pruned)`` of a cache hit's
pruned run: up a rerun's chain, and on a live run's page at its first refresh.
"""

from __future__ import annotations

import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from flowtop.engine.events import REUSED_FROM_SOURCE, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.tui.screens import HistoryScreen, history, run_detail
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace import reaper
from flowtop.workspace.history import History
from flowtop.workspace.history_records import RunDetail, RunRecord
from flowtop.workspace.pruning import prune_runs
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import screen_text, wait_for

from .snapshot_apps import HostApp

#: At most how long a held read waits to be let go (a safety bound, not a timing).
HELD_FOR = 10.0
SIZE = (120, 16)


def record(number: int, flow: str = "etl") -> RunRecord:
    return RunRecord(
        f"{flow}-{number}",
        flow,
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


class ManyRuns:
    """A history of ``runs`` runs of ``etl`` (and one older run of ``other``) that reads
    as a store does: newest first, at most ``limit``. A read of more than the first page
    waits while ``held`` (a big store's read)."""

    def __init__(self, runs: int) -> None:
        self.records = [record(n) for n in range(runs, 0, -1)] + [record(1, "other")]
        self.released = threading.Event()
        self.released.set()
        self.limits: list[int | None] = []

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        self.limits.append(limit)
        if limit is not None and limit > history.RUN_LIMIT:
            assert self.released.wait(HELD_FOR), "never let go"
        chosen = [r for r in self.records if flow is None or r.flow == flow]
        return chosen if limit is None else chosen[:limit]

    def count(self, flow: str | None = None) -> int:
        return sum(flow is None or r.flow == flow for r in self.records)

    def run_detail(self, run_id: str) -> RunDetail:
        return RunDetail(next(r for r in self.records if r.run_id == run_id))


def heading(app: HostApp) -> str:
    return str(app.screen.query_one("#heading", Static).render())


def runs_table(app: HostApp) -> DataTable[Any]:
    return app.screen.query_one("#runs", DataTable)


@pytest.mark.parametrize("all_flows", [False, True])
async def test_the_last_row_brings_the_older_runs(
    monkeypatch: pytest.MonkeyPatch, all_flows: bool
) -> None:
    monkeypatch.setattr(history, "RUN_LIMIT", 5)
    runs = ManyRuns(12)
    total = 13 if all_flows else 12
    app = HostApp(lambda: HistoryScreen(runs, "etl"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "newest 5 of 12 runs" in heading(app), "the first page")
        if all_flows:  # a busy flow's runs pushed the others out of it for good
            await pilot.press("a")
            await wait_for(pilot, lambda: "newest 5 of 13" in heading(app), "all flows")
        table = runs_table(app)
        await pilot.press("G")  # old: the last of the newest 5, for good
        await wait_for(pilot, lambda: table.row_count == 10, "the next page")
        assert f"newest 10 of {total} runs" in heading(app), heading(app)
        assert table.cursor_row == 4, "the cursor left the run it was on"
        await pilot.press("G")
        await wait_for(pilot, lambda: table.row_count == total, "the last page")
        await wait_for(pilot, lambda: heading(app).endswith(f"· {total} runs"), "every run")
        if all_flows:
            try:  # (drawn after the rows arrive: waited for, on a loaded machine)
                await wait_for(
                    pilot,
                    lambda: "other" in screen_text(app) or table.cursor_row == total - 1,
                    "the other flow's run shown",
                )
            except AssertionError as missed:  # what was shown (`othe`: see `add_rows`)
                raise AssertionError(
                    f"{missed}; columns {[c.content_width for c in table.columns.values()]}, "
                    f"scroll {table.scroll_offset}, virtual {table.virtual_size}, "
                    f"cursor {table.cursor_row}:\n{screen_text(app)}"
                ) from None
            keys = [str(row.key.value) for row in table.ordered_rows]
            assert keys[-1] == "other-1", keys


@pytest.mark.parametrize("key", ["j", "down", "pagedown", "end"])
async def test_a_key_past_the_last_row_brings_the_older_runs(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    """One run listed of two: no cursor move reaches its last row (it is on it)."""
    monkeypatch.setattr(history, "RUN_LIMIT", 1)
    runs = ManyRuns(2)
    app = HostApp(lambda: HistoryScreen(runs, "etl"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "newest 1 of 2 runs" in heading(app), "the first page")
        await pilot.press(key)
        await wait_for(pilot, lambda: runs_table(app).row_count == 2, "the older run")
        await wait_for(pilot, lambda: heading(app).endswith("· 2 runs"), "its heading")


async def test_the_older_runs_are_read_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first open is as quick as before: the next page is read on a thread while keys
    go on working, the heading saying it comes."""
    monkeypatch.setattr(history, "RUN_LIMIT", 5)
    runs = ManyRuns(12)
    app = HostApp(lambda: HistoryScreen(runs, "etl"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "newest 5 of 12 runs" in heading(app), "the first page")
        assert set(runs.limits) == {5}, runs.limits
        runs.released.clear()
        table = runs_table(app)
        await pilot.press("G")
        await wait_for(pilot, lambda: "loading older runs…" in heading(app), "the notice")
        await pilot.press("k")  # handled while the read waits
        await wait_for(pilot, lambda: table.cursor_row == 3, "the key")
        assert table.row_count == 5
        runs.released.set()
        await wait_for(pilot, lambda: table.row_count == 10, "the next page")
        await wait_for(pilot, lambda: "loading" not in heading(app), "the notice gone")
        assert "newest 10 of 12 runs" in heading(app)
        assert table.cursor_row == 3


async def test_the_heading_counts_the_pages_shown() -> None:
    """``newest 1,000 of 1,100 runs`` at the real page size."""
    runs = ManyRuns(1_100)
    app = HostApp(lambda: HistoryScreen(runs, "etl"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "newest 500 of 1,100 runs" in heading(app), "first page")
        await pilot.press("G")
        await wait_for(pilot, lambda: "newest 1,000 of 1,100 runs" in heading(app), "the next")
        assert runs_table(app).row_count == 1_000


# -- a run's page: where a cached result came from ------------------------------------

CACHED = "cached result of etl #1, 2026-12-04 10:54:38"
CACHED_PRUNED = "cached result of etl #1 (pruned), 2026-12-04 10:54:38"


def _store(folder: Path) -> Path:
    """``etl`` #1 made ``b``; #2 took it from the cache #1 filled; #3 reruns #2 and
    carries ``b`` over. A prune took #1."""
    db = folder / ".flowtop" / "history.db"
    db.parent.mkdir()
    store = History(db)
    now = time.time()
    steps: list[tuple[str | None, str]] = [
        (None, ""),
        (None, CACHED),
        ("run-2", REUSED_FROM_SOURCE),
    ]
    try:
        for number, (source, message) in enumerate(steps, 1):
            run_id = f"run-{number}"
            store.next_number("etl")
            reused = bool(message)
            events: list[Any] = [
                RunStarted(run_id, "etl", number, ("b",), (1,), ("",), source, now + number),
                TaskStateChanged(
                    run_id,
                    "etl",
                    "b",
                    S.COMPLETED,
                    0 if reused else 1,
                    1,
                    now + number,
                    reused=reused,
                    message=message,
                    result="1",
                ),
            ]
            events.append(
                RunFinished(run_id, "etl", number, S.COMPLETED, {"COMPLETED": 1}, 1.0, now)
            )
            store.sink(events)
        assert store.flush(10)
    finally:
        store.close()
    with closing(reaper.connect(db)) as conn:
        assert prune_runs(conn, 2) == ["run-1"]
    return db


def attempts(app: HostApp) -> str:
    return str(app.screen.query_one("#attempt-text", Static).render())


async def _open(app: HostApp, pilot: Any, row: int) -> None:
    table = runs_table(app)
    await wait_for(pilot, lambda: table.row_count == 2, "the runs listed")
    table.move_cursor(row=row)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "the run's page")


async def test_a_cache_hit_names_its_entry_not_a_source_run(tmp_path: Path) -> None:
    reader = StoreReader(_store(tmp_path))
    app = HostApp(lambda: HistoryScreen(reader, "etl"))
    async with app.run_test(size=(120, 24)) as pilot:
        await _open(app, pilot, 1)  # run #2, a cache hit, no rerun
        await wait_for(pilot, lambda: "Not executed again" in attempts(app), "b's attempts")
        said = attempts(app)
        assert f"Not executed again: {CACHED_PRUNED}." in said, said
        assert "source run" not in said and "its attempts are there" not in said, said


async def test_a_rerun_s_chain_says_the_cache_s_run_was_pruned(tmp_path: Path) -> None:
    reader = StoreReader(_store(tmp_path))
    app = HostApp(lambda: HistoryScreen(reader, "etl"))
    async with app.run_test(size=(120, 24)) as pilot:
        await _open(app, pilot, 0)  # run #3, a rerun of #2
        await wait_for(pilot, lambda: "from run #2" in attempts(app), "b placed up the chain")
        said = attempts(app)  # old: `… cached result of etl #1, …`, as if it were there
        assert f"Carried over from run #2 (not executed again): {CACHED_PRUNED}." in said, said


class CountedReads(StoreReader):
    """A store that counts the reads of run #2 (a live page's refreshes)."""

    reads = 0

    def run_page(self, run_id: str, *, subflows: bool) -> RunDetail:
        if run_id == "run-2":  # (``history_reads.read_run``: each refresh's one read)
            self.reads += 1
        return super().run_page(run_id, subflows=subflows)


async def test_a_live_run_s_page_keeps_saying_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run #2's page while it runs: at its refresh the cache hit lost its ``(pruned)``."""
    monkeypatch.setattr(run_detail, "REFRESH", 0.05)
    db = _store(tmp_path)
    with closing(reaper.connect(db)) as conn:  # #2 runs still: its page follows it
        conn.execute("UPDATE runs SET state = 'RUNNING', finished = NULL WHERE run_id = 'run-2'")
        conn.commit()
    reader = CountedReads(db)
    app = HostApp(lambda: HistoryScreen(reader, "etl"))
    async with app.run_test(size=(120, 24)) as pilot:
        await _open(app, pilot, 1)
        await wait_for(pilot, lambda: "cached result of etl #1" in attempts(app), "b's attempts")
        seen = reader.reads
        await wait_for(pilot, lambda: reader.reads >= seen + 2, "the page read again")
        await pilot.pause()
        assert CACHED_PRUNED in attempts(app), attempts(app)
