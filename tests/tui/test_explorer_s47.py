"""TUI flaws an explorer met running Prefect drop-in flows (session 47).

1. Keys typed in one burst after switching flows were lost: each flow the list passed
   on the way was selected again, late, after the keys that followed had acted.
2. A flow retry cancelled in its wait read "No task ran: the run was interrupted".
3. At 80 columns the line naming a run's subflows was cut with no ``…``.
4. A flow retry waiting showed "No tasks yet", not why the run it retries failed.
5. (a) The run form's placeholders were cut with no ``…``; (b) the detail title cut
   the task's name and kept a retry's due time; (c) the "importing the flow file" toast
   stayed under a run already shown; (d) a run page's heading wrapped its time alone
   onto a second line; (e) Enter on a task did nothing.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual import events

from flowtop import flow, task
from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui import launch_queue
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.run_control import InProcessControl
from flowtop.tui.widgets.no_rows import wrapped
from pilot_kit import screen_text, wait_for

from .conftest import Calls, FakeWorkspace, run_demo

S = StateType


async def burst(app: FlowtopApp, *keys: str) -> None:
    """``keys`` arriving in one read (typed fast over SSH, or pasted): all queued at once."""
    for key in keys:
        app.post_message(events.Key(key, None))


# -- 1: a burst after a flow switch acts in order ---------------------------------------


async def test_a_burst_that_passes_flows_then_moves_in_the_table_lands_in_order(
    workspace: FakeWorkspace,
) -> None:
    """From the last entry of the flows list, `↑ ↑ → ↓ ↓ ↓` in one read: the ↑s pass
    `waiting` on the way to `demo`. The list's late word of `waiting` selected it again
    after the ↓s had moved in demo's table, and then demo again: the cursor was back
    on demo's first task, where it must be on its fourth (`broken`)."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("left", "down", "down")  # the broken file's entry, below the flows
        await pilot.pause()
        assert app.selected_error is not None
        await burst(app, "up", "up", "right", "down", "down", "down")
        await pilot.pause()
        assert app.selected_flow == "demo" and app.focused is app.table
        assert app.table.cursor_key == "broken", app.table.cursor_key
        assert screen_text(app).splitlines()[9].split("▕")[1].startswith(" broken  ")


# -- 2, 3, 4: what a table with no rows says, whole -------------------------------------


def table_lines(app: FlowtopApp) -> list[str]:
    """The task table's lines as drawn (right of the flows list), up to the detail pane."""
    lines = [line.split("▕", 1)[1] for line in screen_text(app).splitlines() if "▕" in line]
    below_header = lines[3:]  # the run header's two lines, the table's column titles
    return below_header[: next(i for i, line in enumerate(below_header) if "▔" in line)]


def said_in_table(app: FlowtopApp) -> str:
    """What the table says in place of rows, its wrapped lines joined again."""
    return " ".join(line.strip() for line in table_lines(app) if line.strip())


def waiting_retry(calls: Calls) -> Any:
    """A @flow whose first run fails (its function raises ConnectionError), then retries
    after 30 s: long enough to look at its wait, and to cancel it there."""

    @task(max_retries=0)
    def load() -> None:
        calls.bump("load")
        raise ConnectionError("warehouse down: the nightly load could not reach it")

    @flow(name="nightly", retries=1, retry_delay=30)
    def nightly() -> None:
        load()

    return nightly


async def start_waiting_retry(pilot: Any, app: FlowtopApp) -> None:
    """`r` on the waiting-retry flow, until its retry (run #2) shows, waiting 30 s."""
    await pilot.pause()
    await pilot.press("r")
    await wait_for(
        pilot,
        lambda: app.table.run is not None and app.table.run.number == 2,
        "the flow's retry to show",
    )
    await pilot.pause()
    assert "(flow retry)" in screen_text(app).splitlines()[0]


async def test_a_flow_retry_waiting_says_why_the_run_it_retries_failed(tmp_path: Path) -> None:
    """Item 4: in its wait the retry showed `No tasks yet`, and the failed run's error
    was only in `h`: it says which run it retries and what that raised, wrapped at 80."""
    app = FlowtopApp(FakeWorkspace(tmp_path, {"nightly": waiting_retry(Calls())}))
    async with app.run_test(size=(80, 24)) as pilot:
        await start_waiting_retry(pilot, app)
        assert said_in_table(app) == (
            "Retrying run #1, which failed: flow raised ConnectionError: warehouse down:"
            " the nightly load could not reach it"
        ), table_lines(app)


