"""The history screen's Counts column and a run's page heading colour each count as its
state is coloured everywhere else, and a run's page footer offers `→` while columns are
past the right edge.

Only the monitor header's counts were coloured: the history list's `✓ 2  ✗ 1  ⊘ 1` and
a run's page's `✓ 1 completed  ✗ 1 failed` were drawn in the foreground's white, while
the README says a state looks the same everywhere. A run's page said `→ more columns` in
its heading alone, where the history screen's footer offers `→ More columns` too.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable, Static

from flowtop.tui.screens.history import HistoryScreen, counts_cell
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.tui.widgets.state_colors import LOOK_STYLE, PLAIN_LOOK_STYLE
from flowtop.workspace.history_records import RunDetail, RunRecord, TaskRecord
from pilot_kit import screen_text, wait_for

from .snapshot_apps import T0, HostApp

COUNTS = {"COMPLETED": 2, "FAILED": 1, "UPSTREAM_FAILED": 1}
#: The history list's counts (symbols alone), and the look each is drawn in.
SHORT = {"✓ 2": "completed", "✗ 1": "failed", "⊘ 1": "upstream"}
#: A run's page's counts with their words.
WORDS = {"✓ 2 completed": "completed", "✗ 1 failed": "failed", "⊘ 1 upstream failed": "upstream"}


def record(number: int = 1) -> RunRecord:
    return RunRecord(
        f"run-{number}", "etl", number, "FAILED", T0 + number, T0 + number + 5, 5.0,
        None, None, COUNTS, 4,
    )  # fmt: skip


def task(n: int, state: str) -> TaskRecord:
    """A task whose long name and error push the page's columns past a narrow edge."""
    return TaskRecord(
        f"task-{n}-with-a-name-long-enough-to-push-the-columns", state, 1, 1, "", None, False,
        "", "ValueError" if state == "FAILED" else None, "a long message", 10.0, 1.0, 11.0,
    )  # fmt: skip


def detail() -> RunDetail:
    states = ["COMPLETED", "COMPLETED", "FAILED", "UPSTREAM_FAILED"]
    return RunDetail(record(), tuple(task(n, s) for n, s in enumerate(states)))


class TwoRunsHistory:
    """The history ``HistoryScreen`` reads: two failed runs of etl (the cursor's row is
    drawn in the cursor's colours, the other in its cells' own)."""

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return [record(2), record(1)]

    def count(self, flow: str | None = None) -> int:
        return 2

    def run_detail(self, run_id: str) -> RunDetail:
        return detail()

    def close(self) -> None:
        pass


def style_of(text: Text, part: str) -> str:
    """The style ``part`` of ``text`` is given in (the spans that cover it whole)."""
    start = text.plain.index(part)
    covering = [s for s in text.spans if s.start <= start and s.end >= start + len(part)]
    return " ".join(str(span.style) for span in covering).strip()


def drawn(app: HostApp, part: str, *, last: bool = False) -> Style:
    """The style of the first (or ``last``) segment on screen that holds ``part``."""
    segments: list[Segment] = [s for line in app.screen._compositor.render_strips() for s in line]
    found = [s.style for s in segments if part in s.text and isinstance(s.style, Style)]
    assert found, f"{part!r} is not drawn whole:\n{screen_text(app)}"
    return found[-1 if last else 0]


def footer(app: HostApp) -> str:
    return screen_text(app).splitlines()[-1]


@pytest.mark.parametrize("styles", [LOOK_STYLE, PLAIN_LOOK_STYLE])
def test_the_history_counts_cell_colours_each_count(styles: Any) -> None:
    cell = counts_cell(record(), styles, (1, 0))
    assert isinstance(cell, Text)
    assert cell.plain == "✓ 2  ✗ 1  ⊘ 1  1 subflow failed, handled", cell.plain
    for part, look in SHORT.items():
        assert style_of(cell, part) == styles[look], (part, cell.spans)
    assert style_of(cell, "1 subflow failed, handled") == "dim"


