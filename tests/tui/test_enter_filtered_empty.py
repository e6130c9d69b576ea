"""Keys that act on the highlighted task, pressed while the filter hides every row.

Enter said "No task to open: the table has no rows" of a run whose rows the filter hid;
``o`` and ``y`` said they work "on a task with an error", ``n`` and ``x`` "on a task
awaiting retry", of a run full of them: none named the filter. Each names it now, where
a task it would act on is hidden; where none is (no row has an error), it says what it
said. (``t`` and ``e`` named the filter already: ``test_key_context``.)
"""

from __future__ import annotations

from typing import Any

from flowtop.tui.app import FlowtopApp
from pilot_kit import toasts_said, wait_for

from .conftest import FakeWorkspace, run_demo, wait_in_retry

SIZE = (120, 36)


def hidden(doing: str) -> str:
    return f"No task to {doing}: the filter 'zzz' hides every row; Esc in the table clears it"


async def filter_out_every_row(pilot: Any, app: FlowtopApp) -> None:
    """``/zzz`` kept with Enter: no task matches, the table has the focus."""
    await pilot.press("right", "slash", "z", "z", "z", "enter")
    await wait_for(pilot, lambda: app.table.cursor_key is None, "the filter to hide every row")
    assert app.focused is app.table and app.table.filter_text == "zzz"
    app._notifications.clear()


async def said_after(pilot: Any, app: FlowtopApp, *keys: str) -> list[str]:
    """The toasts ``keys`` give, one a key."""
    with toasts_said(app) as said:
        for key in keys:
            await pilot.press(key)
        await wait_for(pilot, lambda: len(said) >= len(keys), f"{len(keys)} toasts")
    return said


async def test_enter_o_and_y_name_the_filter_that_hides_every_row(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)  # `broken` failed: `o` and `y` have a task to act on
        await filter_out_every_row(pilot, app)
        assert await said_after(pilot, app, "enter", "o", "y") == [
            hidden("open"),
            hidden("open in an editor"),
            hidden("copy the error of"),
        ]
        assert app.focused is app.table  # Enter opened no detail pane


async def test_a_filter_hiding_no_task_with_an_error_is_not_blamed(
    workspace: FakeWorkspace,
) -> None:
    """Before any run no row has an error: `o` says what it works on, Enter names the
    filter (it hides every task of the flow's list)."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await filter_out_every_row(pilot, app)
        assert await said_after(pilot, app, "enter", "o") == [
            hidden("open"),
            "Open in editor works on a task with an error (✗ or ⟳)",
        ]


async def test_n_and_x_name_the_filter_that_hides_a_task_awaiting_retry(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_in_retry(pilot, app)
        await filter_out_every_row(pilot, app)
        assert await said_after(pilot, app, "n", "x") == [
            hidden("retry now"),
            hidden("give up on"),
        ]
        run = app.table.run
        assert run is not None and run.is_live  # neither was sent
