"""What narrow terminals hid, as an explorer met it (session 48).

- The run header's `3 live runs: w switches` was left out whole at 80 columns beside a
  sort and auto-rerun (and at 60 with nothing else): it now shortens to `3 live: w`.
- At 40 columns the run form's row was `regions             tuple[str, ...]`: no room
  for the input, so what was typed could not be seen. It takes the retry editor's
  narrow layout: the name and type, then the input the dialog's width.
- A run's page at 80 columns: `→` scrolled the Task column off (a row read `✗ Failed
  2/4 …` with no task); the Last error cell stayed 16 cells with blank cells beside
  it; the heading wrapped just for its `→ more columns`, and at 40 columns folded a
  long flow name mid-word; a wrapped traceback line went on at the left edge.
- The history list at 40 columns cut its heading, `→ more columns` with it; a run that
  did not start had a blank Counts cell where `flowtop history` gives the reason.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text
from textual.widgets import DataTable, Input, Static

from flowtop.engine.parameters import ParameterInfo
from flowtop.looks import NOT_STARTED
from flowtop.tui.screens.history import REASON_CELL, HistoryScreen, fit_heading
from flowtop.tui.screens.run_detail import (
    MIN_ERROR_CELL,
    MORE_HINT,
    RunDetailScreen,
    hang_indent,
    heading_lines,
)
from flowtop.tui.screens.run_form import RunForm
from flowtop.tui.widgets.run_header import Note, fit_notes, live_runs_note
from flowtop.workspace.history_records import AttemptRecord, RunDetail, RunRecord, TaskRecord
from pilot_kit import screen_text, wait_for

from .snapshot_apps import T0, HostApp

# -- 1: the live-runs note shortens before it is left out --------------------------------

#: The run header's width at 80 and at 60 columns (the flows list takes the rest).
HEADER_AT_80, HEADER_AT_60 = 58, 40
COUNTS = Note(
    ("✗ 1 failed  ⊘ 1 upstream failed  ▶ 1 running  ⟳ 1 retry", "✗ 1  ⊘ 1  ▶ 1  ⟳ 1"), style=""
)
SORT = Note(("sort: duration ▼", "duration ▼", ""), sep="  ")
AUTO = Note(("auto-rerun on save: on", "auto-rerun", ""), sep="  ")
QUERY = Note(("filter: wait",), tail=" (2 of 4)", sep="  ")


def line(notes: list[Note], width: int) -> list[str]:
    return [words for _, words in fit_notes(notes, width)]


def test_the_live_runs_note_says_its_words_from_longest_to_shortest() -> None:
    note = live_runs_note([3, 1, 2], "w")
    assert note.wordings == (
        "3 live runs (#1, #2, #3): w switches",
        "3 live runs: w switches",
        "3 live: w",
        "",
    )
    assert live_runs_note([4], "W").wordings[:2] == (
        "1 live run (#4): W switches",
        "1 live run: W switches",
    )


def test_the_live_runs_note_stays_on_a_narrow_header_in_few_words() -> None:
    live = replace_sep(live_runs_note([1, 2, 3], "w"))
    assert line([COUNTS, SORT, AUTO, live], HEADER_AT_80)[-1] == "3 live: w"
    with_filter = line([COUNTS, SORT, QUERY, live], HEADER_AT_80)
    assert with_filter[-2:] == ["filter: wait (2 of 4)", "3 live: w"], with_filter
    assert line([COUNTS, live], HEADER_AT_60) == ["✗ 1  ⊘ 1  ▶ 1  ⟳ 1", "3 live: w"]
    assert line([COUNTS, live], 200)[-1] == "3 live runs (#1, #2, #3): w switches"
    assert line([COUNTS, live], 20) == ["✗ 1  ⊘ 1  ▶ 1  ⟳ 1"]  # left out only when it must


def replace_sep(note: Note) -> Note:
    """As the header gives a view's notes after the first their two-space gap."""
    return Note(note.wordings, note.tail, note.style, sep="  ")


# -- 2: the run form at 40 columns -------------------------------------------------------

