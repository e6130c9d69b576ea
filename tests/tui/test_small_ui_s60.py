"""Small monitor defects from a keys-and-screens review (rv402 §10, §12).

- A question's buttons on a narrow screen (the quit question at 60 columns, the cancel
  question at 45) lost their frame and started in different columns; they stand one per
  line, framed, same width and left edge.
- The retry editor closed without a word when Save had nothing to write, and when Clear
  had no override to clear; its save toast said `retry_delay = 1, 5, 30` where the file
  holds a TOML list.
- The history runs list at 60 columns dropped `⏎ Open run`, its main key, and kept
  `a All flows / this flow`.
- The focused detail pane's footer said `↑↓ Scroll` but not `esc Back`.
- A run page's attempt output stood at the traceback's indent, without the `│` gutter the
  main screen's detail pane draws.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Button, Static

from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens import ConfirmScreen, HistoryScreen, RunDetailScreen
from flowtop.tui.screens.attempt_lines import behind_gutter, hang_indent
from flowtop.tui.screens.quit import QuitScreen
from flowtop.workspace import Workspace
from flowtop.workspace.history import History
from pilot_kit import screen_text, toasts_said, wait_for, wait_for_text

from .conftest import FakeWorkspace, LoadWorkspace
from .editor_kit import editor_app, editor_field
from .snapshot_apps import ETL_FILES, HostApp, make_history


def footer(app: Any) -> str:
    return screen_text(app).splitlines()[-1]


# -- §10: a narrow question's buttons --------------------------------------------------


@pytest.mark.parametrize(
    ("size", "make", "labels"),
    [
        (
            (60, 20),
            lambda: QuitScreen(["slowretry #3"]),
            ["Keep running (k)", "Cancel it (c)", "Stay (s)"],
        ),
        ((45, 16), lambda: ConfirmScreen("Cancel run #3 of slowretry?"), ["Yes (y)", "No (n)"]),
        ((40, 12), lambda: QuitScreen(["slowretry #3"]), ["Keep running (k)", "Stay (s)"]),
    ],
)
async def test_a_narrow_question_s_buttons_stand_framed_and_aligned(
    workspace: FakeWorkspace, size: tuple[int, int], make: Any, labels: list[str]
) -> None:
    """As drawn by the app (its stylesheet): one button a line, each as wide as the others
    and from the same column, a frame at both ends of each row, the label inside it."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        app.push_screen(make())
        await wait_for_text(pilot, app, *labels)
        await pilot.pause()
        buttons = list(app.screen.query(Button))
        regions = [button.region for button in buttons]
        assert len({(r.x, r.width) for r in regions}) == 1, regions
        assert len({r.y for r in regions}) == len(regions), regions  # one a line
        rows = screen_text(app).splitlines()
        for button, region in zip(buttons, regions, strict=True):
            row = rows[region.y][region.x : region.right]
            assert row[0] == "▏" and row[-1] == "▕", (row, size)
            assert str(button.label) in row, (row, size)


async def test_a_wide_question_keeps_its_buttons_side_by_side(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(QuitScreen(["slowretry #3"]))
        await wait_for_text(pilot, app, "Stay (s)")
        regions = [button.region for button in app.screen.query(Button)]
        assert len({r.y for r in regions}) == 1 and all(r.height == 3 for r in regions), regions


# -- §12: the retry editor's toasts ----------------------------------------------------


@pytest.fixture
def etl(load_workspace: LoadWorkspace) -> Workspace:
    return load_workspace(ETL_FILES)


async def test_saving_nothing_changed_says_so(etl: Workspace) -> None:
    app = editor_app(etl, "etl", "fetch_orders")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        with toasts_said(app) as said:
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.results == [False], "the editor to close")
        assert said == [
            "Nothing changed: the retry settings of etl / fetch_orders are as they were"
        ]
        assert not etl.overrides_path.exists()


async def test_clear_with_no_override_says_there_was_none(etl: Workspace) -> None:
    """Clear is disabled while there is no override; pressed all the same (its press on
    its way as a reload took the override), it closed the editor without a word."""
    app = editor_app(etl, "etl", "fetch_orders")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        clear = app.screen.query_one("#clear", Button)
        with toasts_said(app) as said:
            clear.post_message(Button.Pressed(clear))
            await wait_for(pilot, lambda: app.results == [False], "the editor to close")
        assert said == ["etl / fetch_orders has no override: nothing to clear"]


