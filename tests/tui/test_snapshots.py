"""Snapshots (pytest-textual-snapshot) of the main screen mid-run and of every secondary screen.

Fixed 120×36, frozen clock, fixed event timestamps, UTC, no cursor blink: a snapshot
changes only when what the user sees changes. After an intended change, regenerate with
``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import time

import pytest
from textual.widgets import Input

from flowtop.engine.parameters import ParameterInfo
from flowtop.tui.screens import HistoryScreen, RetryEditor, RunDetailScreen
from flowtop.tui.screens.run_form import RunForm

from .snapshot_apps import (
    ETL_FILES,
    HostApp,
    feed,
    make_history,
    make_main_app,
    mid_run_events,
)

SIZE = (120, 36)


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def workspace(load_workspace):
    return load_workspace(ETL_FILES)


def no_blink(pilot) -> None:
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False


def test_main_screen_mid_run_with_a_task_awaiting_retry(snap_compare, workspace):
    app = make_main_app(workspace)

    async def run_before(pilot):
        await feed(pilot, mid_run_events(workspace))

    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    finally:
        app.shutdown()


def test_detail_pane_explains_the_countdown(snap_compare, workspace):
    app = make_main_app(workspace)

    async def run_before(pilot):
        await feed(pilot, mid_run_events(workspace))
        assert pilot.app.table.move_to("fetch_orders")
        await pilot.pause()

    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    finally:
        app.shutdown()


def test_retry_editor(snap_compare, workspace):
    async def run_before(pilot):
        await pilot.pause()
        no_blink(pilot)

    app = HostApp(lambda: RetryEditor(workspace, "etl", "fetch_orders"))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_retry_editor_showing_an_error(snap_compare, workspace):
    async def run_before(pilot):
        await pilot.pause()
        no_blink(pilot)
        pilot.app.screen.query_one("#field-backoff_factor", Input).value = "0.5"
        await pilot.pause()

    app = HostApp(lambda: RetryEditor(workspace, "etl", "fetch_orders"))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_run_form_after_run_with_a_required_value_left_empty(snap_compare):
    async def run_before(pilot):
        await pilot.pause()
        no_blink(pilot)
        pilot.app.screen.query_one("#param-0", Input).value = ""
        await pilot.press("enter")

    parameters = (
        ParameterInfo("day", True, "", "str"),
        ParameterInfo("regions", False, '["eu", "us"]', "list[str]"),
        ParameterInfo("limit", False, "100", "int"),
    )
    last = {"day": "2026-11-30", "regions": ["eu"]}
    app = HostApp(lambda: RunForm("daily-report", parameters, last, lambda values: None))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_history_run_list(snap_compare, tmp_path):
    history = make_history(tmp_path)
    try:
        assert snap_compare(HostApp(lambda: HistoryScreen(history, "etl")), terminal_size=SIZE)
    finally:
        history.close()


def test_history_run_detail(snap_compare, tmp_path):
    history = make_history(tmp_path)

    async def run_before(pilot):
        """The run opens on a thread, and its page fits its columns over a few refreshes:
        taken before they were done, the heading still read `✓ 1  ✗ 1 … → more columns`."""
        await pilot.press("down", "enter")
        while not isinstance(pilot.app.screen, RunDetailScreen):
            await pilot.pause(0.01)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("down")
        await pilot.app.workers.wait_for_complete()
        heading = pilot.app.screen.query_one("#heading")
        for _ in range(100):  # its columns fit 120 cells once laid out (a safety bound)
            if "more columns" not in str(heading.render()):
                break
            await pilot.pause(0.05)
        await pilot.pause()

    try:
        app = HostApp(lambda: HistoryScreen(history, "etl"))
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    finally:
        history.close()


def test_help_screen(snap_compare, workspace):
    app = make_main_app(workspace)
    try:
        assert snap_compare(app, terminal_size=SIZE, press=["question_mark"])
    finally:
        app.shutdown()
