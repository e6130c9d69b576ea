"""A run whose process takes a while to say anything is said to be starting.

A run process imports its flow file before its first event: for a 100,000-task flow
that took seconds, and after `r` nothing on screen moved until then. Now a toast says
the run is starting once it has not shown for ``SLOW_START``; a run that shows at once
(the usual case) says nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import pytest

from flowtop.tui import launch_queue
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.run_control import InProcessControl
from pilot_kit import wait_for

from .conftest import FakeWorkspace

SIZE = (120, 36)
SAID = "Starting run #7 of "
#: ``SLOW_START`` in these tests: what comes after it is what they are about, not its length.
SOON = 0.01


class SilentControl(InProcessControl):
    """Each start lands (a run process launched) but no event of its run comes yet."""

    def start(self, flow: str, parameters: Mapping[str, Any] | None = None) -> RunModel:
        return RunModel(flow, (), run_id="quiet", number=7)


def said(app: FlowtopApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_run_that_has_not_shown_yet_is_said_to_be_starting(
    workspace: FakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def make(self: FlowtopApp) -> SilentControl:
        return SilentControl(self.workspace, self.take_events)

    monkeypatch.setattr(FlowtopApp, "_make_control", make)
    monkeypatch.setattr(launch_queue, "SLOW_START", SOON)
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        await pilot.press("r")
        flow = app.selected_flow
        await wait_for(pilot, lambda: any(SAID in m for m in said(app)), "the toast")  # old: none
        assert f"{SAID}{flow}: its process is importing the flow file…" in said(app)


async def test_a_run_that_shows_at_once_says_nothing(
    workspace: FakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its ``SLOW_START`` timer, made short, may come due before the run shows: what it
    calls is held until the run has shown, as if it had come due after it."""
    held: list[Callable[[], None]] = []
    say_loading = FlowtopApp._say_loading

    def hold(self: FlowtopApp, run: RunModel) -> None:
        held.append(partial(say_loading, self, run))

    monkeypatch.setattr(FlowtopApp, "_say_loading", hold)
    monkeypatch.setattr(launch_queue, "SLOW_START", SOON)
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        await pilot.press("r")
        await wait_for(pilot, lambda: app.table.run is not None and app.table.run.run_id, "it")
        await wait_for(pilot, lambda: held, "the SLOW_START timer")
        for say in held:
            say()
        await pilot.pause()
        assert not [m for m in said(app) if "is importing the flow file" in m]
