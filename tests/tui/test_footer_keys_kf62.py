"""Keys the footer does not offer, pressed anyway.

While a run was *starting* (its process importing the flow file) the footer offered
`f Rerun failed` and `t Rerun task`, which only said `Run #2 is starting: press c to
cancel it first`; for a running run it leaves them out, and now for a starting one too.

From the flows list, whose footer offers no task key, `t` reran the task under the
(unfocused) table's cursor, `e` opened its retry editor, `o` and `y` said they need an
error: the keys that act on the table's task (``TASK_ACTIONS``) act from the task table
and its detail pane only, by the rule the footer follows (``KeyActions.off_pane_actions``).
The palette still runs them, on the table's task, which it focuses.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.bindings import FOOTER_KEYS, TASK_ACTIONS
from flowtop.tui.run_control import InProcessControl
from flowtop.workspace.run_log import LogEvent
from pilot_kit import footer_labels, wait_for

from .conftest import FakeWorkspace, controls_made_as, run_demo, run_demo_then_flows_list

SIZE = (120, 36)


class HeldControl(InProcessControl):
    """Runs here, its runs' events held back while ``holding``: a run process still
    importing its flow file, launched (its number known) but silent."""

    def __init__(self, workspace: Any, sink: Any, **options: Any) -> None:
        self._sink = sink
        self._held: list[LogEvent] = []
        self._lock = threading.Lock()
        self.holding = False
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


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> list[HeldControl]:
    return controls_made_as(monkeypatch, HeldControl)


async def test_a_starting_run_offers_no_rerun_as_a_running_one_does(
    workspace: FakeWorkspace, held: list[HeldControl]
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        await run_demo(pilot, app)
        await wait_for(
            pilot, lambda: "f" in footer_labels(app) and "t" in footer_labels(app), "f and t"
        )
        (control,) = held
        control.holding = True
        await pilot.press("r")
        await wait_for(pilot, lambda: "run #2 starting" in str(app.header.render()), "starting")
        footer = footer_labels(app)
        assert "f" not in footer and "t" not in footer, footer  # old: both offered
        assert footer.get("c") == "Cancel", footer
        await pilot.press("left")
        await wait_for(pilot, lambda: app.focused is app.flow_list, "the flows list")
        assert "f" not in footer_labels(app), footer_labels(app)
        control.release()
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.number == 2,
            "run #2 shown",
        )
        await wait_for(pilot, lambda: app.table.run.state is StateType.FAILED, "run #2 ended")
        await wait_for(pilot, lambda: "f" in footer_labels(app), "f offered again")


async def test_task_keys_do_nothing_from_the_flows_list_whose_footer_leaves_them_out(
    workspace: FakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        await run_demo(pilot, app)
        await wait_for(pilot, lambda: "t" in footer_labels(app), "t offered in the table")
        await pilot.press("left")
        await wait_for(pilot, lambda: app.focused is app.flow_list, "the flows list")
        footer = footer_labels(app)
        assert not {"t", "e", "o", "y", "n", "x"} & set(footer), footer
        acted: list[str] = []
        monkeypatch.setattr(app, "_queue", lambda *a, **k: acted.append("queue"))
        monkeypatch.setattr(app, "notify", lambda *a, **k: acted.append(f"notify {a}"))
        monkeypatch.setattr(app, "push_screen", lambda *a, **k: acted.append("screen"))
        for key in ("t", "e", "o", "y", "n", "x"):
            await pilot.press(key)
        await pilot.press("right")  # after them all: their actions have run, if any did
        await wait_for(pilot, lambda: app.focused is app.table or acted, "the table")
        assert acted == []  # old: a rerun queued by `t`, the retry editor opened by `e`, …
        assert app.focused is app.table
        await pilot.press("left")
        await wait_for(pilot, lambda: app.focused is app.flow_list, "the flows list")
        assert app.footer_hidden_actions() >= TASK_ACTIONS  # the rule the keys follow


async def test_the_palette_runs_a_task_key_from_the_flows_list_on_the_tables_task(
    workspace: FakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo_then_flows_list(pilot, app)
        queued: list[object] = []
        monkeypatch.setattr(app, "_queue", queued.append)
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Rerun task")
        await command.callback()
        await wait_for(pilot, lambda: queued, "the rerun of the table's task")
        assert app.focused is app.table  # the task it reran is the one shown focused


def test_the_flows_footer_offers_no_task_key() -> None:
    flows = {action for action, _ in FOOTER_KEYS["flows"]}
    tasks = {action for action, _ in FOOTER_KEYS["tasks"]}
    assert tasks >= TASK_ACTIONS and not TASK_ACTIONS & flows
