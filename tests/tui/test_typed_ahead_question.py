"""Keys typed after a key that waits for a launch and may ask a question go to it.

`r r n` in one burst: the first `r` starts a run (its launch under way on a thread), the
second waits for it to land, then asks "already running, start another?". The `n`,
typed before that question showed, was taken by the main screen (retry now: "works on
a task awaiting retry") and the question stayed open. It now waits behind the `r`, and
answers its question, as a user typing ahead means.
"""

from __future__ import annotations

from typing import Any

import pytest

from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.confirm import ConfirmScreen
from pilot_kit import wait_for

from .conftest import Calls, FakeWorkspace, controls_made_as
from .test_launch_off_the_event_loop import GATE_TIMEOUT, SIZE, GatedControl, r_on_waiting, said


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> list[GatedControl]:
    return controls_made_as(monkeypatch, GatedControl)


def asking(app: FlowtopApp) -> bool:
    return any(isinstance(screen, ConfirmScreen) for screen in app.screen_stack)


def screens_pushed(app: FlowtopApp, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every screen ``app`` pushes from now on, in order."""
    pushed: list[object] = []
    push = app.push_screen

    def recorded(screen: Any, *args: Any, **kwargs: Any) -> Any:
        pushed.append(screen)
        return push(screen, *args, **kwargs)

    monkeypatch.setattr(app, "push_screen", recorded)
    return pushed


@pytest.mark.parametrize(("answer", "runs"), [("n", 1), ("y", 2)])
async def test_a_key_typed_after_r_r_answers_its_question(
    workspace: FakeWorkspace,
    calls: Calls,
    gated: list[GatedControl],
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    runs: int,
) -> None:
    app = FlowtopApp(workspace)
    pushed = screens_pushed(app, monkeypatch)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        control = await r_on_waiting(pilot, app, gated)
        await pilot.press("r", answer)  # typed before the question can show
        assert not asking(app)
        assert not any("awaiting retry" in toast for toast in said(app))  # not retry now
        control.gate.set()
        launches = app._launches
        landed = lambda: launches.current is None and not launches.waiting  # noqa: E731 - a probe
        await wait_for(pilot, landed, "the first run's launch to land", GATE_TIMEOUT)
        answered = lambda: not asking(app) and control.launches == runs  # noqa: E731 - a probe
        await wait_for(pilot, answered, f"{answer} to answer the question", GATE_TIMEOUT)
        assert not any("awaiting retry" in toast for toast in said(app))
        assert sum(isinstance(screen, ConfirmScreen) for screen in pushed) == 1  # asked once


async def test_n_typed_after_r_c_answers_the_cancel_question(
    workspace: FakeWorkspace, calls: Calls, gated: list[GatedControl]
) -> None:
    """`r c n`: the `n` leaves the run `r` started alone, and no question stays up."""
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        control = await r_on_waiting(pilot, app, gated)
        await pilot.press("c", "n")
        assert not any("awaiting retry" in toast for toast in said(app))  # not retry now
        control.gate.set()
        launches = app._launches
        landed = lambda: launches.current is None and not launches.waiting  # noqa: E731 - a probe
        await wait_for(pilot, landed, "the run's launch to land", GATE_TIMEOUT)
        await wait_for(pilot, lambda: not asking(app), "n to answer c's question", GATE_TIMEOUT)
        run = app._landed("waiting")
        assert run is not None and run.is_live  # not cancelled
