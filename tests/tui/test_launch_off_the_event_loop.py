"""A run key whose launch waits (the run store held by another process) freezes nothing.

Starting a run writes the run store, and that write waits while another process holds
the store (up to 5 s). Made on the event loop, the wait froze the whole app: the clock
and the countdowns stopped, and no key answered. The launch now runs on a thread; the
keys that ask about the run being started (``rc``, ``ff``) wait for it, in order.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.run_control import InProcessControl, RunControlError
from flowtop.tui.screens.help import HelpScreen
from pilot_kit import screen_text, wait_for

from .conftest import Calls, FakeWorkspace, controls_made_as
from .short_store_waits import HELD_WAIT_MS, held_for_text, shorten_held_store_waits

S = StateType
SIZE = (120, 36)
#: How long a gated launch waits at most: an app that waits on its own loop is stuck
#: that long, and the test then fails instead of hanging (its keys' 2 s waits fail
#: first). Not 3 s: on a loaded machine the steps before the gate opens took that long.
GATE_TIMEOUT = 10.0


class GatedControl(InProcessControl):
    """Runs in this process, but each launch first waits for ``gate``: a store held by
    another process, without the 5 s."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.waited_out = False  # a launch that gave up on the gate: nothing released it
        self.launches = 0

    def _wait(self) -> None:
        self.launches += 1
        self.entered.set()
        if not self.gate.wait(GATE_TIMEOUT):
            self.waited_out = True

    def start(self, flow: str, parameters: Mapping[str, Any] | None = None) -> RunModel:
        self._wait()
        return super().start(flow, parameters)

    def rerun_failed(self, run: RunModel) -> RunModel:
        self._wait()
        return super().rerun_failed(run)


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> list[GatedControl]:
    return controls_made_as(monkeypatch, GatedControl)


def said(app: FlowtopApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


class LaunchGated(Protocol):
    """A run control whose launches wait at a gate: ``entered`` once one waits there."""

    entered: threading.Event


GatedT = TypeVar("GatedT", bound=LaunchGated)


async def r_on_waiting(pilot: Any, app: FlowtopApp, made: list[GatedT]) -> GatedT:
    """`r` on the flow ``waiting``, whose launch then waits at its control's gate."""
    app.flow_list.select_flow("waiting")
    await pilot.pause()
    (control,) = made
    await pilot.press("r")
    await wait_for(pilot, control.entered.is_set, "the launch to begin", GATE_TIMEOUT)
    return control


async def test_keys_and_timers_answer_while_r_waits_and_c_then_cancels_the_run_r_started(
    workspace: FakeWorkspace, calls: Calls, gated: list[GatedControl]
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        control = await r_on_waiting(pilot, app, gated)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "? while it waits", 2)
        await pilot.press("escape")
        # the app's timers run too: a launch that waits says so
        await wait_for(
            pilot,
            lambda: "Starting a run of waiting: waiting for the run store…" in said(app),
            "the starting toast",
            2,
        )
        assert not control.waited_out and not control.gate.is_set()  # still waiting
        await pilot.press("c")  # `rc`: cancels the run r is starting, once it has
        await pilot.pause(0.05)
        assert "Nothing is running here" not in said(app)
        control.gate.set()
        await wait_for(pilot, lambda: "Cancel run #1 of waiting?" in screen_text(app), "c's ask")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.table.run is not None, "the run to show")
        await wait_for(pilot, lambda: app.table.run.state is S.CANCELLED, "the cancel")
        assert control.launches == 1 and not control.waited_out


def failing_then_waiting_flow(calls: Calls, release: threading.Event) -> Flow:
    """Its task fails in the first run, and holds every rerun live until ``release``."""

    @task(max_retries=0)
    def step() -> None:
        if calls.bump("step") == 1:
            raise ConnectionError("down")
        release.wait(30)

    flow = Flow("flaky")
    flow.add_task(step)
    return flow


async def test_ff_while_the_first_rerun_waits_starts_one_rerun_and_says_so_after(
    tmp_path: Path, calls: Calls, gated: list[GatedControl]
) -> None:
    release = threading.Event()
    workspace = FakeWorkspace(tmp_path, {"flaky": failing_then_waiting_flow(calls, release)})
    app = FlowtopApp(workspace)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.pause()
            (control,) = gated
            control.gate.set()
            await pilot.press("r")
            await wait_for(pilot, lambda: app.table.run is not None, "the run to show")
            await wait_for(pilot, lambda: app.table.run.state is S.FAILED, "the run to fail")
            control.gate.clear()
            await pilot.press("f", "f")
            await wait_for(pilot, lambda: control.launches == 2, "the rerun's launch", 2)
            await pilot.pause(0.1)
            assert not control.waited_out and app.table.run.number == 1  # still waiting
            assert not any("cancel it first" in text for text in said(app))
            control.gate.set()
            await wait_for(
                pilot,
                lambda: any(text.startswith("Run #2 is") for text in said(app)),
                "the second f to say the rerun is under way",
            )
            assert any("cancel it first" in text for text in said(app)), said(app)
            await wait_for(pilot, lambda: app.table.run.number == 2, "the rerun to show")
            assert control.launches == 2  # one run, one rerun
            app.shutdown(cancel=True)
    finally:
        release.set()
        for runner in workspace.runners:
            runner.shutdown(wait=True)


