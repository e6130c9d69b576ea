"""A request for a live run (``c``, ``n``, ``x``, quitting with "cancel") freezes nothing.

Each request is a write to the run store, and that write waits while another process
holds the store (up to 5 s). Made on the event loop, the wait froze the whole app, and
quitting with "cancel" on a held store ended in a traceback. Requests now go through the
launches' thread (``launch_queue``), in turn with the launches and in key order.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.run_control import InProcessControl
from flowtop.tui.screens.confirm import ConfirmScreen
from flowtop.tui.screens.help import HelpScreen
from flowtop.tui.screens.quit import QuitScreen
from flowtop.workspace import Workspace
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import wait_for

from .conftest import Calls, FakeWorkspace, controls_made_as
from .short_store_waits import PATIENT_WAIT_MS, shorten_held_store_waits

S = StateType
SIZE = (120, 36)
#: How long a gated request waits at most: an app that waits on its own loop is stuck
#: that long, and the test then fails instead of hanging (room for a loaded machine).
GATE_TIMEOUT = 10.0

#: ``waiter`` fails its first attempt and waits a minute for its retry; then succeeds.
FLOW = """
from pathlib import Path
from flowtop import Flow, task

@task(max_retries=3, retry_delay=60)
def waiter():
    tried = Path({tried!r})
    if not tried.exists():
        tried.write_text("")
        raise ConnectionError("down")
    return "done"

with Flow("slow") as flow:
    waiter()
"""


def said(app: FlowtopApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def waiting_for_retry(app: FlowtopApp) -> bool:
    run = app.table.run
    row = run.rows.get("waiter") if run is not None else None
    return row is not None and row.state is S.AWAITING_RETRY


@pytest.fixture
def slow(tmp_path: Path) -> Iterator[Workspace]:
    (tmp_path / "slow.py").write_text(FLOW.format(tried=str(tmp_path / "tried")))
    workspace = Workspace(tmp_path)
    workspace.load()
    yield workspace
    workspace.close()


def hold(workspace: Workspace) -> sqlite3.Connection:
    """The run store, held by another connection as ``BEGIN EXCLUSIVE`` in a shell would."""
    holder = sqlite3.connect(workspace.state_dir / "history.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


async def start_and_wait_for_the_retry(pilot: Any, app: FlowtopApp) -> None:
    await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
    app.flow_list.select_flow("slow")
    await pilot.press("r")
    await wait_for(pilot, lambda: waiting_for_retry(app), "waiter to await its retry", 30)


async def help_answers_while_it_waits(pilot: Any, app: FlowtopApp) -> None:
    """``?`` opens the help while the request still waits for the store (it was read
    only once the write had given up, 5 s later, and said `Could not …`)."""
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "? while it waits", 8)
    assert app._launches.current is not None, "the app stood still while it waited"
    assert not any(text.startswith("Could not") for text in said(app)), said(app)
    await pilot.press("escape")


@pytest.mark.parametrize(
    ("keys", "ends"), [(("c", "y"), S.CANCELLED), (("n",), S.COMPLETED), (("x",), S.FAILED)]
)
async def test_a_request_on_a_held_store_leaves_the_app_answering_then_is_made(
    slow: Workspace, keys: tuple[str, ...], ends: StateType, monkeypatch: pytest.MonkeyPatch
) -> None:
    shorten_held_store_waits(monkeypatch, PATIENT_WAIT_MS)  # let go before it gives up
    app = FlowtopApp(slow, watch=False, run_processes=True)
    holder: sqlite3.Connection | None = None
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await start_and_wait_for_the_retry(pilot, app)
            holder = hold(slow)
            await pilot.press(keys[0])
            if keys[1:]:  # c asks first; the write follows the answer
                await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "c's ask")
                await pilot.press(*keys[1:])
            await help_answers_while_it_waits(pilot, app)
            holder.rollback()  # let go: the request is then made
            await wait_for(
                pilot,
                lambda: app.table.run is not None and app.table.run.state is ends,
                f"the run to end {ends.value}",
                20,
            )
            app.shutdown(cancel=True)
    finally:
        if holder is not None:
            holder.close()


async def test_quit_with_cancel_on_a_held_store_stays_says_why_then_quits_once_it_can(
    slow: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It stood still 5 s, then ended in a traceback with the run left going. (The cancel
    gives up on the held store sooner here: the test is about what the app does.)"""
    shorten_held_store_waits(monkeypatch)
    app = FlowtopApp(slow, watch=False, run_processes=True)
    holder: sqlite3.Connection | None = None
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await start_and_wait_for_the_retry(pilot, app)
            await pilot.press("q")
            await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen), "q's ask")
            holder = hold(slow)
            await pilot.press("c")
            await help_answers_while_it_waits(pilot, app)
            failed = "Could not cancel the runs started here: "
            await wait_for(
                pilot, lambda: any(text.startswith(failed) for text in said(app)), "why not", 10
            )
            assert app.is_running and app.table.run is not None and app.table.run.is_live
            holder.rollback()
            await pilot.press("q")
            await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen), "q's ask again")
            await pilot.press("c")
            await wait_for(pilot, lambda: app.return_code == 0, "the app to quit")
        reader = StoreReader(slow.state_dir / "history.db")
        deadline = time.monotonic() + 20  # the run process takes the cancel on its own time
        while [r.state for r in reader.runs("slow")] != ["CANCELLED"]:
            assert time.monotonic() < deadline, reader.runs("slow")
            time.sleep(0.05)
    finally:
        if holder is not None:
            holder.close()