async def test_the_save_toast_quotes_values_as_the_file_holds_them(etl: Workspace) -> None:
    app = editor_app(etl, "etl", "fetch_orders")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        editor_field(app, "retry_delay").value = "1, 5, 30"
        editor_field(app, "retry_on").value = "ValueError"
        await pilot.pause()
        with toasts_said(app) as said:
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.results == [True], "the editor to close")
    saved = tomllib.loads(etl.overrides_path.read_text(encoding="utf-8"))
    table = saved["flows"]["etl"]["tasks"]["fetch_orders"]
    assert table["retry_delay"] == [1, 5, 30] and table["retry_on"] == ["ValueError"]
    assert len(said) == 1, said
    assert "; retry_delay = [1, 5, 30]" in said[0] and ': retry_on = ["ValueError"]' in said[0]


async def test_the_save_toast_quotes_a_backoff_as_a_toml_table(etl: Workspace) -> None:
    app = editor_app(etl, "etl", "fetch_orders")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        editor_field(app, "retry_delay").value = "2"
        editor_field(app, "backoff_factor").value = "3"
        await pilot.pause()
        with toasts_said(app) as said:
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.results == [True], "the editor to close")
    table = tomllib.loads(etl.overrides_path.read_text(encoding="utf-8"))["flows"]["etl"]
    delay = table["tasks"]["fetch_orders"]["retry_delay"]
    shown = ", ".join(f"{k} = {v}" for k, v in delay.items())
    assert f"retry_delay = {{ {shown} }}" in said[0], (said, delay)


# -- §12: footers ------------------------------------------------------------------------


async def test_the_runs_list_keeps_open_run_when_its_footer_is_cut(tmp_path: Path) -> None:
    history: History = make_history(tmp_path)
    try:
        app = HostApp(lambda: HistoryScreen(history, "etl"))
        async with app.run_test(size=(60, 20)) as pilot:
            await wait_for_text(pilot, app, "esc Back")
            assert "⏎ Open run" in footer(app), footer(app)
            assert "esc Back" in footer(app) and "q Quit" in footer(app), footer(app)
        app = HostApp(lambda: HistoryScreen(history, "etl"))
        async with app.run_test(size=(120, 36)) as pilot:  # wide: every key, Enter's first
            await wait_for_text(pilot, app, "esc Back")
            keys = [k.strip() for k in footer(app).split("  ") if k.strip()]
            assert keys[:3] == ["⏎ Open run", "esc Back", "a All flows / this flow"], keys
    finally:
        history.close()


async def test_the_focused_detail_pane_s_footer_says_esc_goes_back(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "r Run" in footer(app), "the footer")
        assert "esc Back" not in footer(app)
        await pilot.press("enter")  # a task's detail pane, focused
        await wait_for(pilot, lambda: app.focused is app.detail, "the detail pane")
        await wait_for(pilot, lambda: "↑↓ Scroll" in footer(app), "the detail pane's footer")
        assert footer(app).lstrip().startswith("↑↓ Scroll  esc Back  r Run"), footer(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.focused is app.table, "Esc to go back")
        await wait_for(pilot, lambda: "esc Back" not in footer(app), "the table's footer")


# -- §12: a run page's attempt output ----------------------------------------------------


async def test_a_run_page_s_attempt_output_has_the_detail_pane_s_gutter(tmp_path: Path) -> None:
    history: History = make_history(tmp_path)
    try:
        app = HostApp(lambda: HistoryScreen(history, "etl"))
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for_text(pilot, app, "#1")
            await pilot.press("down", "enter")  # run #1, fetch_orders failed in it
            await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "run #1")
            await app.workers.wait_for_complete()
            await pilot.press("down")
            attempts = app.screen.query_one("#attempt-text", Static)
            await wait_for(
                pilot, lambda: "GET /orders try 1" in str(attempts.render()), "its attempts"
            )
            lines = str(attempts.render()).splitlines()
            shown = [line for line in lines if "GET /orders try" in line]
            assert shown and all(line.startswith("│ GET /orders try") for line in shown), shown
    finally:
        history.close()


def test_a_long_output_line_keeps_its_gutter_on_every_row() -> None:
    output = "word " * 30 + "\n  indented " + "x" * 70 + "\n"
    text = behind_gutter(output, lambda t: hang_indent(t, 40, Console()))
    rows = text.plain.rstrip("\n").split("\n")
    assert len(rows) > 3 and all(row.startswith("│ ") for row in rows), rows
    assert all(len(row) <= 40 for row in rows), rows
    assert rows[-1].startswith("│   "), rows  # an indented line goes on under its indent
