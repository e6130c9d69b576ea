"""The detail pane with a long output and a long error: moving onto such a task, scrolling
it with Home/End, and moving on to the next one.

An exception's message of megabytes (the engine keeps 100,000 characters of it) was drawn
whole on each attempt's line, ~1,000 rows redrawn at each cursor move onto the task
(1.5 s); End, Esc, ↑ showed the next task scrolled to its bottom, its title out of
sight; Home and End glided for a second over a long output.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace

#: Lines each chatty task prints: more than the pane's 20,000 characters shown.
LINES = 3_000
#: An exception message's length: past the 100,000 characters the engine keeps.
MESSAGE = 300_000


def big_flow() -> Flow:
    """``chatty`` and ``also_chatty`` print 3,000 lines each; ``shouting`` raises an
    exception with a 300,000-character message."""

    @task
    def chatty() -> None:
        for i in range(LINES):
            print(f"row {i}")

    @task
    def also_chatty() -> None:
        for i in range(LINES):
            print(f"line {i}")

    @task(max_retries=0)
    def shouting() -> None:
        raise ValueError("x" * MESSAGE)

    flow = Flow("big")
    for each in (chatty, also_chatty, shouting):
        flow.add_task(each)
    return flow


async def run_big(pilot: Any, app: FlowtopApp) -> None:
    """Run the flow until it failed (``shouting``), the cursor in the task table."""
    await pilot.pause()
    await pilot.press("r")
    await wait_for(
        pilot,
        lambda: app.table.run is not None and app.table.run.state is StateType.FAILED,
        "the run to fail",
    )
    await pilot.press("right")
    await wait_for(pilot, lambda: app.focused is app.table, "the task table")


def title(app: FlowtopApp) -> str:
    """The detail pane's title line: the task it shows, first."""
    shown = app.detail.title_line.content
    assert isinstance(shown, Text)
    return shown.plain


async def select(pilot: Any, app: FlowtopApp, key: str, *keys: str) -> None:
    """Press ``keys`` and wait for the detail pane to show task ``key``."""
    await pilot.press(*keys)
    await wait_for(
        pilot,
        lambda: app.table.cursor_key == key and title(app).startswith(f"{key}  "),
        f"the detail pane on {key}",
    )


def attempt_row(app: FlowtopApp) -> int:
    """The screen row of the pane's line of ``shouting``'s attempt; -1 while not drawn."""
    rows = screen_text(app).splitlines()
    return next((i for i, row in enumerate(rows) if "#1  " in row and "ValueError" in row), -1)


async def test_a_long_error_message_takes_a_few_rows_of_the_pane(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"big": big_flow()}), watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await run_big(pilot, app)
        await select(pilot, app, "shouting", "end")
        await wait_for(pilot, lambda: attempt_row(app) >= 0, "shouting's attempt drawn")
        await pilot.pause()
        rows = screen_text(app).splitlines()
        attempt = attempt_row(app)
        traceback = next((i for i, row in enumerate(rows) if "Traceback" in row), len(rows))
        # all the engine did not keep counted: 300 characters shown of 300,000
        assert "299,700 characters not shown …" in " ".join(rows[attempt:traceback])
        assert traceback - attempt <= 5
        # the traceback shows its 20,000-character head and tail, as an output does:
        # ~200 rows at this width. The message drew ~1,000 more above it.
        assert app.detail.virtual_size.height < 400


async def test_another_task_shows_from_its_top_the_same_one_where_it_was_read(
    tmp_path: Path,
) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"big": big_flow()}), watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await run_big(pilot, app)
        await select(pilot, app, "chatty", "home")
        await pilot.press("enter", "end")
        pane = app.detail
        await wait_for(pilot, lambda: pane.scroll_y == pane.max_scroll_y > 0, "the pane's end")
        bottom = pane.scroll_y
        app._update_detail()  # as each new piece of a live task's output does
        await pilot.pause()
        assert pane.scroll_y == bottom  # the tail being read stays in view
        await pilot.press("escape")
        await select(pilot, app, "also_chatty", "down")
        await pilot.pause()
        assert pane.max_scroll_y > 0 and pane.scroll_y == 0  # its title in view


async def test_home_end_and_page_keys_jump_in_a_long_output(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"big": big_flow()}), watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await run_big(pilot, app)
        await select(pilot, app, "chatty", "home")
        await pilot.press("enter")
        pane = app.detail
        await wait_for(pilot, lambda: app.focused is pane and pane.max_scroll_y > 0, "focus")
        seen: list[float] = []

        def saw(y: float) -> None:
            seen.append(y)

        app.watch(pane, "scroll_y", saw, init=False)

        async def jump(key: str, target: Callable[[], float]) -> None:
            """``key`` scrolls the pane to ``target`` in one step: no glide through the
            rows between, each a frame of the pane redrawn."""
            seen.clear()
            await pilot.press(key)
            await wait_for(pilot, lambda: bool(seen) and seen[-1] == target(), f"{key}'s scroll")
            await pilot.pause()
            assert seen == [target()], key

        await jump("end", lambda: pane.max_scroll_y)
        await jump("home", lambda: 0.0)
        await jump("pagedown", lambda: float(pane.scrollable_content_region.height))
