"""A run started after the flow's run ended shows starting at once, in that run's place.

While its process imported the flow file, the header kept `run #1 ✗ Failed` and the
table its rows, with `run #2 starting…` only at the end of the counts' line; `c` then
asked `Cancel run #2 of …?` under a header naming run #1, and `h` listed run #2 as the
flow's newest, starting. A first run showed starting in the header's first place.
Beside a live run the new one still only counts (`2 live runs`): keys act on the run
shown, and that one stays.
"""

from __future__ import annotations

import pytest

from flowtop.engine.events import RunFinished
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.run_store import RunStore
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace, controls_made_as, run_demo
from .test_header_says_starting import SIZE, Importing, header, started


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> list[Importing]:
    return controls_made_as(monkeypatch, Importing)


async def test_the_header_the_table_and_c_name_the_run_starting(
    workspace: FakeWorkspace, held: list[Importing]
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        (control,) = held
        control.release()
        await run_demo(pilot, app)
        flow = app.selected_flow
        ended = app.table.run
        control.holding = True  # run #2's process: importing, silent
        await pilot.press("r")
        starting = "run #2 starting: its process is importing the flow file…"
        await wait_for(pilot, lambda: starting in header(app), "the header")
        first_line = header(app).splitlines()[0]
        assert starting in first_line and "run #1" not in header(app)  # old: `run #1 ✗ Failed`
        shown = app.table.run
        assert shown is not ended and shown is not None and shown.run_id is None  # its tasks
        assert shown.rows and all(row.state is None for row in shown.rows.values())  # not run
        await pilot.press("c")
        question = f"Cancel run #2 of {flow}?"
        await wait_for(pilot, lambda: question in screen_text(app), "`c` to ask")
        assert starting in header(app)  # the run the question names, under it
        await pilot.press("n")
        control.release()
        await wait_for(
            pilot, lambda: app.table.run is not None and app.table.run.number == 2, "run #2"
        )
        assert "starting" not in header(app)


def test_a_live_run_stays_shown_and_an_older_run_starting_takes_no_ended_runs_place() -> None:
    """Beside a live run the new one only counts (`2 live runs`: keys act on the run
    shown); once that run has ended, the newer run starting takes its place; a run still
    importing that is older than the ended run shown does not."""
    store = RunStore()
    store.apply_batch([started("one", 1)])
    store.landed(RunModel("etl", (), run_id="two", number=2))
    assert store.starting_over("etl") is None  # run #1 is live: it stays shown
    store.apply_batch([RunFinished("one", "etl", 1, StateType.COMPLETED, {}, 2.0)])
    over = store.starting_over("etl")
    assert over is not None and over.number == 2
    store.apply_batch([started("two", 2), started("three", 3)])
    store.apply_batch([RunFinished("three", "etl", 3, StateType.COMPLETED, {}, 4.0)])
    store.landed(RunModel("etl", (), run_id="four", number=4))
    store.apply_batch([RunFinished("two", "etl", 2, StateType.COMPLETED, {}, 5.0)])
    assert store.starting_over("etl") is not None  # #4, newer than #3 shown
    store.apply_batch([started("four", 4)])
    store.reserved = {"x": RunModel("etl", (), run_id="x", number=1)}  # an old one importing
    assert store.starting_over("etl") is None
