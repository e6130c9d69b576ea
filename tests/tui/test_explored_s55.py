"""What using the monitor in plain terminals turned up (session 55).

1. A question about a live run (`c`'s "Cancel run #1?", `r`'s "start another?") under
   the help (`?`) or the quit question (`q`): once the run ended it dismissed itself, and
   Textual's ``dismiss`` pops the top screen, so it closed the help (or the quit
   question) instead, and half a second later dismissed itself again: a traceback
   (``InvalidStateError``) that ended the monitor.
2. Five ↓ read at once (a held key over SSH) scrolled the detail pane, and a past run's
   attempts pane, one line.
3. A run page at 40 columns cut its hint in two: `… · 2.0s · →` on one line, `more
   columns` on the next.
4. The header's filter at 40 columns read `filte… (0 of 2)`: neither the word nor what
   was typed; it reads `/fai (0 of 2)`.
5. A flow file that never loaded said "Its flows stay listed as they last loaded, with
   their runs and settings": it has none listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import Static

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.confirm import ConfirmScreen
from flowtop.tui.screens.help import HelpScreen
from flowtop.tui.screens.quit import QuitScreen
from flowtop.tui.screens.run_detail import MORE_HINT, RunDetailScreen
from flowtop.tui.screens.run_heading import hint_after
from flowtop.tui.widgets.flow_list import FlowList
from flowtop.tui.widgets.key_scroll import KeyScroll
from flowtop.tui.widgets.run_header import Note, fit_notes
from flowtop.workspace.history_records import AttemptRecord, RunDetail, RunRecord, TaskRecord
from pilot_kit import screen_text, wait_for

from .conftest import Calls, FakeLoadError, FakeWorkspace, demo_flow
from .snapshot_apps import T0, HostApp

S = StateType


async def burst(app: Any, *keys: str) -> None:
    """``keys`` arriving in one read (typed fast over SSH, or a held key): queued at once."""
    for key in keys:
        app.post_message(events.Key(key, None))


# -- 1: a question that goes while another screen is over it ------------------------------


def count_rechecks(
    monkeypatch: pytest.MonkeyPatch, kind: type[ConfirmScreen] | type[QuitScreen] = ConfirmScreen
) -> list[Any]:
    """Every look a question of ``kind`` takes at its run (its ``_recheck``), made each
    frame rather than every half second: a list of the questions, one per look."""
    looks: list[Any] = []
    recheck = kind._recheck

    def counted(screen: Any) -> None:
        looks.append(screen)
        recheck(screen)

    monkeypatch.setattr(kind, "RECHECK", 0.02)
    monkeypatch.setattr(kind, "_recheck", counted)
    return looks


async def start_waiting(pilot: Any, app: FlowtopApp) -> None:
    app.query_one(FlowList).select_flow("waiting")
    await pilot.press("r")
    await wait_for(
        pilot,
        lambda: (
            app.table.run is not None and app.table.run.rows["waiter"].state is S.AWAITING_RETRY
        ),
        "the retry wait",
    )


def end_the_run_elsewhere(app: FlowtopApp) -> None:
    assert app.table.run is not None
    next(iter(app.control.handles.values())).cancel("ended elsewhere")


async def test_a_question_under_the_help_stays_until_the_help_closes(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`c`, then `?` over its question, and the run ends: the help closed by itself, and
    the question's next look raised ``InvalidStateError``. The help stays as long as it
    is read; the question goes once it is back on top, saying why."""
    monkeypatch.setattr(calls, "bump", lambda key: 1)  # the run waits a minute
    looks = count_rechecks(monkeypatch)
    app = FlowtopApp(workspace)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await start_waiting(pilot, app)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        end_the_run_elsewhere(app)
        await wait_for(pilot, lambda: app.table.run.state is S.CANCELLED, "the run's end")
        ended_at = len(looks)
        await wait_for(pilot, lambda: len(looks) > ended_at + 2, "the question's looks")
        assert isinstance(app.screen, HelpScreen)
        assert any(isinstance(screen, ConfirmScreen) for screen in app.screen_stack)
        await pilot.press("escape")
        said = "Run #1 of waiting ended meanwhile"
        await wait_for(pilot, lambda: said in [n.message for n in app._notifications], "why")
        assert len(app.screen_stack) == 1