class GatedRequests(InProcessControl):
    """Runs in this process, but each ``retry_now`` and ``give_up`` first waits for its
    gate: a store held by another process, without the 5 s. (One gate each: opened
    together, ``x`` could reach the run before the driver had started ``n``'s attempt,
    and give that retry up.)"""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gates = {"retry_now": threading.Event(), "give_up": threading.Event()}
        self.entered = threading.Event()
        self.waited_out = False  # a request that gave up on the gate: nothing released it
        self.asked: list[str] = []

    def _wait(self, what: str) -> None:
        self.asked.append(what)
        self.entered.set()
        if not self.gates[what].wait(GATE_TIMEOUT):
            self.waited_out = True

    def retry_now(self, run: RunModel, key: str, attempt: int | None = None) -> bool:
        self._wait("retry_now")
        return super().retry_now(run, key, attempt)

    def give_up(self, run: RunModel, key: str, attempt: int | None = None) -> bool:
        self._wait("give_up")
        return super().give_up(run, key, attempt)


async def test_n_then_x_while_n_waits_act_in_order_and_the_wait_is_said(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`nx`: x waits for n, then finds the task no longer waiting (n retried it). Made on
    the event loop, n held the app until the gate gave up."""
    made = controls_made_as(monkeypatch, GatedRequests)
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.flow_list.select_flow("waiting")
        await pilot.pause()
        (control,) = made
        await pilot.press("r")
        await wait_for(pilot, lambda: app.table.run is not None, "the run to show")
        await wait_for(pilot, lambda: app.table.run.rows["waiter"].state is S.AWAITING_RETRY, "⟳")
        await pilot.press("n")
        await wait_for(pilot, control.entered.is_set, "n's request to begin", GATE_TIMEOUT)
        await pilot.press("x")
        # the app's timers run meanwhile: a request that waits says so
        await wait_for(
            pilot,
            lambda: "Asking to retry waiter now: waiting for the run store…" in said(app),
            "the waiting toast",
            GATE_TIMEOUT / 2,
        )
        assert control.asked == ["retry_now"] and not control.waited_out
        control.gates["retry_now"].set()
        await wait_for(pilot, lambda: app.table.run.state is S.COMPLETED, "the retry to run")
        control.gates["give_up"].set()
        # x's answer: the retried waiter no longer waits, or its run has ended already
        moved_on = ("waiter is no longer awaiting a retry", "Nothing is running here")
        await wait_for(pilot, lambda: any(t in said(app) for t in moved_on), "x's answer")
        assert control.asked == ["retry_now", "give_up"] and not control.waited_out
        assert calls.counts["waiter"] == 2
