"""After `r`, the header says the run is starting until the run's first event shows it.

A run process imports its flow file before its first event (seconds, for a big flow).
Until then the header kept `not run yet — press r to run`, and a user who had just
pressed `r` pressed it again (which asks "already running, start another?"). Now, once
the launch has landed (the run's number is known), the header says
`run #N starting: its process is importing the flow file…`; the run's first event replaces it,
and a run that ends before starting shows as it did (why it did not start).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from flowtop.engine.events import RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.run_control import InProcessControl
from flowtop.tui.run_store import RunStore
from flowtop.workspace.run_log import LogEvent, RunInterrupted
from pilot_kit import wait_for, wait_for_run

from .conftest import FakeWorkspace, controls_made_as, run_demo

SIZE = (120, 36)
PRESS_R = "not run yet — press r to run"


def header(app: FlowtopApp) -> str:
    return str(app.header.render())


class HeldControl(InProcessControl):
    """Runs here, but the events of its runs are held back until ``release``: a run
    process still importing its flow file, launched (its number known) but silent."""

    def __init__(self, workspace: Any, sink: Any, **options: Any) -> None:
        self._sink = sink
        self._held: list[LogEvent] = []
        self._lock = threading.Lock()
        self.holding = True
        super().__init__(workspace, self._deliver, **options)

    def _deliver(self, events: Sequence[LogEvent]) -> None:
        with self._lock:
            if self.holding:
                self._held.extend(events)
                return
        self._sink(events)

    def release(self) -> None:
        with self._lock:
            self.holding = False
            held, self._held = self._held, []
        self._sink(held)


class Importing(HeldControl):
    """A run held is live (its process imports its flow file), whatever its handle says:
    the demo's fails at once."""

    def still_live(self, run: RunModel) -> bool:
        return self.holding or super().still_live(run)


class SilentControl(InProcessControl):
    """Each start lands as run #7 whose process never says anything (it dies importing);
    the first start fails, as a launch whose run process could not be started."""

    failed_once = False

    def start(self, flow: str, parameters: Mapping[str, Any] | None = None) -> RunModel:
        if not self.failed_once:
            self.failed_once = True
            raise OSError("no such interpreter")
        return RunModel(flow, (), run_id="quiet", number=7)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> list[HeldControl]:
    return controls_made_as(monkeypatch, HeldControl)


async def test_the_header_says_a_run_is_starting_until_its_first_event(
    workspace: FakeWorkspace, held: list[HeldControl]
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        assert PRESS_R in header(app)
        await pilot.press("r")
        starting = "run #1 starting: its process is importing the flow file…"
        await wait_for(pilot, lambda: starting in header(app), "the header to say so")  # old: no
        assert PRESS_R not in header(app)
        (control,) = held
        control.release()
        await wait_for_run(pilot, app, StateType.FAILED, "the demo run")
        assert "run #1" in header(app) and "starting" not in header(app)


async def test_after_an_ended_run_the_next_one_shows_starting_in_its_place(
    workspace: FakeWorkspace, held: list[HeldControl]
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        (control,) = held
        control.release()
        await run_demo(pilot, app)
        control.holding = True
        await pilot.press("r")
        await wait_for(pilot, lambda: "run #2 starting" in header(app), "the note")  # old: no
        # as a first run shows starting (s56: the ended `run #1` and its rows stayed, while
        # `c` offered to cancel run #2)
        assert "run #1" not in header(app)
        assert app.table.run is not None and app.table.run.run_id is None
        control.release()
        await wait_for(pilot, lambda: app.table.run and app.table.run.number == 2, "run #2")
        assert "starting" not in header(app)


async def test_a_failed_launch_keeps_the_hint_and_a_run_that_never_starts_says_why(
    workspace: FakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    controls_made_as(monkeypatch, SilentControl)
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        flow = app.selected_flow
        await pilot.press("r")  # its launch fails: the hint stays
        await wait_for(pilot, lambda: app._notifications, "the launch's failure")
        assert PRESS_R in header(app)
        await pilot.press("r")
        starting = "run #7 starting: its process is importing the flow file…"
        await wait_for(pilot, lambda: starting in header(app), "the header to say so")  # old: no
        why = "its process ended while importing the flow"
        app.buffer.append_batch([RunInterrupted("quiet", why, time.time(), flow=flow, run=7)])
        await wait_for(pilot, lambda: "run #7" in header(app) and why in header(app), "why")
        assert "starting" not in header(app) and PRESS_R not in header(app)


def started(run_id: str, number: int) -> RunStarted:
    return RunStarted(run_id, "etl", number, ("a",), (1,), ("none",), ts=float(number))


def test_a_run_shown_is_starting_no_more_once_a_newer_run_evicts_it() -> None:
    """A launched run is let go of as it shows, and one that showed before its launch
    landed is not kept: either, kept, said `starting` again once a newer run, shown,
    dropped it from the runs kept."""
    store = RunStore()
    store.landed(RunModel("etl", (), run_id="one", number=1))
    assert store.loading("etl") is not None
    store.apply_batch([started("one", 1), RunInterrupted("one", "stopped", 1.5)])
    store.apply_batch([started("two", 2)])  # an ended #1 is dropped as #2 shows
    assert "one" not in store.runs and store.loading("etl") is None
    store.apply_batch([started("three", 3), RunInterrupted("three", "stopped", 3.5)])
    store.landed(RunModel("etl", (), run_id="three", number=3))  # landed after it showed
    store.apply_batch([RunInterrupted("two", "stopped", 4.0), started("four", 4)])
    assert "three" not in store.runs and store.loading("etl") is None