async def test_quitting_over_a_question_whose_run_ends_quits_cleanly(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`r` on a live flow ("start another?"), then `q` over it, and the run ends: the
    question closed the quit question in its place, then failed with a traceback. The
    quit question, whose runs all ended, quits, as it does on its own."""
    monkeypatch.setattr(calls, "bump", lambda key: 1)
    count_rechecks(monkeypatch)  # the question looks first, and many times
    monkeypatch.setattr(QuitScreen, "RECHECK", 0.2)
    app = FlowtopApp(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await start_waiting(pilot, app)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "start another?")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen), "the quit question")
        end_the_run_elsewhere(app)
        await wait_for(pilot, lambda: app.return_code is not None, "the monitor to quit")
    assert app.return_code == 0


async def test_the_quit_question_under_the_help_quits_once_the_help_closes(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`q`, `?` over its question, and the run ends: the quit question closed the help
    being read, and the monitor with it. It quits once the help is closed."""
    monkeypatch.setattr(calls, "bump", lambda key: 1)
    looks = count_rechecks(monkeypatch, QuitScreen)
    app = FlowtopApp(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await start_waiting(pilot, app)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen), "the quit question")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        end_the_run_elsewhere(app)
        await wait_for(pilot, lambda: not app.control.live_started_here(), "the run's end")
        ended_at = len(looks)
        await wait_for(pilot, lambda: len(looks) > ended_at + 2, "the question's looks")
        assert isinstance(app.screen, HelpScreen) and app.return_code is None
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.return_code is not None, "the monitor to quit")
    assert app.return_code == 0


# -- 2: ↓ read in bursts scrolls a line per key ------------------------------------------


def chatty_flow() -> Flow:
    @task
    def chatty() -> None:
        for line in range(200):
            print(f"line {line}")

    flow = Flow("chatty")
    flow.add_task(chatty)
    return flow


async def test_a_burst_of_down_keys_scrolls_the_detail_pane_a_line_each(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"chatty": chatty_flow()}))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.state is S.COMPLETED,
            "the run",
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is app.detail, "the detail pane's focus")
        await wait_for(pilot, lambda: app.detail.max_scroll_y > 10, "its output")
        await burst(app, *["down"] * 5)
        await wait_for(pilot, lambda: app.detail.scroll_y >= 5, "five lines down")
        await burst(app, *["up"] * 3)
        await wait_for(pilot, lambda: app.detail.scroll_y <= 2, "three lines up")
        await pilot.pause()
        assert app.detail.scroll_y == 2


def chatty_page() -> RunDetail:
    output = "".join(f"line {n}\n" for n in range(200))
    attempt = AttemptRecord(1, "COMPLETED", T0, 1.0, "None", None, None, None, output, None, "")
    record = TaskRecord(
        "chatty", "COMPLETED", 1, 1, "", "None", False, "", None, None, T0, 1.0, T0 + 1, (attempt,)
    )
    run = RunRecord("run-1", "chatty", 1, "COMPLETED", T0, T0 + 1, 1.0, None, None, {}, 1)
    return RunDetail(run, (record,))


async def test_a_burst_of_down_keys_scrolls_a_past_runs_attempts_a_line_each() -> None:
    app = HostApp(lambda: RunDetailScreen(chatty_page()))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "the run's page")
        await wait_for(pilot, lambda: "line 0" in screen_text(app), "the attempt's output")
        await pilot.press("tab")
        attempts = app.screen.query_one("#attempts", KeyScroll)
        await wait_for(pilot, lambda: app.screen.focused is attempts, "the attempts' focus")
        await burst(app, *["down"] * 5)
        await wait_for(pilot, lambda: attempts.scroll_y >= 5, "five lines down")
        await pilot.pause()
        assert attempts.scroll_y == 5


# -- 3: the run page's hint stays whole ---------------------------------------------------


