"""A question asked about a run still starting goes, saying so, once that run ends.

`rr` ("already running (#1). Start another run beside it?"), `c` while the run's process
imported its flow file, and `r` then `rc` ("Cancel run #2 of …?") asked about the model
the launch returned; the run's first event showed it as a model of its own, and the one
asked about read live for ever: the question stayed up under a header that read
`✗ Failed`, and its `y` started another run, or cancelled nothing, saying nothing. A
question about a run already shown went as its run ended ("ended meanwhile").
"""

from __future__ import annotations

import pytest

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.confirm import ConfirmScreen
from pilot_kit import screen_text, toasts_said, wait_for, wait_for_run

from .conftest import FakeWorkspace, controls_made_as, run_demo
from .test_header_says_starting import SIZE, Importing, header


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> list[Importing]:
    return controls_made_as(monkeypatch, Importing)


async def _ready(pilot: object, app: FlowtopApp, held: list[Importing]) -> Importing:
    await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
    (control,) = held
    return control


async def _goes_saying(
    pilot: object, app: FlowtopApp, control: Importing, number: int, words: str
) -> None:
    """The question goes, saying ``words``, once the run it asks about (#``number``, its
    events held by ``control`` until now) has shown ended."""
    with toasts_said(app) as said:
        control.release()
        await wait_for(pilot, lambda: app.table.run and app.table.run.number == number, "it")
        await wait_for_run(pilot, app, StateType.FAILED, f"run #{number}")
        await wait_for(pilot, lambda: words in said, f"the question to go, saying {words!r}")
    assert not isinstance(app.screen, ConfirmScreen)
    assert len(app.screen_stack) == 1


async def test_start_another_goes_once_the_run_starting_when_asked_ends(
    workspace: FakeWorkspace, held: list[Importing]
) -> None:
    """`rr` in one burst: the second `r` asks about run #1, still importing."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        control = await _ready(pilot, app, held)
        flow = app.selected_flow
        await pilot.press("r", "r")
        question = f"{flow} is already running (#1). Start another run beside it?"
        await wait_for(pilot, lambda: question in screen_text(app), "the question")
        assert "run #1 starting" in header(app)
        await _goes_saying(
            pilot, app, control, 1, f"{flow} is not running any more: r starts a run"
        )


async def test_cancel_asked_while_the_run_imports_goes_once_it_ends(
    workspace: FakeWorkspace, held: list[Importing]
) -> None:
    """`r`, then `c` once the header says run #1 is starting."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        control = await _ready(pilot, app, held)
        flow = app.selected_flow
        await pilot.press("r")
        await wait_for(pilot, lambda: "run #1 starting" in header(app), "the header")
        await pilot.press("c")
        question = f"Cancel run #1 of {flow}?"
        await wait_for(pilot, lambda: question in screen_text(app), "the question")
        await _goes_saying(pilot, app, control, 1, f"Run #1 of {flow} ended meanwhile")


async def test_cancel_of_rc_goes_once_the_run_it_waited_for_ends(
    workspace: FakeWorkspace, held: list[Importing]
) -> None:
    """A run ended, then `rc` in one burst: `c` waits for `r`'s launch, then asks about
    run #2, still importing."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        control = await _ready(pilot, app, held)
        control.release()
        await run_demo(pilot, app)
        flow = app.selected_flow
        control.holding = True  # run #2's process: importing, silent
        await pilot.press("r", "c")
        question = f"Cancel run #2 of {flow}?"
        await wait_for(pilot, lambda: question in screen_text(app), "the question")
        await _goes_saying(pilot, app, control, 2, f"Run #2 of {flow} ended meanwhile")


async def test_the_question_stays_while_the_run_asked_about_still_runs(
    workspace: FakeWorkspace, calls: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run starting when asked shows, live (a long retry wait): the question stays,
    asking about it, and `y` cancels it."""
    monkeypatch.setattr(calls, "bump", lambda key: 1)  # the run waits a minute
    made = controls_made_as(monkeypatch, Importing)
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        control = await _ready(pilot, app, made)
        app.flow_list.select_flow("waiting")
        await pilot.press("r")
        await wait_for(pilot, lambda: "run #1 starting" in header(app), "the header")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        control.release()
        await wait_for(
            pilot,
            lambda: (
                app.table.run is not None
                and app.table.run.rows["waiter"].state is StateType.AWAITING_RETRY
            ),
            "the retry wait",
        )
        recheck = app.screen
        assert isinstance(recheck, ConfirmScreen) and recheck.still_asked is not None
        assert recheck.still_asked()  # the run shown, live: still asked about
        await pilot.press("y")
        await wait_for_run(pilot, app, StateType.CANCELLED, "run #1")