REGIONS = (ParameterInfo("regions", False, '["eu", "us", "apac"]', "tuple[str, ...]"),)


def run_form_app() -> HostApp:
    return HostApp(lambda: RunForm("regional-report", REGIONS, {}, lambda values: None))


async def test_at_40_columns_the_run_forms_input_takes_the_dialogs_width() -> None:
    app = run_form_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the form")
        await pilot.pause()
        await pilot.press("x", "y", "z")
        await pilot.pause()
        field = app.screen.query_one("#param-0", Input)
        label = app.screen.query_one(".label", Static)
        dialog = app.screen.query_one("#dialog").content_region
        assert field.region.width >= dialog.width - 2, (field.region, dialog)  # was 0
        assert field.region.y == label.region.y + 1  # under its name and type
        assert dialog.contains_region(field.region)
        assert "xyz" in screen_text(app)
        assert app.screen.query_one("#run").region.bottom <= dialog.bottom  # Run still shows


async def test_on_a_tiny_screen_a_one_field_form_is_as_tall_as_its_content() -> None:
    """Below 20 rows the form took the screen's height for its one field: nine blank
    rows between the field and its buttons at 50x16. Many fields still scroll in it."""
    app = run_form_app()
    async with app.run_test(size=(50, 16)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the form")
        await pilot.pause()
        dialog = app.screen.query_one("#dialog").region
        field = app.screen.query_one("#param-0", Input).region
        run = app.screen.query_one("#run").region
        assert run.y - field.bottom <= 2, (field, run)  # a margin's row, not nine
        assert dialog.height < 16, dialog


async def test_at_full_width_the_run_forms_field_keeps_its_one_line() -> None:
    app = run_form_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the form")
        await pilot.pause()
        field = app.screen.query_one("#param-0", Input)
        assert field.region.y == app.screen.query_one(".label", Static).region.y


# -- 3: a run's page on a narrow terminal ------------------------------------------------

TASK = "a-very-long-task-name-for-the-history-page-long-name-in"  # 55 cells
MESSAGE = "the server at db.example.com:5432 refused the connection after 3 tries, giving up"
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/home/someone/projects/flows/long_name.py", line 11, in long_task\n'
    f'    raise ConnectionError("{MESSAGE}")\n'
    f"ConnectionError: {MESSAGE}"
)


def attempt(number: int) -> AttemptRecord:
    return AttemptRecord(
        number, "FAILED", T0, 0.5, None, "ConnectionError", MESSAGE, TRACEBACK, "", None, ""
    )


def task_record(key: str, state: str, attempts: int, *tried: AttemptRecord) -> TaskRecord:
    """``key`` after ``attempts`` of its 4 tries; a failed one with ``MESSAGE``."""
    failed = state == "FAILED"
    return TaskRecord(
        key,
        state,
        attempts,
        4,
        "3× 0s" if failed else "on Retry only",
        None,
        False,
        "",
        "ConnectionError" if failed else None,
        MESSAGE if failed else None,
        T0,
        1.0,
        T0 + 1,
        tried,
    )


def page(flow: str = "long-name-indeed") -> RunDetail:
    """A failed run of ``flow``: ``TASK`` failed twice out of four tries, and a task
    completed (`1/1 (+3 on Retry)`: the Attempts column is wide)."""
    failed = task_record(TASK, "FAILED", 2, attempt(1), attempt(2))
    counts = {"COMPLETED": 1, "FAILED": 1}
    run = RunRecord("run-1", flow, 1, "FAILED", T0, T0 + 2, 2.0, None, None, counts, 2)
    return RunDetail(run, (failed, task_record("other", "COMPLETED", 1)))


def heading(app: HostApp) -> list[str]:
    """The heading's rows as drawn (wrapped where it is too long for one)."""
    region = app.screen.query_one("#heading", Static).region
    return [row.strip() for row in screen_text(app).splitlines()[region.y : region.bottom]]


def row_of(app: HostApp, word: str) -> str:
    return next(line for line in screen_text(app).splitlines() if word in line)