def wide_page() -> RunDetail:
    """A run whose columns are wider than 40 cells: the heading ends in the hint."""
    record = TaskRecord(
        "extract",
        "FAILED",
        2,
        4,
        "",
        None,
        False,
        "",
        "ConnectionError",
        "reset " * 20,
        T0,
        1.0,
        T0 + 1,
    )
    counts = {"COMPLETED": 196, "FAILED": 4}
    run = RunRecord("run-1", "fan200", 1, "COMPLETED", T0, T0 + 2, 2.0, None, None, counts, 200)
    return RunDetail(run, (record,))


async def test_the_run_pages_hint_is_never_cut_in_two() -> None:
    app = HostApp(lambda: RunDetailScreen(wide_page()))
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "the run's page")
        heading = app.screen.query_one("#heading", Static)

        def lines() -> list[str]:
            rows = screen_text(app).splitlines()[heading.region.y : heading.region.bottom]
            return [row.strip() for row in rows]

        await wait_for(pilot, lambda: "columns" in " ".join(lines()), "the hint")
        assert any(line.endswith(MORE_HINT.removeprefix(" · ")) for line in lines()), lines()


def test_the_hint_goes_on_a_line_of_its_own_only_where_it_would_be_cut() -> None:
    when = "started 2026-12-05 21:11:34 · 2.0s"
    assert hint_after(when, MORE_HINT, 38) == "\n→ more columns"  # `→` ended the line
    assert hint_after(when, MORE_HINT, 60) == MORE_HINT
    rerun = f"{when} · rerun of #2"  # wraps before `rerun`: room for the hint after it
    assert hint_after(rerun, MORE_HINT, 38) == MORE_HINT
    assert hint_after(when, "", 38) == ""


# -- 4: the filter's words at a narrow header ----------------------------------------------


def test_a_narrow_header_says_the_filter_as_typed_before_cutting_it() -> None:
    counts = Note(("⟳ 1 retry  … 1 pending", "⟳ 1  … 1"), style="")
    query = Note(("filter: fai",), tail=" (0 of 2)", sep="  ", short="/fai")
    assert [words for _, words in fit_notes([counts, query], 40)][-1] == "filter: fai (0 of 2)"
    assert [words for _, words in fit_notes([counts, query], 28)][-1] == "/fai (0 of 2)"
    assert [words for _, words in fit_notes([counts, query], 20)][-1] == "… (0 of 2)"


async def test_the_header_of_a_40_column_monitor_shows_what_the_filter_holds(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calls, "bump", lambda key: 1)
    app = FlowtopApp(workspace)
    async with app.run_test(size=(40, 12)) as pilot:
        await start_waiting(pilot, app)
        await pilot.press("slash", *"nowhere", "enter")
        await wait_for(pilot, lambda: "(0 of 1)" in screen_text(app), "the filter's count")
        line = next(row for row in screen_text(app).splitlines() if "(0 of 1)" in row)
        assert "/nowhere (0 of 1)" in line, line  # was `filter: n… (0 of 1)`


# -- 5: what a file that failed to load says of its flows -----------------------------------


def detail_text(app: FlowtopApp) -> str:
    return " ".join(str(app.detail.body.render()).split())


async def test_a_file_that_never_loaded_does_not_speak_of_its_flows_as_listed(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("left", "end")
        await wait_for(pilot, lambda: app.selected_error is not None, "the broken file")
        said = detail_text(app)
        assert "the flows it defines are listed then" in said, said
        assert "stay listed" not in said


async def test_a_file_that_broke_after_loading_says_its_flows_stay_listed(
    tmp_path: Path, calls: Calls
) -> None:
    demo = tmp_path / "demo.py"
    errors = {demo: FakeLoadError(demo, 3, "SyntaxError: invalid syntax")}
    app = FlowtopApp(FakeWorkspace(tmp_path, {"demo": demo_flow(calls)}, errors))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("left", "end")
        await wait_for(pilot, lambda: app.selected_error is not None, "the broken file")
        assert "Its flows stay listed as they last loaded" in detail_text(app)
