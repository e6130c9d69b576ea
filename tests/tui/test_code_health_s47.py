"""Three code-health fixes of the monitor, each with one mechanism (issue 17, session 47).

- The footer left out the keys that would act on nothing now by two mechanisms: the
  app's own filter of ``FOOTER_KEYS`` and the key bar's ``IdleKeys`` question. The tests
  here pinned the footer in several states before the two were folded into one.
- A run's counts had two ``counts_text`` functions that worded a task awaiting its retry
  two ways (`⟳ 2 retry` in the run header, `⟳ 2 awaiting retry` on a run's page); now
  one (``row_views.state_counts_text``), with the word ``looks`` pairs with each symbol.
- A run's page built its heading's counts again on every sideways scroll.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from flowtop import Flow, task
from flowtop.engine.events import RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.footer_keys import run_wide_idle
from flowtop.tui.row_views import counts_text, state_counts_text
from flowtop.tui.screens import history as history_page
from flowtop.tui.screens import run_detail as run_page
from flowtop.tui.screens import run_heading
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace.history_records import RunDetail, RunRecord, TaskRecord
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace, run_demo, wait_in_retry
from .snapshot_apps import HostApp
from .test_looks_s46 import COUNTS, live_model
from .test_run_form import scaled_flow

S = StateType
WIDE = (160, 30)


def footer(app: FlowtopApp) -> str:
    return screen_text(app).splitlines()[-1].strip()


def keys_of(line: str) -> list[str]:
    """The footer's entries as shown (``r Run``), in order, ``? Help  q Quit`` last."""
    return [entry.strip() for entry in line.split("  ") if entry.strip()]


NEVER_RAN_TASKS = [
    "r Run", "e Edit retry", "/ Filter", "s Sort", "h History", "← Flows", "a Auto-rerun",
    "^p Palette", "? Help", "q Quit",
]  # fmt: skip
NEVER_RAN_FLOWS = [
    "r Run",
    "h History",
    "→ Tasks",
    "a Auto-rerun",
    "/ Filter",
    "s Sort",
    "^p Palette",
    "? Help",
    "q Quit",
]
FAILED_ON_ERROR = [
    "r Run", "f Rerun failed", "e Edit retry", "t Rerun task", "o Open", "y Copy", "/ Filter",
    "s Sort", "h History", "← Flows", "a Auto-rerun", "^p Palette", "? Help", "q Quit",
]  # fmt: skip
FAILED_ON_OK = [
    "r Run", "f Rerun failed", "e Edit retry", "t Rerun task", "/ Filter", "s Sort",
    "h History", "← Flows", "a Auto-rerun", "^p Palette", "? Help", "q Quit",
]  # fmt: skip
IN_THE_FILTER = ["⏎ Keep filter", "esc Clear filter"]
WAITING = [
    "r Run", "n Retry now", "x Give up", "c Cancel", "e Edit retry", "o Open", "y Copy",
    "/ Filter", "s Sort", "h History", "← Flows", "a Auto-rerun", "^p Palette", "? Help",
    "q Quit",
]  # fmt: skip
LOAD_ERROR = ["→ Tasks", "a Auto-rerun", "^p Palette", "? Help", "q Quit"]  # no `h` (rv402 §4)
WAITING_AT_80 = [
    "r Run",
    "n Retry now",
    "x Give up",
    "c Cancel",
    "e Edit retry",
    "o Open",
    "? Help",
    "q Quit",
]


async def test_the_footer_in_each_state_of_a_flow(workspace: FakeWorkspace) -> None:
    """Never run, failed (on a task with an error and on one without), in the filter
    line, the detail pane, a task awaiting its retry, a load error: the same footer as
    before the two ways of leaving keys out were folded into one."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: "r Run" in footer(app), "the footer")
        assert keys_of(footer(app)) == NEVER_RAN_TASKS
        await pilot.press("left")
        await wait_for(pilot, lambda: "→ Tasks" in footer(app), "the flows list's footer")
        assert keys_of(footer(app)) == NEVER_RAN_FLOWS
        await pilot.press("right")
        await run_demo(pilot, app)
        assert app.table.move_to("broken")
        await wait_for(pilot, lambda: "o Open" in footer(app), "o on the failed task")
        assert keys_of(footer(app)) == FAILED_ON_ERROR
        assert app.table.move_to("load")
        await wait_for(pilot, lambda: "o Open" not in footer(app), "o to leave")
        assert keys_of(footer(app)) == FAILED_ON_OK
        await pilot.press("tab")
        await wait_for(pilot, lambda: "↑↓ Scroll" in footer(app), "the detail pane's footer")
        assert keys_of(footer(app)) == ["↑↓ Scroll", "esc Back", *FAILED_ON_OK]
        await pilot.press("shift+tab", "slash")
        await wait_for(pilot, lambda: "Keep filter" in footer(app), "the filter's footer")
        assert keys_of(footer(app)) == IN_THE_FILTER
        await pilot.press("escape")
        await wait_in_retry(pilot, app)
        await wait_for(pilot, lambda: "n Retry now" in footer(app), "n and x")
        assert keys_of(footer(app)) == WAITING
        await pilot.press("left", "G")  # the flows list's last entry: broken.py's error
        await wait_for(pilot, lambda: app.selected_error is not None, "the load error")
        await wait_for(pilot, lambda: "r Run" not in footer(app), "the run keys to go")
        assert keys_of(footer(app)) == LOAD_ERROR


async def test_the_footer_at_80_columns_keeps_its_first_keys(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 30)) as pilot:
        await wait_in_retry(pilot, app)
        await wait_for(pilot, lambda: "n Retry now" in footer(app), "n and x")
        assert keys_of(footer(app)) == WAITING_AT_80


def nap_start(number: int) -> RunStarted:
    return RunStarted(f"r{number}", "nap", number, ("nap",), (1,), ("",), ts=float(number))


async def test_the_footer_with_two_live_runs_and_with_parameters(tmp_path: Path) -> None:
    """`c` on a live run, `w` beside another live run of its flow, `R` for a flow that
    takes parameters: the run-wide keys, which the app's own filter left out."""

    @task
    def nap() -> None:
        return None

    with Flow("nap") as napping:
        nap()
    workspace = FakeWorkspace(tmp_path, {"nap": napping, "scaled": scaled_flow([])})
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        app.flow_list.select_flow("nap")
        await wait_for(pilot, lambda: app.selected_flow == "nap", "nap")
        app.buffer.append_batch([nap_start(1)])
        await wait_for(pilot, lambda: "c Cancel" in footer(app), "c for the live run")
        assert "w Switch run" not in footer(app) and "R Run with…" not in footer(app)
        app.buffer.append_batch([nap_start(2)])
        await wait_for(pilot, lambda: "w Switch run" in footer(app), "w beside #1")
        assert keys_of(footer(app))[:4] == ["r Run", "c Cancel", "w Switch run", "e Edit retry"]
        app.flow_list.select_flow("scaled")
        await wait_for(pilot, lambda: "R Run with…" in footer(app), "R for parameters")
        assert keys_of(footer(app))[:2] == ["r Run", "R Run with…"]
        assert "c Cancel" not in footer(app) and "w Switch run" not in footer(app)