async def open_page(pilot: Any, app: HostApp) -> DataTable[Any]:
    await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "the run's page")
    table = app.screen.query_one("#tasks", DataTable)
    await wait_for(pilot, lambda: table.fixed_columns == 1, "the Task column fixed")
    await pilot.pause()
    return table


async def test_the_task_column_stays_as_the_others_scroll() -> None:
    app = HostApp(lambda: RunDetailScreen(page()))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_page(pilot, app)
        assert "a-very-long" in row_of(app, "2/4")
        for _ in range(4):
            await pilot.press("right")
            await pilot.pause()
            assert "a-very-long" in row_of(app, "ConnectionError"), screen_text(app)


async def test_the_last_error_takes_the_room_it_has_once_scrolled_to() -> None:
    app = HostApp(lambda: RunDetailScreen(page()))
    async with app.run_test(size=(60, 20)) as pilot:
        table = await open_page(pilot, app)
        for _ in range(4):
            await pilot.press("right")
        await wait_for(pilot, lambda: table.scroll_x == table.max_scroll_x, "the last column")
        await pilot.pause()
        error = row_of(app, "ConnectionError").rstrip()
        assert error.endswith("…") and len(error) >= 60 - 2, error  # was `ConnectionError…`
        cell = table.get_cell(TASK, table.ordered_columns[-1].key)
        assert isinstance(cell, Text) and cell.cell_len > MIN_ERROR_CELL
        await pilot.resize_terminal(160, 20)  # wider: scrolled no further than it goes
        await wait_for(pilot, lambda: table.fixed_columns == 0, "nothing to scroll")
        await pilot.pause()
        assert table.scroll_x == 0 and "State" in screen_text(app)


async def test_the_headings_hint_shares_a_line_and_a_long_flow_name_is_cut() -> None:
    app = HostApp(lambda: RunDetailScreen(page()))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_page(pilot, app)
        await wait_for(pilot, lambda: "more columns" in " ".join(heading(app)), "the hint")
        lines = heading(app)
        assert lines[-1].endswith(MORE_HINT.strip()), lines
        assert not any(line.lstrip(" ·").startswith("→") for line in lines), lines  # was alone
    long_flow = "nightly-warehouse-load-with-a-long-name-indeed"
    app = HostApp(lambda: RunDetailScreen(page(flow=long_flow)))
    async with app.run_test(size=(40, 15)) as pilot:
        await open_page(pilot, app)
        first = heading(app)[0]
        assert first.startswith("nightly-warehouse-load") and "… #1" in first, heading(app)


def test_the_headings_words_leave_the_hint_room_on_their_last_line() -> None:
    counts = (Text("✓ 3 completed  ✗ 1 failed"), Text("✓ 3  ✗ 1"))
    when = "started 2023-11-14 22:13:20 · 4.5s"
    # no hint: the time beside the counts' symbols (76 cells of 78)
    assert heading_lines(30, counts, when, "", 78, ("", "")).plain == f" · ✓ 3  ✗ 1 · {when}"
    # the hint ends the time's line, and stays out of the words as it comes and goes
    shown = heading_lines(30, counts, when, "", 78, (MORE_HINT, MORE_HINT)).plain
    assert shown == f" · ✓ 3 completed  ✗ 1 failed\n{when}{MORE_HINT}", shown
    gone = heading_lines(30, counts, when, "", 78, (MORE_HINT, "")).plain
    assert gone == f" · ✓ 3 completed  ✗ 1 failed\n{when}"
    # no room for it anywhere: the words as without it, the hint at the end
    narrow = heading_lines(17, counts, when, " · rerun of #2", 38, (MORE_HINT, MORE_HINT)).plain
    assert narrow == f" · ✓ 3  ✗ 1\n{when} · rerun of #2{MORE_HINT}", narrow


def test_a_wrapped_line_goes_on_under_its_indent() -> None:
    code = f'    raise ConnectionError("{MESSAGE}")'
    lines = hang_indent(f"Traceback:\n{code}\nshort", 40, Console()).splitlines()
    assert lines[0] == "Traceback:" and lines[-1] == "short"
    body = lines[1:-1]
    assert len(body) > 1 and all(line.startswith("    ") for line in body), body
    assert all(len(line) <= 40 for line in body), body
    assert " ".join(line.strip() for line in body) == code.strip()
    assert hang_indent(code, 0, Console()) == code  # not laid out yet: left as it is


