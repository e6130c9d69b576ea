"""The footer offers a key only where it acts: `f` not on a flow that never ran, nor on
one whose last run completed or still runs; `e t o y` not without a task; `o y` not on a
task without an error; `n x` not on a task that does not await its retry.

Each of them, pressed there, only said why it could not act (as it still does when
typed): the footer offered `f Rerun failed` on a flow that never ran, and `e t o y`
with an empty table.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.dom import NoScreen
from textual.screen import Screen

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.keymap import KeyContext, idle_actions
from flowtop.tui.model import RunModel
from flowtop.tui.widgets.key_bar import KeyBar
from flowtop.tui.widgets.task_table import TaskTable
from pilot_kit import screen_text, toasts_said, wait_for

from .conftest import FakeWorkspace
from .snapshot_apps import HostApp

S = StateType
TASK_KEYS = ("e Edit retry", "t Rerun task", "o Open", "y Copy")


def footer(app: App[Any]) -> str:
    return screen_text(app).splitlines()[-1]


@pytest.mark.parametrize(
    ("context", "idle", "acting"),
    [
        (  # a flow that never ran, its first task selected
            KeyContext(flow=True, task=True, task_in_flow=True),
            {"rerun_failed", "rerun_task", "open_editor", "copy_error", "retry_now"},
            {"run", "edit_retry"},
        ),
        (  # its last run completed: nothing failed to rerun, a task can be
            KeyContext(flow=True, last_run=S.COMPLETED, task=True, task_in_flow=True),
            {"rerun_failed"},
            {"run", "rerun_task", "edit_retry"},
        ),
        (  # it failed, on a task with an error
            KeyContext(flow=True, last_run=S.FAILED, task=True, task_in_flow=True, task_error=True),
            {"retry_now", "give_up"},
            {"rerun_failed", "rerun_task", "edit_retry", "open_editor", "copy_error"},
        ),
        (  # it still runs (a rerun waits for its end), on a task awaiting its retry
            KeyContext(
                flow=True,
                last_run=S.RUNNING,
                task=True,
                task_in_flow=True,
                task_error=True,
                task_waiting=True,
            ),
            {"rerun_failed", "rerun_task"},
            {"retry_now", "give_up", "open_editor", "copy_error", "edit_retry"},
        ),
        (  # an empty table (a filter that matches nothing, a @flow before its tasks)
            KeyContext(flow=True, last_run=S.FAILED),
            {"edit_retry", "rerun_task", "open_editor", "copy_error"},
            {"run", "rerun_failed"},
        ),
        (  # a task a reload took out of the flow: `t` has nothing to rerun from
            KeyContext(flow=True, last_run=S.FAILED, task=True),
            {"rerun_task"},
            {"edit_retry", "rerun_failed"},
        ),
        (  # a file that failed to load: no flow to run
            KeyContext(),
            {"run", "run_with_parameters", "rerun_failed", "rerun_task", "edit_retry"},
            set(),
        ),
    ],
)
def test_idle_actions_are_the_keys_that_would_only_say_why(
    context: KeyContext, idle: set[str], acting: set[str]
) -> None:
    found = idle_actions(context)
    assert idle <= found, idle - found
    assert not acting & found, acting & found


async def test_the_footer_offers_f_e_t_o_y_only_where_they_act(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(160, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: "r Run" in footer(app), "the footer")
        assert app.selected_flow == "demo" and app.table.cursor_key == "extract"
        never_ran = footer(app)
        assert "e Edit retry" in never_ran, never_ran  # a task is selected
        for absent in ("f Rerun failed", "t Rerun task", "o Open", "y Copy"):
            assert absent not in never_ran, never_ran  # old: all four
        await pilot.press("f")  # typed, it still says why, in one line
        await wait_for(pilot, lambda: app._notifications, "a toast")
        said = [n.message for n in app._notifications]
        assert said == ["No run of demo to rerun yet: press r to run it"], said

        await pilot.press("r")
        await wait_for(
            pilot, lambda: app.table.run is not None and app.table.run.state is S.FAILED, "a run"
        )
        await wait_for(pilot, lambda: "f Rerun failed" in footer(app), "f once the run failed")
        assert "t Rerun task" in footer(app) and "o Open" not in footer(app), footer(app)

        assert app.table.move_to("broken")  # the cursor alone: no focus change, no run event
        await wait_for(pilot, lambda: "o Open" in footer(app), "o on a task with an error")
        assert "y Copy" in footer(app), footer(app)
        assert app.table.move_to("load")
        await wait_for(pilot, lambda: "o Open" not in footer(app), "o to go with the error")

        await pilot.press("slash", "z", "backslash", "z", "enter")  # matches nothing
        await wait_for(pilot, lambda: app.table.cursor_key is None, "an empty table")
        await wait_for(pilot, lambda: "e Edit retry" not in footer(app), "the task keys to go")
        empty = footer(app)
        assert "f Rerun failed" in empty and "r Run" in empty, empty  # the flow's keys stay
        assert not any(key in empty for key in TASK_KEYS), empty  # old: e t o y
        with toasts_said(app) as said:
            await pilot.press("t", "e")  # typed anyway: each says why (t said nothing; e: @flow)
            await wait_for(pilot, lambda: len(said) == 2, "two toasts")
        hidden = "No task of demo matches the filter 'z\\z': Esc clears it"  # (a repr: 'z\\\\z')
        assert said == [hidden, hidden]


async def test_a_file_that_failed_to_load_offers_no_run_key(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: "r Run" in footer(app), "the footer")
        await pilot.press("left", "G")  # the flows list's last entry: broken.py's error
        await wait_for(pilot, lambda: app.selected_error is not None, "the load error")
        await wait_for(pilot, lambda: "r Run" not in footer(app), "r to go")
        assert "h History" not in footer(app) and "? Help" in footer(app), footer(app)


class OwnKeysScreen(Screen[None]):
    """A screen with a key of its own whose action has the name of a hidden app action."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("y", "copy_error", "Mine")]

    def compose(self) -> ComposeResult:
        yield KeyBar(lambda: ([("y", "Mine")], []), id="own")

    def action_copy_error(self) -> None:
        pass