async def test_the_history_screen_draws_its_counts_in_colour() -> None:
    app = HostApp(lambda: HistoryScreen(TwoRunsHistory(), "etl"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: screen_text(app).count("✓ 2  ✗ 1") == 2, "the runs list")
        colours = {part: drawn(app, part, last=True).color for part in SHORT}  # run #1's row
        assert drawn(app, " etl ", last=True).color not in colours.values(), colours
        assert colours["✓ 2"] != colours["✗ 1"], colours  # (Monokai's magenta is its red)


@pytest.mark.parametrize(("mode", "styles"), [("full", LOOK_STYLE), ("plain", PLAIN_LOOK_STYLE)])
async def test_a_runs_page_heading_colours_its_counts(mode: str, styles: Any) -> None:
    app: Any = HostApp(lambda: RunDetailScreen(detail()))
    app.colour_mode = mode  # as FlowtopApp's: NO_COLOR is "plain"
    async with app.run_test(size=(120, 24)) as pilot:
        heading = app.screen.query_one("#heading", Static)
        await wait_for(pilot, lambda: "✗ 1 failed" in screen_text(app), "the heading")
        content = heading.content
        assert isinstance(content, Text)
        for part, look in WORDS.items():
            assert style_of(content, part) == styles[look], (part, content.spans)
        failed = drawn(app, "✗ 1 failed")
        if mode == "plain":  # no colour: a failure stands out as beside the run's number
            assert failed.bold and failed.reverse and not drawn(app, "✓ 2 completed").reverse
        else:
            assert failed.color != drawn(app, "✓ 2 completed").color != drawn(app, "etl #1").color


async def test_a_narrow_runs_page_colours_its_counts_symbols() -> None:
    app = HostApp(lambda: RunDetailScreen(detail()))
    async with app.run_test(size=(40, 24)) as pilot:
        heading = app.screen.query_one("#heading", Static)
        await wait_for(pilot, lambda: "✓ 2  ✗ 1  ⊘ 1" in screen_text(app), "the symbols alone")
        content = heading.content
        assert isinstance(content, Text)
        for part, look in SHORT.items():
            assert style_of(content, part) == LOOK_STYLE[look], (part, content.spans)


async def test_a_runs_page_footer_offers_the_arrow_while_columns_are_past_the_edge() -> None:
    app = HostApp(lambda: RunDetailScreen(detail()))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "→ more columns" in screen_text(app), "the heading's hint")
        await wait_for(pilot, lambda: "→ More columns" in footer(app), "the footer's `→`")
        table = app.screen.query_one("#tasks", DataTable)
        table.focus()
        for _ in table.ordered_columns:
            await pilot.press("right")
        await wait_for(pilot, lambda: "more columns" not in screen_text(app), "the hint to go")
        await wait_for(pilot, lambda: "→" not in footer(app), "the footer to drop `→`")


async def test_a_wide_runs_page_footer_offers_no_arrow() -> None:
    app = HostApp(lambda: RunDetailScreen(detail()))
    async with app.run_test(size=(200, 24)) as pilot:
        await wait_for(pilot, lambda: "a long message" in screen_text(app), "the tasks")
        await pilot.pause()
        assert "more columns" not in screen_text(app) and "→" not in footer(app)


@pytest.mark.parametrize(
    ("handled", "said"),
    [((1, 0), "1 task, 1 subflow failed, handled"), ((0, 0), "1 task failed, handled")],
)
def test_a_completed_runs_counts_cell_says_its_handled_tasks_as_history_s_note(
    handled: tuple[int, int], said: str
) -> None:
    """A completed run's failed task was handled by its body: the cell says so, in the
    words ``flowtop history``'s NOTE uses (it said only the subflows, or nothing)."""
    cell = counts_cell(replace(record(), state="COMPLETED"), LOOK_STYLE, handled)
    assert cell.plain == f"✓ 2  ✗ 1  ⊘ 1  {said}", cell.plain