ETL = """
from flowtop import Flow, task

@task
def extract():
    return [1, 2, 3]

@task(max_retries=0)
def load(rows):
    raise ConnectionError("warehouse down")

with Flow("etl") as flow:
    load(extract())
"""


async def test_f_on_a_store_another_process_holds_leaves_the_app_answering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real store, held by another connection as ``BEGIN EXCLUSIVE`` in a shell would:
    ``f`` waits for the store then says why it could not start, and meanwhile ``?``
    opens the help at once (the app stood still for the store's 5 s). The wait is
    shortened here (``HELD_WAIT_MS``): the test is about what the app does meanwhile."""
    from flowtop.workspace import Workspace

    shorten_held_store_waits(monkeypatch)

    (tmp_path / "etl.py").write_text(ETL)
    workspace = Workspace(tmp_path)
    workspace.load()
    runner = workspace.make_runner()
    runner.run(workspace.flows["etl"])  # run #1, failed: something for f to rerun
    runner.shutdown(wait=True)
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    holder: sqlite3.Connection | None = None
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
            app.flow_list.select_flow("etl")
            await wait_for(
                pilot,
                lambda: (run := app.store.latest_for("etl")) is not None and run.state is S.FAILED,
                "the stored failed run",
            )
            holder = sqlite3.connect(tmp_path / ".flowtop" / "history.db", isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")
            began = time.monotonic()
            await pilot.press("f")
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "? while f waits", 8)
            stood = time.monotonic() - began
            assert stood < HELD_WAIT_MS / 1000, "the app stood still while f waited"
            assert not any(text.startswith("Could not start the run") for text in said(app))
            await pilot.press("escape")
            await wait_for(
                pilot,
                lambda: any(held_for_text() in text for text in said(app)),
                "why the rerun could not start",
                10,
            )
            holder.rollback()
            app.shutdown(cancel=True)
    finally:
        if holder is not None:
            holder.close()
        workspace.close()


async def test_q_while_r_waits_asks_about_the_run_r_started(
    workspace: FakeWorkspace, calls: Calls, gated: list[GatedControl]
) -> None:
    """`rq` asked about the run r started: q waits for it, rather than quit without it."""
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        control = await r_on_waiting(pilot, app, gated)
        await pilot.press("q")
        await pilot.pause(0.1)
        assert app.is_running and not control.waited_out
        control.gate.set()
        await wait_for(pilot, lambda: "still running: waiting #1" in screen_text(app), "q's ask")
        app.shutdown(cancel=True)


class RefusedFirst(InProcessControl):
    """The first launch waits for ``gate`` (a store another window holds) and is refused."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate, self.entered, self.launches = threading.Event(), threading.Event(), 0

    def start(self, flow: str, parameters: Mapping[str, Any] | None = None) -> RunModel:
        self.launches += 1
        if self.launches == 1:
            self.entered.set()
            self.gate.wait(GATE_TIMEOUT)
            raise RunControlError("the run store is held: not started")
        return super().start(flow, parameters)


async def test_rc_after_a_refused_r_leaves_another_window_s_run_alone(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`c` waited for `r`'s launch, then took the flow's newest run: after a refusal, the
    run another window had started meanwhile ("Cancel run #1 of waiting?")."""
    made = controls_made_as(monkeypatch, RefusedFirst)
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        control = await r_on_waiting(pilot, app, made)
        await pilot.press("c")  # meant for the run r is starting
        InProcessControl.start(control, "waiting", None)  # another window's run, meanwhile
        other = lambda: app.store.latest_for("waiting") is not None  # noqa: E731 - a probe
        await wait_for(pilot, other, "the other window's run to show", GATE_TIMEOUT)
        control.gate.set()
        await wait_for(pilot, lambda: "Nothing is running here" in said(app), "c's answer", 3)
        assert "Cancel run" not in screen_text(app)


async def test_rrr_while_r_waits_asks_once(
    workspace: FakeWorkspace, calls: Calls, gated: list[GatedControl]
) -> None:
    """Each waiting `r` asked its own question once the launch landed: two stacked, and
    answering both started two more runs (a held screen gave the third `r` to the first)."""
    from flowtop.tui.screens.confirm import ConfirmScreen

    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        control = await r_on_waiting(pilot, app, gated)
        await pilot.press("r", "r")
        control.gate.set()
        asked = lambda: isinstance(app.screen, ConfirmScreen)  # noqa: E731 - a probe
        await wait_for(pilot, asked, "the question about the run r started", GATE_TIMEOUT)
        await pilot.pause(0.3)
        assert sum(isinstance(s, ConfirmScreen) for s in app.screen_stack) == 1
