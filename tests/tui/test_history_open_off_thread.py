"""Enter on the history screen reads the run on a thread: the screen says which run it
opens meanwhile and keys go on working.

``_open`` folded the run's log on the UI thread: a 10,000-task run held the screen
0.4 s and more (seconds on a loaded machine), and a key pressed meanwhile waited.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flowtop.tui.screens import HistoryScreen
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace.history_records import RunDetail, RunRecord
from pilot_kit import screen_text, wait_for

from .snapshot_apps import HostApp

#: At most how long a run's read waits to be let go (a safety bound, not a timing).
HELD_FOR = 5.0


def record(number: int) -> RunRecord:
    return RunRecord(
        f"run-{number}",
        "etl",
        number,
        "COMPLETED",
        1.7e9,
        1.7e9 + 3,
        3.0,
        None,
        None,
        {"COMPLETED": 1},
        1,
    )


class SlowRuns:
    """A history whose ``run_detail`` waits until the test lets it go: a big run's fold."""

    def __init__(self, records: list[RunRecord]) -> None:
        self.records = records
        self.go = threading.Event()
        self.read: list[str] = []

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return self.records

    def count(self, flow: str | None = None) -> int:
        return len(self.records)

    def run_detail(self, run_id: str) -> RunDetail:
        self.go.wait(HELD_FOR)
        self.read.append(run_id)
        return RunDetail(next(r for r in self.records if r.run_id == run_id))

    def close(self) -> None:
        pass


async def test_a_run_being_read_is_said_and_escape_is_handled_meanwhile() -> None:
    history = SlowRuns([record(2), record(1)])
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=(120, 12)) as pilot:
        await wait_for(pilot, lambda: "Completed" in screen_text(app), "the runs listed")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "opening run etl #2…" in screen_text(app), "the notice")
        await pilot.press("escape")  # old: waited for the read
        await wait_for(pilot, lambda: not isinstance(app.screen, HistoryScreen), "escape")
        assert not history.read, "escape was handled only after the read"
        history.go.set()
        await wait_for(pilot, lambda: history.read == ["run-2"], "the read's end")
        await pilot.pause()
        assert not isinstance(app.screen, RunDetailScreen), "opened a run after leaving"


async def test_the_run_read_opens_and_the_notice_goes() -> None:
    history = SlowRuns([record(2), record(1)])
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=(120, 12)) as pilot:
        await wait_for(pilot, lambda: "Completed" in screen_text(app), "the runs listed")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: "opening run etl #1…" in screen_text(app), "the notice")
        history.go.set()
        await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "the run page")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "back")
        await pilot.pause()
        assert "opening" not in screen_text(app)


async def test_a_refit_due_after_the_run_page_closed_is_dropped() -> None:
    """A refit the run page asked for after the next frame, run once the page is gone:
    Textual hands such a call to whichever screen is current when it comes due, so
    Escape as the page opened ran it on a table already removed (NoMatches, in CI)."""
    history = SlowRuns([record(2), record(1)])
    history.go.set()
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=(120, 12)) as pilot:
        await wait_for(pilot, lambda: "Completed" in screen_text(app), "the runs listed")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "the run page")
        page = app.screen
        late: list[Callable[[], object]] = []
        page.call_after_refresh = late.append  # type: ignore[method-assign,assignment]
        page.on_resize()  # asks for a refit after the next frame
        await pilot.press("escape")
        await wait_for(pilot, lambda: not page.children, "the page removed")
        for call in late:
            app.screen.call_after_refresh(call)  # as Textual forwards it, once due
        await pilot.pause()
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "the HistoryScreen")
