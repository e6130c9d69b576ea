"""A screen's step after the next frame is dropped once the screen is closing, not only
once it is gone (ci64): a run page opened on a run a prune took meanwhile closes at
once, and its refit, due as the screen's widgets were being removed (the screen itself
still in the DOM), asked for its table: ``NoMatches``, the app crashed (seen in CI)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable

from flowtop.tui.after_frame import after_frame

from .snapshot_apps import HostApp


class Page(Screen[None]):
    def __init__(self) -> None:
        super().__init__()
        self.steps: list[int] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="tasks")

    def step(self) -> None:
        self.steps.append(len(self.query_one("#tasks", DataTable).columns))


async def test_a_step_due_while_its_screen_is_pruned_is_dropped() -> None:
    page = Page()
    app = HostApp(lambda: page)
    async with app.run_test() as pilot:
        await pilot.pause()
        after_frame(page, page.step)
        page.query_one("#tasks").remove()  # its widgets go first, as a pop's prune does
        page._pruning = True  # the state Textual's prune leaves it in meanwhile
        await pilot.pause()
        assert page.steps == []
        page._pruning = False  # back, for the app's own teardown
        after_frame(page, lambda: page.steps.append(-1))
        await pilot.pause()
        assert page.steps == [-1]  # a screen not closing still takes its step
