"""A run's page says the run's counts in its heading; `?` there lists Tab, the key that
reaches its attempts pane; a ``flowtop.toml`` table that stops its flow's runs says so.

The page read ``etl #3 · ✗ Failed · started … · rerun of #2`` while ``flowtop history
--run 3`` printed ``4 tasks: 3 completed, 1 cancelled``; the help on it left Tab out; a
misnamed task in ``flowtop.toml`` read ``part of it is not in use … The rest of the file
is in use`` while every run of its flow refused to start.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from flowtop.tui.app import FlowtopApp
from flowtop.tui.row_views import state_counts_text as counts_text
from flowtop.tui.screens.help import HelpScreen
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.tui.widgets.detail_pane import DetailPane, file_problem
from flowtop.workspace.history_records import RunDetail, RunRecord, TaskRecord
from flowtop.workspace.load_error import LoadError
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace
from .snapshot_apps import HostApp

STATES = ("COMPLETED", "COMPLETED", "COMPLETED", "CANCELLED")


def task(n: int, state: str) -> TaskRecord:
    return TaskRecord(
        f"task-{n}", state, 1, 1, "", None, False, "", None, None, 10.0, 1.0, 11.0, (),
    )  # fmt: skip


def etl_run(state: str, counts: dict[str, int]) -> RunRecord:
    return RunRecord("run-3", "etl", 3, state, 10.0, None, 15.0, "run-2", 2, counts, 4)


def detail(state: str = "FAILED", counts: dict[str, int] | None = None) -> RunDetail:
    """Run #3 of etl, a rerun of #2: three tasks completed, one cancelled."""
    stored = {"COMPLETED": 3, "CANCELLED": 1} if counts is None else counts
    return RunDetail(etl_run(state, stored), tuple(task(n, s) for n, s in enumerate(STATES)))


async def heading_at(width: int, shown: RunDetail) -> str:
    app = HostApp(lambda: RunDetailScreen(shown))
    async with app.run_test(size=(width, 20)) as pilot:
        await pilot.pause()
        await pilot.pause()
        return str(app.screen.query_one("#heading", Static).render())


@pytest.mark.parametrize(
    ("width", "first_line"),
    [
        (120, "etl #3 · ✗ Failed · ✓ 3 completed  ■ 1 cancelled · started "),
        # the symbols alone, as the runs list; when it started on a line of its own, whole
        (40, "etl #3 · ✗ Failed · ✓ 3  ■ 1\nstarted "),
        (22, "etl #3 · ✗ Failed\nstarted "),  # none: the state is not pushed off its line
    ],
)
async def test_a_runs_page_heading_says_its_counts_as_its_width_allows(
    width: int, first_line: str
) -> None:
    heading = await heading_at(width, detail())
    assert heading.startswith(first_line), heading
    if width == 22:
        assert "✓" not in heading and "■" not in heading, heading
    assert "rerun of #2" in heading


async def test_a_live_runs_heading_counts_its_tasks_so_far() -> None:
    """A live run's stored counts are empty until it ends (``counts_so_far``)."""
    heading = await heading_at(120, detail("RUNNING", {}))
    assert "▶ Running · ✓ 3 completed  ■ 1 cancelled · started" in heading, heading


def test_counts_in_words_keep_the_history_lists_order_and_reused() -> None:
    counts = {"CANCELLED": 1, "COMPLETED": 3, "INTERRUPTED": 2, "PAUSED": 1}
    assert counts_text(counts, 2, words=True) == (
        "✓ 3 completed (2 reused)  ■ 1 cancelled  ⚡ 2 interrupted  Paused 1"
    )
    assert counts_text(counts, 2) == "✓ 3 (2 reused)  ■ 1  ⚡ 2  Paused 1"  # as before


async def test_help_on_a_runs_page_lists_tab_with_focus_on_the_attempts(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.push_screen(RunDetailScreen(detail()))
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        assert app.screen.focused is not None and app.screen.focused.id == "attempts"
        await pilot.press("?")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert isinstance(app.screen, HelpScreen)
        rows = {keys: description for keys, description, _ in app.screen.rows}
        assert rows.get("tab") == "Next pane", rows
        assert "Next pane" in screen_text(app)


SETTINGS = Path("flowtop.toml")
TYPO = "[flows.\"etl\".tasks.\"extrct\"]: flow 'etl' has no task 'extrct'"


def test_a_misnamed_task_in_flowtop_toml_is_said_to_stop_runs() -> None:
    stops = LoadError(SETTINGS, 1, None, TYPO, in_part=True)
    unused = LoadError(SETTINGS, 1, None, "no flow named 'old'", in_part=True, unused=True)
    assert file_problem(stops) == "stops its flow's runs: part of it is not in use"
    assert file_problem(unused) == "part of it is not in use"  # it stops nothing
    assert file_problem(LoadError(SETTINGS, 1, None, "invalid TOML")) == "failed to load"


class PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DetailPane()


async def test_the_detail_pane_says_which_runs_a_misnamed_task_stops() -> None:
    app = PaneApp()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = app.query_one(DetailPane)
        pane.show_error("flowtop.toml", LoadError(SETTINGS, 1, None, TYPO, in_part=True))
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "✗ flowtop.toml stops its flow's runs: part of it is not in use" in text
        assert "The rest of the file is in use." in text
        assert "Runs of the flow this entry is for do not start until it is fixed" in text
        gone = LoadError(SETTINGS, 1, None, "no flow named 'old'", in_part=True, unused=True)
        pane.show_error("flowtop.toml", gone)
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "The rest of the file is in use." in text and "do not start" not in text
