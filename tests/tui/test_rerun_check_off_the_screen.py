"""`f` on a completed run asks what the code changed off the screen's thread, and the
footer offers `f` by the same answer.

`f` asked the process holding the code (``nothing_to_rerun``) on the screen's thread: up
to a second while the flow host was busy reading the run's stored results, with no key
and no clock meanwhile. And the footer looked only for tasks the code added, so after
``extract("/orders")`` was saved as ``extract("/customers")`` it left out the `f` that
reran it.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.run_actions import CheckedRerun
from flowtop.tui.run_control import RunControl
from pilot_kit import wait_for

from .conftest import FakeWorkspace, reload
from .test_rerun_added_task import a_rerun_of, completed, footer

S = StateType
#: How long a question held at the gate waits at most: a test that never opens it fails
#: instead of hanging.
GATE_TIMEOUT = 10.0
SAVED = "Reloaded sales.py (1 flow)"


def sales_flow(calls: Counter[str], table: str, hold: threading.Event) -> Flow:
    """``report(extract(table))``; ``extract("/customers")`` (the edit) waits for ``hold``:
    the rerun it makes stays live until the test lets it go on."""

    @task
    def extract(path: str) -> list[str]:
        calls[f"extract {path}"] += 1
        if path == "/customers":
            hold.wait(GATE_TIMEOUT)
        return [path]

    @task
    def report(rows: list[str]) -> str:
        calls["report"] += 1
        return f"{len(rows)} rows"

    with Flow("sales") as flow:
        report(extract(table))
    return flow


class SlowHost(FakeWorkspace):
    """A workspace whose ``nothing_to_rerun`` waits at ``gate`` while it is closed, as a
    flow host busy reading a run's stored results does."""

    def __init__(self, root: Path, flows: dict[str, Flow]) -> None:
        super().__init__(root, flows)
        self.gate = threading.Event()
        self.gate.set()
        self.asked: list[str] = []  # the run ids asked about, in turn
        self.held = 0  # the questions waiting at the gate now
        self._lock = threading.Lock()

    def nothing_to_rerun(self, flow: str, run_id: str) -> str | None:
        with self._lock:
            self.asked.append(run_id)
            self.held += 1
        self.gate.wait(GATE_TIMEOUT)
        with self._lock:
            self.held -= 1
        return super().nothing_to_rerun(flow, run_id)


def said(app: FlowtopApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_f_asks_off_the_screen_thread_and_ff_starts_one_rerun(tmp_path: Path) -> None:
    calls: Counter[str] = Counter()
    hold = threading.Event()
    ws = SlowHost(tmp_path, {"sales": sales_flow(calls, "/orders", hold)})
    app = FlowtopApp(ws, watch=True)
    try:
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            await pilot.pause()
            first = await completed(pilot, app)
            ws.gate.clear()  # the host is busy from now on
            ws.flows["sales"] = sales_flow(calls, "/customers", hold)
            await reload(pilot, app, ws, SAVED)
            await pilot.press("f", "f")  # returned: the screen was not held
            # the footer's question and the first f's, both held by the host
            await wait_for(pilot, lambda: ws.held == 2, "f's question to the host")
            assert app.table.cursor_key == "extract"
            await pilot.press("down")  # the screen answers meanwhile
            await wait_for(pilot, lambda: app.table.cursor_key == "report", "the cursor")
            assert app.table.run is first and not any("nothing" in s for s in said(app))

            ws.gate.set()
            await wait_for(
                pilot,
                lambda: any(text.startswith("Run #2 is") for text in said(app)),
                "the second f to say the rerun is under way",
            )
            assert any("cancel it first" in text for text in said(app)), said(app)
            hold.set()
            rerun = await a_rerun_of(pilot, app, first)
            assert rerun.number == 2 and not rerun.rows["extract"].reused
            # one rerun: the second f started none
            assert calls == {"extract /orders": 1, "extract /customers": 1, "report": 2}
    finally:
        ws.gate.set()
        hold.set()
        for runner in ws.runners:
            runner.shutdown(wait=True)


async def test_the_footer_offers_f_after_a_changed_call_as_the_host_says(
    tmp_path: Path,
) -> None:
    calls: Counter[str] = Counter()
    hold = threading.Event()
    hold.set()
    ws = SlowHost(tmp_path, {"sales": sales_flow(calls, "/orders", hold)})
    app = FlowtopApp(ws, watch=True)
    try:
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            await pilot.pause()
            first = await completed(pilot, app)
            await wait_for(pilot, lambda: ws.asked == [first.run_id], "the footer's question")
            await wait_for(pilot, lambda: "r Run" in footer(app), "the footer")
            assert "f Rerun failed" not in footer(app)  # the host said: nothing changed

            ws.gate.clear()
            ws.flows["sales"] = sales_flow(calls, "/customers", hold)
            await reload(pilot, app, ws, SAVED)
            await wait_for(pilot, lambda: ws.held == 1, "the question about the new code")
            for _ in range(3):  # drawn again and again meanwhile: asked once
                app.key_bar.refresh()
                await pilot.pause()
            assert "f Rerun failed" not in footer(app)  # not known yet: no task was added
            assert ws.asked == [first.run_id] * 2
            ws.gate.set()
            await wait_for(pilot, lambda: "f Rerun failed" in footer(app), "f: a call changed")

            ws.flows["sales"] = sales_flow(calls, "/orders", hold)  # the call as it ran
            await reload(pilot, app, ws, SAVED)
            await wait_for(pilot, lambda: "f Rerun failed" not in footer(app), "f to go")
            assert ws.asked == [first.run_id] * 3
            assert app.table.run is first and calls == {"extract /orders": 1, "report": 1}
    finally:
        ws.gate.set()
        for runner in ws.runners:
            runner.shutdown(wait=True)


def test_a_slow_check_says_what_the_rerun_waits_for() -> None:
    """Its toast after a second said "waiting for the run store…" while the host was
    asked what changed; once it has answered, the store is what the rerun waits for."""

    def start(control: RunControl) -> RunModel:
        raise AssertionError("not started here")

    rerun = CheckedRerun("a rerun of run #1 of sales", start)
    assert rerun.waiting == (
        "Starting a rerun of run #1 of sales: checking what the code changed since…"
    )
    rerun.asking = False
    assert rerun.waiting == "Starting a rerun of run #1 of sales: waiting for the run store…"