@pytest.mark.parametrize(
    ("live", "other_live", "takes_parameters", "hidden"),
    [
        (False, False, False, {"cancel", "next_live_run", "run_with_parameters"}),
        (True, False, False, {"next_live_run", "run_with_parameters"}),
        (True, True, True, set()),
    ],
)
def test_the_run_wide_keys_hidden(
    live: bool, other_live: bool, takes_parameters: bool, hidden: set[str]
) -> None:
    found = run_wide_idle(live=live, other_live=other_live, takes_parameters=takes_parameters)
    assert found == hidden


# -- one wording of a run's counts ---------------------------------------------------------


def test_the_header_and_a_runs_page_word_each_state_alike() -> None:
    """The header said `⟳ 3 retry`, a run's page `⟳ 3 awaiting retry`."""
    header = counts_text(live_model(COUNTS))
    assert header == state_counts_text(COUNTS, words=True)  # as a run's page draws them
    assert "⟳ 3 retry" in header and "⚡ 1 interrupted" in header, header
    assert counts_text(live_model(COUNTS), short=True) == state_counts_text(COUNTS)  # history's


def test_one_function_words_the_counts_everywhere() -> None:
    # the pages word them through row_views (state_count_parts): none keeps its own
    assert not hasattr(run_page, "counts_text") and not hasattr(history_page, "counts_text")
    run = live_model({"COMPLETED": 4, "FAILED": 1})
    run.reused = 3
    assert counts_text(run) == state_counts_text({"COMPLETED": 4, "FAILED": 1}, 3, words=True)
    assert counts_text(run) == "✓ 4 completed (3 reused)  ✗ 1 failed"
    assert counts_text(run, short=True) == "✓ 4  ✗ 1"  # the header's narrowest form, as before


# -- a run's page heading ---------------------------------------------------------------------


def page(failed: int) -> RunDetail:
    """A run of one completed task and ``failed`` failed ones, whose long names push the
    columns past the right edge of a 60-column page."""
    states = ["COMPLETED"] + ["FAILED"] * failed
    tasks = tuple(
        TaskRecord(
            f"task-{n}-with-a-name-long-enough-to-push-the-columns",
            state,
            1,
            1,
            "",
            None,
            False,
            "",
            "ValueError" if n else None,
            "a long message" if n else None,
            10.0,
            1.0,
            11.0,
        )
        for n, state in enumerate(states)
    )
    counts = {"COMPLETED": 1, "FAILED": failed}
    run = RunRecord("run-3", "etl", 3, "FAILED", 10.0, None, 15.0, None, None, counts, 0)
    return RunDetail(run, tasks)


def heading(app: HostApp) -> str:
    return str(app.screen.query_one("#heading", Static).render())


async def test_scrolling_a_runs_page_does_not_count_again(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[dict[str, int]] = []
    real = run_heading.state_count_parts

    def counted(
        counts: dict[str, int], reused: int = 0, *, words: bool = False
    ) -> list[tuple[str, str]]:
        made.append(dict(counts))
        return real(counts, reused, words=words)

    monkeypatch.setattr(run_heading, "state_count_parts", counted)
    app = HostApp(lambda: RunDetailScreen(page(1)))
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for(pilot, lambda: heading(app).endswith("→ more columns"), "the hint")
        screen = app.screen
        assert isinstance(screen, RunDetailScreen)
        table = screen.query_one("#tasks", DataTable)
        before = len(made)
        for _ in table.ordered_columns:
            await pilot.press("right")
        await wait_for(pilot, lambda: not heading(app).endswith("more columns"), "the hint to go")
        assert table.scroll_x == table.max_scroll_x > 0
        assert len(made) == before, made[before:]  # old: twice a scroll
        assert "✗ 1" in heading(app)
        screen._show_detail(page(2))  # the run's data changed: the heading follows
        await wait_for(pilot, lambda: "✗ 2" in heading(app), "the new counts")
        assert len(made) > before