async def test_a_tracebacks_wrapped_lines_keep_their_indent_on_the_page() -> None:
    app = HostApp(lambda: RunDetailScreen(page()))
    async with app.run_test(size=(80, 30)) as pilot:
        await open_page(pilot, app)
        await wait_for(pilot, lambda: 'giving up")' in screen_text(app), "the traceback")
        rest = next(line for line in screen_text(app).splitlines() if 'giving up")' in line)
        assert rest.startswith(" " * 5), rest  # the pane's padding, then the line's indent


# -- 4, 5: the history list at 40 columns, and a run that did not start ------------------

WHY = (
    'flows/flowtop.toml:2: [flows."etl".tasks."extract"]: unknown key \'max_retry\''
    " (did you mean 'max_retries'?)"
)


def record(flow: str, number: int, **extra: Any) -> RunRecord:
    counts = extra.pop("counts", {"COMPLETED": 3, "FAILED": 1})
    return RunRecord(
        f"run-{number}", flow, number, "FAILED", T0 + number, T0 + number + 1, 1.0, None,
        None, counts, sum(counts.values()), **extra,
    )  # fmt: skip


class Runs:
    """A history of ``records``, newest first."""

    def __init__(self, *records: RunRecord) -> None:
        self.records = list(records)

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return [r for r in self.records if flow in (None, r.flow)]

    def count(self, flow: str | None = None) -> int:
        return len(self.runs(flow))

    def run_detail(self, run_id: str) -> RunDetail:
        return RunDetail(next(r for r in self.records if r.run_id == run_id))


def runs_heading(app: HostApp) -> str:
    return str(app.screen.query_one("#heading", Static).render())


async def test_at_40_columns_the_runs_heading_keeps_its_hint() -> None:
    history = Runs(record("long-name-indeed", 1))
    app = HostApp(lambda: HistoryScreen(history, "long-name-indeed"))  # type: ignore[arg-type]
    async with app.run_test(size=(40, 15)) as pilot:
        await wait_for(pilot, lambda: "more columns" in runs_heading(app), "the hint")
        said = runs_heading(app)
        assert said.endswith("· 1 run · → more columns") and len(said) <= 38, said


def test_the_runs_heading_cuts_its_scope_then_its_title_for_the_hint() -> None:
    assert fit_heading("flow etl", "7 runs", "", 78) == "History · flow etl · 7 runs"
    cut = fit_heading("flow long-name-indeed", "1 run", MORE_HINT, 48)
    assert cut == "History · flow long-na… · 1 run · → more columns", cut
    assert (
        fit_heading("all flows", "8 runs", MORE_HINT, 38) == "all flows · 8 runs · → more columns"
    )
    tight = fit_heading("flow long-name-indeed", "newest 500 of 1,234 runs", MORE_HINT, 30)
    assert tight == "flow long-na… · → more columns", tight  # the rest cut, the hint whole


async def test_a_run_that_did_not_start_says_why_where_its_counts_would_be() -> None:
    error = {"type": NOT_STARTED, "message": WHY}
    history = Runs(record("etl", 7, counts={}, error=error), record("etl", 6))
    app = HostApp(lambda: HistoryScreen(history, "etl"))  # type: ignore[arg-type]
    async with app.run_test(size=(120, 15)) as pilot:
        await wait_for(pilot, lambda: "did not start" in screen_text(app), "the reason")
        row = row_of(app, "did not start")
        assert "etl" in row and "✗ Failed" in row and "did not start: flows/fl…" in row, row
        table = app.screen.query_one("#runs", DataTable)
        cell = table.get_cell("run-7", table.ordered_columns[3].key)
        assert isinstance(cell, Text) and cell.cell_len <= REASON_CELL
        assert "✓ 3  ✗ 1" in row_of(app, " 6 ")  # a run with counts keeps them