async def test_a_flow_retry_cancelled_in_its_wait_reads_cancelled_not_interrupted(
    tmp_path: Path,
) -> None:
    """Item 2: cancelled in its wait, it read `No task ran: the run was interrupted`, a
    dead process's word: it says cancelled, and why (as the history does)."""
    app = FlowtopApp(FakeWorkspace(tmp_path, {"nightly": waiting_retry(Calls())}))
    async with app.run_test(size=(80, 24)) as pilot:
        await start_waiting_retry(pilot, app)
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        retry = app.table.run
        assert retry is not None
        await wait_for(pilot, lambda: retry.state is S.CANCELLED, "the retry to be cancelled")
        await pilot.pause()
        said = said_in_table(app)
        assert said == "Cancelled in its 30s retry delay, so its body never ran: by the user", said
        assert "interrupted" not in screen_text(app)


async def test_at_80_columns_the_subflows_of_a_run_wrap_and_are_all_named(
    tmp_path: Path,
) -> None:
    """Item 3: `No task of its own; its subflows ran as runs of their own:` and nothing
    more at 80 columns, the subflow's name cut away without a `…`."""

    @flow(name="nightly")
    def nightly() -> None:
        return None

    @flow(name="export-day")
    def export_day() -> None:
        return None

    app = FlowtopApp(FakeWorkspace(tmp_path, {"nightly": nightly, "export-day": export_day}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.selected_flow = "nightly"
        app.buffer.append_batch([RunStarted("p1", "nightly", 13, (), (), (), ts=1.0)])
        app.buffer.append_batch(
            [RunStarted("c1", "export-day", 11, (), (), (), ts=1.1, parent_run="p1")]
        )
        app.buffer.append_batch([RunFinished("p1", "nightly", 13, S.COMPLETED, {}, 0.5, 1.5)])
        whole = "No task of its own; its subflows ran as runs of their own: ▶ export-day #11"
        await wait_for(pilot, lambda: said_in_table(app) == whole, f"{whole!r} (whole)")
        assert len(table_lines(app)) >= 2  # it takes the lines it needs


def test_text_too_long_for_its_lines_ends_in_an_ellipsis() -> None:
    words = ", ".join(f"child #{n}" for n in range(40))
    lines = wrapped(words, 30, most=3)
    assert len(lines) == 3 and all(cell_len(line) <= 30 for line in lines), lines
    assert lines[-1].endswith("…") and lines[0] == "child #0, child #1, child #2,"
    assert wrapped("a " + "x" * 25, 10) == ["a", "xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"]
    assert wrapped("short", 30) == ["short"]


# -- 5a: the run form's placeholders end in `…` when cut --------------------------------


class Mode(enum.Enum):
    FULL = "full"
    INCREMENTAL = "incr"


async def test_a_run_form_placeholder_too_long_for_its_field_ends_in_an_ellipsis(
    tmp_path: Path,
) -> None:
    """`R` on backfill at 100 columns: `default: "INCREMENTAL" · one of FULL,` was all
    of `mode`'s placeholder, as if FULL were its last choice."""
    from textual.widgets import Input

    from flowtop.tui.screens.run_form import RunForm

    @flow(name="backfill")
    def backfill(table: str = "users", mode: Mode = Mode.INCREMENTAL) -> None:
        return None

    app = FlowtopApp(FakeWorkspace(tmp_path, {"backfill": backfill}))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the RunForm")
        mode = app.screen.query_one("#param-1", Input)
        width = mode.scrollable_content_region.width
        assert mode.placeholder.endswith("…") and cell_len(mode.placeholder) <= width
        assert mode.placeholder in screen_text(app)
        assert mode.tooltip is not None and "INCREMENTAL" in str(mode.tooltip)
        table = app.screen.query_one("#param-0", Input)
        assert table.placeholder == 'default: "users"' and table.tooltip is None


# -- 5b: the detail title drops a retry's due time before it cuts the task's name -------


def test_the_detail_title_drops_the_due_time_before_it_cuts_the_task_name() -> None:
    """At 80 columns: `fetch…ders  ⟳ Retry in 1.9s  attempt 2/4  (due 01:28:01)`."""
    from flowtop.tui.model import TaskRow
    from flowtop.tui.widgets.detail_pane import title_text

    row = TaskRow("fetch_orders", 0, S.AWAITING_RETRY, max_attempts=4)
    row.attempt, row.retry_due = 2, 101.9
    assert title_text(row, 100.0, width=57).plain == "fetch_orders  ⟳ Retry in 1.9s  attempt 2/4"
    wide = title_text(row, 100.0, width=100).plain
    assert wide.startswith("fetch_orders  ⟳ Retry in 1.9s  attempt 2/4  (due "), wide
    narrow = title_text(row, 100.0, width=36).plain  # the name gives way only then
    assert narrow.startswith("fet") and "…" in narrow and "(due" not in narrow, narrow


# -- 5c: the "importing the flow file" toast goes when its run shows -----------------------


class SilentControl(InProcessControl):
    """Each start lands (a run process launched) but its events come from the test."""

    def start(self, flow: str, parameters: Mapping[str, Any] | None = None) -> RunModel:
        return RunModel(flow, (), run_id="quiet", number=3)


def toasts(app: FlowtopApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_the_loading_toast_goes_once_its_run_shows(
    workspace: FakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Starting run #3 of backfill: its process is importing the flow file…` stayed its 4 s
    under a header that already said `✓ Completed 4ms`."""

    def make(self: FlowtopApp) -> SilentControl:
        return SilentControl(self.workspace, self.take_events)

    monkeypatch.setattr(FlowtopApp, "_make_control", make)
    monkeypatch.setattr(launch_queue, "SLOW_START", 0.01)
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        await pilot.press("r")
        loading = "Starting run #3 of demo: its process is importing the flow file…"
        await wait_for(pilot, lambda: loading in toasts(app), "the loading toast")
        app.buffer.append_batch([RunStarted("quiet", "demo", 3, (), (), (), ts=time.time())])
        await wait_for(pilot, lambda: app.table.run is not None and app.table.run.number == 3, "it")
        # at once, not when its 4 s are up
        await wait_for(pilot, lambda: loading not in toasts(app), "the toast to go", timeout=1)
        assert "importing the flow file" not in screen_text(app)


# -- 5d: a run page's heading keeps when and how long together --------------------------


async def test_at_80_columns_a_run_page_heading_keeps_its_time_on_its_line() -> None:
    """`ingest-orders #1 · ✓ Completed · ✓ 9 completed · started 2026-12-05 01:27:13 ·`
    over `4.0s`: the counts shorten first, as the run header's do, and the line fits."""
    from textual.widgets import Static

    from flowtop.tui.screens.run_detail import RunDetailScreen
    from flowtop.workspace.history_records import RunDetail, RunRecord

    from .snapshot_apps import HostApp

    run = RunRecord("run-1", "ingest-orders", 1, "COMPLETED", 10.0, None, 4.0, None, None,
                    {"COMPLETED": 9}, 9)  # fmt: skip
    app = HostApp(lambda: RunDetailScreen(RunDetail(run, ())))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause()
        heading = str(app.screen.query_one("#heading", Static).render()).rstrip("\n")
        assert "\n" not in heading and heading.endswith(" · 4.0s"), repr(heading)
        assert heading.startswith("ingest-orders #1 · ✓ Completed · ✓ 9 · started "), heading
        first, second = screen_text(app).splitlines()[:2]
        assert first.rstrip().endswith(" · 4.0s"), first
        assert second.split()[0] == "Task", second  # the table's titles: no wrapped `4.0s`


# -- 5e: Enter on a task opens its detail pane ------------------------------------------


async def test_enter_on_a_task_opens_its_detail_pane_and_esc_comes_back(
    workspace: FakeWorkspace,
) -> None:
    """Enter on a task row did nothing and said nothing. It opens the task's detail (its
    attempts, error and output) as Enter on a run opens its page in the history: the
    pane takes focus, the ↓ typed with it in one burst scrolls it, Esc comes back."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await run_demo(pilot, app)
        assert app.focused is app.table and app.table.move_to("broken")
        await pilot.pause()
        await burst(app, "enter", "down")
        await pilot.pause()
        assert app.focused is app.detail, app.focused
        await wait_for(pilot, lambda: app.detail.scroll_y == 1, "the ↓ to scroll the pane")
        assert app.table.cursor_key == "broken"
        await pilot.press("escape")
        assert app.focused is app.table and app.table.cursor_key == "broken"
        assert not app._notifications


async def test_enter_in_an_empty_table_says_there_is_no_task(tmp_path: Path) -> None:
    @flow(name="empty")
    def empty() -> None:
        return None

    app = FlowtopApp(FakeWorkspace(tmp_path, {"empty": empty}))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        app.screen.set_focus(app.table)
        await pilot.press("enter")
        assert toasts(app) == ["No task to open: the table has no rows"]
