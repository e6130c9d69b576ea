"""`c` on a file's row acts on nothing (fx_loose, s60c).

On `✗ broken.py` the flow shown before stays ``selected_flow``: `c` there looked up that
flow's run `r` was starting, and asked to cancel it ("Cancel run #1 of waiting?") from a
row that has no flow. It now says the file has no flow, as `r` and `h` there say it."""

from __future__ import annotations

import pytest

from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.confirm import ConfirmScreen
from pilot_kit import toasts_said, wait_for

from .conftest import Calls, FakeWorkspace, controls_made_as
from .test_launch_off_the_event_loop import GATE_TIMEOUT, SIZE, GatedControl, r_on_waiting


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> list[GatedControl]:
    return controls_made_as(monkeypatch, GatedControl)


async def test_c_on_a_broken_file_s_row_leaves_the_run_r_is_starting_alone(
    workspace: FakeWorkspace, calls: Calls, gated: list[GatedControl]
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        control = await r_on_waiting(pilot, app, gated)
        app.flow_list.focus()
        await pilot.press("end")
        await wait_for(pilot, lambda: app.selected_error is not None, "the file's row")
        with toasts_said(app) as said:
            await pilot.press("c")
            control.gate.set()
            await wait_for(pilot, lambda: said, "c's answer", GATE_TIMEOUT)
            landed = lambda: app.store.latest_for("waiting") is not None  # noqa: E731 - a probe
            await wait_for(pilot, landed, "r's run to land", GATE_TIMEOUT)
            await wait_for(pilot, lambda: app._launches.current is None, "the launch to end")
            await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert said[0] == (
            "broken.py failed to load, so it has no flow yet: fix it and save "
            "(its error is shown here)"
        )
        assert app.store.latest_for("waiting").is_live  # not cancelled