async def test_a_screens_own_key_stays_while_the_app_hides_its_action(
    workspace: FakeWorkspace,
) -> None:
    """The app's footer leaves its keys out where its entries are made (``footer_keys``):
    a bar draws what it is given, and another screen's keys are that screen's own."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: "r Run" in footer(app), "the footer")
        assert "copy_error" in app.footer_hidden_actions()  # the task has no error
        assert "y Copy" not in footer(app)
        await app.push_screen(OwnKeysScreen())
        await pilot.pause()
        assert "y Mine" in app.screen.query_one(KeyBar).render().plain


class TableScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield TaskTable()


async def test_the_table_says_its_keys_changed_when_its_run_ends() -> None:
    """A run that ended between two of the app's ticks flipped none of the signs it
    watched: `f` stayed out of the footer. The table's tick says so itself."""
    said: list[Screen[Any]] = []
    app = HostApp(TableScreen)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(TaskTable)
        app.screen.bindings_updated_signal.subscribe(app.screen, said.append, immediate=True)
        run = RunModel("etl", ["extract"])
        run.state = StateType.RUNNING
        table.show_run(run)
        said.clear()
        table.tick()
        assert said == []  # nothing changed
        run.state = StateType.FAILED
        table.tick()
        assert said == [app.screen]


async def test_a_run_shown_on_a_table_whose_screen_is_gone_raises_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The app quitting while a run's events still arrive: showing the run asked a
    screen that was gone to refresh its keys (NoScreen ended bench_tui's app)."""
    app = HostApp(TableScreen)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(TaskTable)

        def gone(_node: object) -> Screen[Any]:
            raise NoScreen("node has no screen")

        monkeypatch.setattr(TaskTable, "screen", property(gone))
        table.show_run(RunModel("etl", ["extract"]))  # raised NoScreen
        monkeypatch.undo()
