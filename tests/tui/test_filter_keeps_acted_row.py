"""The row under the cursor stays while a filter no longer matches it, until the cursor moves.

Under ``/retry`` (a state word: the rows awaiting a retry), ``n`` on a row started it and
the row vanished at once (it runs now), the cursor falling on the next task waiting, or
on "No task selected"; after ``x`` the cursor landed on the next waiting task too, so a
quick second ``x`` gave up a task nobody chose. The row acted on stays, selected, until
the cursor leaves it; a second ``x`` then says the task no longer awaits a retry.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowtop import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from pilot_kit import screen_text, toasts_said, wait_for

from .conftest import Calls, FakeWorkspace

S = StateType
SIZE = (120, 36)


def three_waiting(calls: Calls, running: threading.Event) -> Flow:
    """``a``, ``b``, ``c`` fail once and wait ten minutes for their retry, which then runs
    until ``running`` is set; ``done`` completes: ``/retry`` matches the three."""

    def waiting(name: str) -> Any:
        @task(name=name, max_retries=3, retry_delay=600)
        def call() -> None:
            if calls.bump(name) == 1:
                raise ConnectionError(f"{name} down")
            running.wait(30)

        return call

    @task
    def done() -> None:
        return None

    flow = Flow("waiters")
    for name in ("a", "b", "c"):
        flow.add_task(waiting(name))
    flow.add_task(done)
    return flow


@pytest.fixture
def running() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # a retry `n` started ends, so the runner shuts down


@pytest.fixture
def waiters(tmp_path: Path, calls: Calls, running: threading.Event) -> Iterator[FakeWorkspace]:
    workspace = FakeWorkspace(tmp_path, {"waiters": three_waiting(calls, running)})
    yield workspace
    running.set()
    for runner in workspace.runners:
        runner.shutdown(wait=True)


async def filtered_on_retry(pilot: Any, app: FlowtopApp) -> None:
    """Run the flow until ``a``, ``b`` and ``c`` wait; ``/retry`` kept; the cursor on ``a``."""
    await pilot.pause()
    await pilot.press("r")

    def all_waiting() -> bool:
        run = app.table.run
        return run is not None and all(
            run.rows[k].state is S.AWAITING_RETRY for k in ("a", "b", "c")
        )

    await wait_for(pilot, all_waiting, "a, b and c to wait for their retry")
    await pilot.press("right", "slash", *"retry", "enter")
    await wait_for(pilot, lambda: app.table.keys == ["a", "b", "c"], "the filter's three rows")
    assert app.table.cursor_key == "a" and app.focused is app.table


async def state_shown(pilot: Any, app: FlowtopApp, key: str, state: StateType) -> None:
    """``key`` reaches ``state`` and the table has laid its rows out again since (a filtered
    view re-filters on the tick after its rows change: ``TaskTable.rows_changed``)."""
    run = app.table.run
    assert run is not None
    await wait_for(pilot, lambda: run.rows[key].state is state, f"{key} to be {state.value}")
    await wait_for(pilot, lambda: not app.table._reorder_pending, "the table to re-filter")
    await pilot.pause()


async def test_x_twice_gives_up_the_chosen_task_only(
    waiters: FakeWorkspace,
) -> None:
    app = FlowtopApp(waiters, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await filtered_on_retry(pilot, app)
        await pilot.press("x")
        await state_shown(pilot, app, "a", S.FAILED)
        assert app.table.cursor_key == "a", app.table.keys  # it stays, selected
        assert app.table.keys == ["a", "b", "c"]
        with toasts_said(app) as said:
            await pilot.press("x")
            await wait_for(pilot, lambda: said, "the second x's toast")
        assert said == ["Give up works on a task awaiting retry (⟳)"]
        run = app.table.run
        assert run is not None and run.rows["b"].state is S.AWAITING_RETRY  # b was not chosen
        assert "filter: retry (2 of 4)" in screen_text(app)  # a shows, but no longer matches


async def test_n_keeps_the_started_row_until_the_cursor_leaves_it(
    waiters: FakeWorkspace,
) -> None:
    app = FlowtopApp(waiters, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await filtered_on_retry(pilot, app)
        await pilot.press("n")
        await state_shown(pilot, app, "a", S.RUNNING)
        assert app.table.cursor_key == "a", app.table.keys
        assert "No task selected" not in screen_text(app)
        await pilot.press("down")  # away from it: the row goes, the cursor stays on b
        await wait_for(pilot, lambda: app.table.keys == ["b", "c"], "a to leave the view")
        assert app.table.cursor_key == "b"
        await pilot.press("up", "x")  # up stays on b, the first row: x gives b up
        await state_shown(pilot, app, "b", S.FAILED)
        run = app.table.run
        assert run is not None and run.rows["c"].state is S.AWAITING_RETRY
        assert app.table.cursor_key == "b"
