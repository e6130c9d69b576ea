"""A read on a thread whose answer comes as its screen closes is dropped, not shown.

A whole-suite run crashed the monitor at a test's end: the history screen's refresh read
its runs on a thread, the screen's widgets were removed meanwhile (the app exiting), and
``_show`` ran on them: ``WorkerFailed: NoMatches("No nodes match '#message'")``. Escape
as a read was on its thread did the same, on the history screen and on a run's page.

Each test holds a read on its thread and lets it go in the window where it crashed: the
screen's widgets gone, the screen still in the app and its workers not yet cancelled.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerFailed

from flowtop.tui.screens import HistoryScreen
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace.history_records import RunDetail, RunRecord, TaskRecord
from pilot_kit import screen_text, wait_for

from .snapshot_apps import HostApp

#: At most how long a held read waits to be let go (a safety bound, not a timing).
HELD_FOR = 10.0


def record(number: int, state: str = "COMPLETED") -> RunRecord:
    ended = None if state == "RUNNING" else 1.7e9 + 3
    return RunRecord(
        f"run-{number}", "etl", number, state, 1.7e9, ended, None if ended is None else 3.0,
        None, None, {"COMPLETED": 1}, 1,
    )  # fmt: skip


class HeldHistory:
    """A history whose reads on a thread wait, once ``hold`` is set, until ``go``."""

    def __init__(self, records: list[RunRecord]) -> None:
        self.records = records
        self.hold = False
        self.waiting = threading.Event()  # a read is held
        self.go = threading.Event()

    def _held(self) -> None:
        if self.hold and threading.current_thread() is not threading.main_thread():
            self.waiting.set()
            self.go.wait(HELD_FOR)

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        self._held()
        return list(self.records)

    def count(self, flow: str | None = None) -> int:
        return len(self.records)

    def run_detail(self, run_id: str) -> RunDetail:
        self._held()
        return RunDetail(next(r for r in self.records if r.run_id == run_id))


def let_go_as_it_closes(screen_type: type[Screen[Any]], history: HeldHistory) -> Any:
    """``screen_type`` whose held read is let go once its widgets are removed, before it
    leaves the app (its Unmount: its workers are cancelled after this handler)."""

    class LetGo(screen_type):  # type: ignore[valid-type,misc]
        async def on_unmount(self) -> None:
            assert not self.children, "the screen's widgets are removed by now"
            history.go.set()
            for worker in [w for w in self.app.workers if w.node is self]:
                with contextlib.suppress(WorkerFailed, WorkerCancelled):
                    await worker.wait()

    return LetGo


async def test_the_history_refresh_answered_after_escape_is_dropped() -> None:
    history = HeldHistory([record(2), record(1)])
    screen_type = let_go_as_it_closes(HistoryScreen, history)
    app = HostApp(lambda: screen_type(history, "etl"))
    async with app.run_test(size=(100, 12)) as pilot:
        await wait_for(pilot, lambda: "Completed" in screen_text(app), "the runs listed")
        history.hold = True
        history.records.insert(0, record(3, "RUNNING"))  # a change for the read to show
        app.screen._refresh()
        await wait_for(pilot, history.waiting.is_set, "the refresh's read on its thread")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results == [None], "the history screen closed")
        await pilot.pause()
        assert "host app" in screen_text(app)  # old: WorkerFailed(NoMatches '#runs')
        assert app.is_running and app._exception is None


async def test_the_history_refresh_answered_as_the_app_exits_is_dropped() -> None:
    history = HeldHistory([record(2), record(1)])
    screen_type = let_go_as_it_closes(HistoryScreen, history)
    app = HostApp(lambda: screen_type(history, "etl"))
    async with app.run_test(size=(100, 12)) as pilot:
        await wait_for(pilot, lambda: "Completed" in screen_text(app), "the runs listed")
        history.hold = True
        history.records.insert(0, record(3, "RUNNING"))
        app.screen._refresh()
        await wait_for(pilot, history.waiting.is_set, "the refresh's read on its thread")
    assert history.go.is_set()  # let go as the screen closed with the app
    assert app._exception is None  # old: WorkerFailed(NoMatches '#runs') at the exit


async def test_a_run_page_refresh_answered_after_escape_is_dropped() -> None:
    history = HeldHistory([record(1, "RUNNING")])
    screen_type = let_go_as_it_closes(RunDetailScreen, history)
    app = HostApp(lambda: screen_type(RunDetail(history.records[0]), history))
    async with app.run_test(size=(100, 12)) as pilot:
        await wait_for(pilot, lambda: "Running" in screen_text(app), "the run's page")
        history.hold = True
        history.records[0] = record(1)  # it ended: the read has news to show
        app.screen._reading = False  # (its own refresh may be due: one held read is enough)
        app.screen._refresh()
        await wait_for(pilot, history.waiting.is_set, "the page's read on its thread")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results == [None], "the run's page closed")
        await pilot.pause()
        assert "host app" in screen_text(app)  # old: WorkerFailed(NoMatches '#heading')
        assert app.is_running and app._exception is None


async def test_where_reused_results_were_made_answered_after_escape_is_dropped() -> None:
    """``_placed`` checked ``is_mounted``, which stays True once a screen is gone."""
    source = record(1)
    carried = TaskRecord("load", "COMPLETED", 1, 1, "", None, True, "", None, None, 1.0, 1.0, 2.0)
    rerun = RunRecord(
        "run-2", "etl", 2, "COMPLETED", 1.7e9, 1.7e9 + 3, 3.0, "run-1", 1, {"COMPLETED": 1}, 1
    )
    history = HeldHistory([source, rerun])
    history.hold = True  # its first read on a thread: where `load`'s result was made
    screen_type = let_go_as_it_closes(RunDetailScreen, history)
    app = HostApp(lambda: screen_type(RunDetail(rerun, (carried,)), history))
    async with app.run_test(size=(100, 12)) as pilot:
        await wait_for(pilot, history.waiting.is_set, "the source run's read on its thread")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results == [None], "the run's page closed")
        await pilot.pause()
        assert "host app" in screen_text(app)  # old: WorkerFailed(NoMatches '#tasks')
        assert app.is_running and app._exception is None


async def test_a_read_answered_while_another_screen_is_over_it_is_still_shown() -> None:
    """Only a screen gone drops its answers: one under another screen is kept current."""
    history = HeldHistory([record(2), record(1)])
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=(100, 12)) as pilot:
        await wait_for(pilot, lambda: "Completed" in screen_text(app), "the runs listed")
        runs = app.screen
        history.hold = True
        history.records.insert(0, record(3, "RUNNING"))
        runs._refresh()
        await wait_for(pilot, history.waiting.is_set, "the refresh's read on its thread")
        app.push_screen(Screen())
        await wait_for(pilot, lambda: app.screen is not runs, "another screen over it")
        history.go.set()
        await wait_for(pilot, lambda: "run-3" in runs.records, "the read shown under it")
