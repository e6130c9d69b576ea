"""Pilot tests of the main screen: one per key, each asserting what the key did."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Button, DataTable

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.help import HelpScreen
from flowtop.tui.screens.history import HistoryScreen
from flowtop.tui.screens.retry_editor import RetryEditor
from flowtop.tui.widgets.flow_list import FlowList
from pilot_kit import screen_text, toasts_said, wait_for, wait_for_text

from .conftest import Calls, FakeChange, FakeLoadError, FakeWorkspace

S = StateType
SIZE = (120, 36)


def make_app(workspace: FakeWorkspace) -> FlowtopApp:
    return FlowtopApp(workspace)


async def run_demo(pilot, app: FlowtopApp) -> None:
    await pilot.press("r")
    await wait_for(
        pilot,
        lambda: app.table.run is not None and app.table.run.state is S.FAILED,
        "the demo run to fail",
    )


async def start_waiting(pilot, app: FlowtopApp) -> None:
    """Run the `waiting` flow until its task sits in a (long) retry wait."""
    app.query_one(FlowList).select_flow("waiting")
    await pilot.press("r")
    await wait_for(
        pilot,
        lambda: (
            app.table.run is not None and app.table.run.rows["waiter"].state is S.AWAITING_RETRY
        ),
        "the retry wait",
    )


async def test_first_screen_lists_flows_and_the_broken_file(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "demo" in text and "waiting" in text
        assert "✗ broken.py" in text
        assert "· Not run" in text  # the demo flow's tasks before any run
        assert "extract" in text


async def test_r_runs_the_flow_and_rows_follow_the_events(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        run = app.table.run
        assert run.number == 1
        assert run.rows["extract"].state is S.COMPLETED
        assert run.rows["flaky"].attempt == 2 and run.rows["flaky"].state is S.COMPLETED
        assert run.rows["report"].state is S.UPSTREAM_FAILED
        text = await wait_for_text(pilot, app, "⊘ Upstream failed", "2/3")
        assert "✓ Completed" in text and "✗ Failed" in text and "⊘ Upstream failed" in text
        assert "2/3" in text  # flaky: attempt 2 of max 3


async def test_markup_in_an_error_is_shown_verbatim(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        assert app.table.move_to("broken")
        text = await wait_for_text(pilot, app, "about to fail")
        assert "ValueError: [bold]oops[/ [red]unclosed" in text  # table and detail pane
        assert "about to fail" in text  # captured output in the detail pane
        app.notify("ValueError: [bold]oops[/ [red]unclosed", markup=False)
        app.apply_change(FakeChange("flows/x.py:1: [bold]oops[/", errors=["x"]))
        await wait_for(
            pilot, lambda: "flows/x.py:1: [bold]oops[/" in screen_text(app), "the error toast"
        )


async def test_f_reruns_failed_with_completed_tasks_reused(workspace: FakeWorkspace, calls) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        first = app.table.run
        await pilot.press("f")
        await wait_for(
            pilot,
            lambda: app.table.run is not first and app.table.run.state is S.FAILED,
            "the rerun",
        )
        rerun = app.table.run
        assert rerun.number == 2 and rerun.rerun_of == first.run_id
        assert {k for k, r in rerun.rows.items() if r.reused} == {"extract", "flaky", "load"}
        assert calls.counts["extract"] == 1 and calls.counts["broken"] == 2
        assert "↺ Reused" in await wait_for_text(pilot, app, "↺ Reused")


async def test_t_reruns_the_selected_task_and_its_downstream(
    workspace: FakeWorkspace, calls
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        first = app.table.run
        assert app.table.move_to("extract")
        await pilot.press("t")
        await wait_for(
            pilot,
            lambda: app.table.run is not first and not app.table.run.is_live,
            "the task rerun",
        )
        rerun = app.table.run
        assert not rerun.rows["extract"].reused and not rerun.rows["load"].reused
        assert rerun.rows["flaky"].reused
        assert calls.counts["extract"] == 2 and calls.counts["flaky"] == 2  # flaky not run again


async def test_n_starts_the_next_attempt_now(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.click("#flows")
        await start_waiting(pilot, app)
        await wait_for(  # a 60 s wait counting down, and the detail pane's account of it
            pilot,
            lambda: "⟳ Retry in 5" in screen_text(app) and "Delay:" in screen_text(app),
            "the countdown and the delay shown",
        )
        app.table.focus()
        await pilot.press("n")
        await wait_for(
            pilot, lambda: app.table.run.state is S.COMPLETED, "the retried run to complete"
        )
        assert app.table.run.rows["waiter"].attempt == 2


async def test_x_gives_up_on_a_waiting_task(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_waiting(pilot, app)
        await pilot.press("x")
        await wait_for(
            pilot, lambda: app.table.run.rows["waiter"].state is S.FAILED, "the task to fail"
        )
        assert app.table.run.state is S.FAILED
        assert "✗ Failed" in await wait_for_text(pilot, app, "✗ Failed")


async def test_n_on_a_task_not_waiting_only_warns(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        before = app.table.run
        await pilot.press("n", "x")
        await wait_for_text(pilot, app, "awaiting retry")
        assert app.table.run is before
        assert "awaiting retry" in screen_text(app)


async def test_c_cancels_after_confirmation(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_waiting(pilot, app)
        await pilot.press("c")
        await wait_for(
            pilot, lambda: "ConfirmScreen" in type(app.screen).__name__, "the confirmation"
        )
        assert app.table.run.is_live  # nothing happens before the answer
        await pilot.press("y")
        await wait_for(pilot, lambda: app.table.run.state is S.CANCELLED, "the run to be cancelled")
        assert app.table.run.rows["waiter"].state is S.CANCELLED


async def test_the_footer_follows_the_focused_pane_after_a_dialog_closes(
    workspace: FakeWorkspace,
) -> None:
    """The bar was drawn for the dialog's field while it was open (the table's keys), and
    nothing redrew it for the flows list the focus went back to."""
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("left")
        await pilot.press("?")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), "it to close")
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "→ Tasks" in footer and "Retry now" not in footer, footer


async def test_enter_on_the_editors_cancel_button_cancels(workspace: FakeWorkspace) -> None:
    """The form took Enter and a space typed on a button as keys for its first field:
    Enter on a focused Cancel saved what was typed, and Clear override could not be
    pressed from the keyboard."""
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        assert app.table.move_to("broken")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the editor")
        await pilot.press("end", "backspace", "8")
        app.screen.query_one("#cancel", Button).focus()
        await pilot.press("space", "x", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, RetryEditor), "it to close")
        assert workspace.overrides == {}  # nothing saved


async def test_e_opens_the_editor_and_the_table_shows_the_new_policy(
    workspace: FakeWorkspace,
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        assert app.table.move_to("broken")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the editor")
        # What the editor does on save, then its dismissal with True:
        workspace.set_override("demo", "broken", max_retries=5)
        app.screen.dismiss(True)
        await wait_for(
            pilot, lambda: not isinstance(app.screen, RetryEditor), "the editor to close"
        )
        text = await wait_for_text(pilot, app, "5×", "overrides")
        assert (
            "5×" in text and "overrides" in text
        )  # policy column and the layer in the detail pane


async def test_slash_filters_rows_by_name_or_state(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        await pilot.press("slash", *"fail")
        await wait_for(pilot, lambda: app.table.keys == ["broken", "report"], "the filter")
        assert app.table.keys == ["broken", "report"]  # "Failed" and "Upstream failed"
        await pilot.press("enter")
        assert app.table.has_focus and app.table.keys == ["broken", "report"]
        await pilot.press("slash", *["backspace"] * 4, *"lo", "enter")
        await wait_for(pilot, lambda: app.table.keys == ["load"], "the new filter")
        assert app.table.keys == ["load"]
        await pilot.press("slash", "escape")
        await wait_for(pilot, lambda: len(app.table.keys) == 5, "the filter cleared")
        assert len(app.table.keys) == 5


async def test_s_cycles_the_sort_order(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        assert app.table.keys == ["extract", "flaky", "load", "broken", "report"]
        await pilot.press("s")
        assert app.table.sort == "state" and app.table.keys[0] == "broken"
        await pilot.press("s")
        assert app.table.keys == sorted(app.table.keys)
        await pilot.press("s", "s")
        assert app.table.sort == "definition" and app.table.keys[0] == "extract"


async def test_h_opens_history(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "the history screen")


async def test_question_mark_shows_every_key(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        text = await wait_for_text(pilot, app, "Rerun failed", "Give up")
        assert "Rerun failed" in text and "Give up" in text


async def test_a_toggles_auto_rerun_on_save(workspace: FakeWorkspace, calls) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        first = app.table.run
        await pilot.press("a")
        assert app.auto_rerun
        assert workspace.changes is not None
        workspace.changes.put_nowait(FakeChange("Reloaded demo.py (1 flow)", flows=["demo"]))
        await wait_for(  # (not the rows shown while the rerun imports: no run yet)
            pilot,
            lambda: app.table.run.rerun_of == first.run_id and not app.table.run.is_live,
            "the automatic rerun",
        )
        await wait_for(
            pilot, lambda: "Reloaded demo.py (1 flow)" in screen_text(app), "the reload toast"
        )
        await pilot.press("a")
        assert not app.auto_rerun


async def test_auto_rerun_after_a_cancelled_run_says_why_nothing_ran(
    workspace: FakeWorkspace, calls
) -> None:
    """A save after a cancelled run reloaded the flow and ran nothing, without a word:
    auto-rerun reruns failed tasks, and a cancelled run has none."""
    from flowtop.engine.states import StateType

    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        first = app.table.run
        first.state = StateType.CANCELLED  # as a run cancelled with `c` ends
        await pilot.press("a")
        assert workspace.changes is not None
        workspace.changes.put_nowait(FakeChange("Reloaded demo.py (1 flow)", flows=["demo"]))
        said = "Auto-rerun: demo's last run was cancelled, not failed: f reruns it"
        await wait_for(
            pilot,
            lambda: said in [n.message for n in app._notifications],
            "the reason no rerun started",
        )
        assert app.table.run is first


async def test_an_empty_folder_says_where_no_flows_were_found(tmp_path: Path) -> None:
    """Opened in the wrong folder, the user sees which one it was."""
    app = make_app(FakeWorkspace(tmp_path, {}))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "No flows found" in str(app.header.render()), "the header")
        said = str(app.header.render())  # the header's text, before any wrapping
        assert said.startswith(f"No flows found in {tmp_path}: add a .py file"), said


async def test_a_folder_of_prefect_flows_says_how_to_read_them(tmp_path: Path) -> None:
    workspace = FakeWorkspace(tmp_path, {})
    workspace.unread_prefect = ["etl.py"]
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "No flows found" in str(app.header.render()), "the header")
        said = str(app.header.render())
        assert said == (
            f"No flows found in {tmp_path}: etl.py imports prefect: run flowtop with "
            "--prefect-compat, or set [workspace] prefect_compat = true in flowtop.toml"
        )


async def test_the_flows_list_stops_at_its_ends(workspace: FakeWorkspace) -> None:
    """`k` on its first row went to its last (Textual's list wraps; the table does not)."""
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        flows = app.query_one(FlowList)
        await pilot.press("left", "home", "k")
        assert flows.highlighted == 0
        await pilot.press("end", "j")
        assert flows.highlighted == flows.option_count - 1


async def test_the_highlighted_flow_is_drawn_in_the_cursor_s_colours(
    workspace: FakeWorkspace,
) -> None:
    """Its ✗ stayed red on the highlight's blue (1.08:1; green on cyan with 16 colours):
    the one flow being looked at was the one whose state could not be read."""
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await run_demo(pilot, app)
        flows = app.query_one(FlowList)

        def coloured(index: int) -> bool:
            prompt = flows.get_option_at_index(index).prompt
            return isinstance(prompt, Text) and bool(prompt.spans or prompt.style)

        assert flows.highlighted == 0 and str(flows.get_option_at_index(0).prompt)[0] == "✗"
        broken = flows.option_count - 1  # "✗ broken.py", in red
        assert not coloured(0) and coloured(broken)
        await pilot.press("left", "end")
        assert flows.highlighted == broken and coloured(0) and not coloured(broken)


async def test_a_broken_file_is_listed_with_its_error(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        flows = app.query_one(FlowList)
        flows.focus()
        await pilot.press("end")
        error = "broken.py:3: SyntaxError: invalid syntax [unclosed"
        text = await wait_for_text(pilot, app, error)
        assert app.selected_error is not None
        assert error in text
        with toasts_said(app) as said:
            await pilot.press("r")  # nothing to run here: a warning, no crash
            await wait_for(pilot, lambda: said, "the warning")
        assert not workspace.runners[0].active_runs
        assert any(
            n.message.startswith("broken.py failed to load, so it has no flow yet")
            for n in app._notifications
        )


async def test_a_selected_broken_file_shows_its_new_error_after_a_reload(
    workspace: FakeWorkspace,
) -> None:
    """Saved broken again, it kept showing its old error, and the table switched to the
    flow selected before it, under the file's header."""
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        app.flow_list.focus()
        await pilot.press("end")
        await wait_for(pilot, lambda: app.selected_error is not None, "the file selected")
        [path] = workspace.errors
        workspace.errors[path] = FakeLoadError(path, 7, "RuntimeError: two")
        app.apply_change(FakeChange("broken.py:7: RuntimeError: two", errors=["broken.py"]))
        text = await wait_for_text(pilot, app, "broken.py:7: RuntimeError: two")
        assert "broken.py:7: RuntimeError: two" in text and "unclosed" not in text, text
        assert app.selected_error == str(path) and app.table.run is None


async def test_r_in_a_folder_without_flows_says_how_to_add_one(tmp_path: Path) -> None:
    """It said "this file failed to load", and no file had."""
    app = make_app(FakeWorkspace(tmp_path, {}))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(pilot, lambda: app._notifications, "the toast")
        assert [n.message for n in app._notifications] == [
            "No flows here yet: save a .py file that defines a Flow in this folder"
        ]


async def test_a_broken_settings_file_says_the_last_good_settings_stay(
    workspace: FakeWorkspace,
) -> None:
    """Not "the last good version of its flows": a settings file has none."""
    toml = workspace.root / "flowtop.toml"
    workspace.errors = {toml: FakeLoadError(toml, 2, "[defaults]: max_retries must be an integer")}
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.query_one(FlowList).focus()
        await pilot.press("end")
        text = await wait_for_text(pilot, app, "The last good settings stay in use")
        assert "The last good settings stay in use" in text
        assert "version of its flows" not in text
        with toasts_said(app) as said:
            await pilot.press("r")  # nor "it failed to load, so it has no flow yet"
            await wait_for(pilot, lambda: said, "the toast")
        assert [n.message for n in app._notifications][-1] == (
            "flowtop.toml holds settings, not a flow: select a flow in the list to run it"
        )


async def test_q_quits_and_leaves_no_threads(workspace: FakeWorkspace) -> None:
    before = set(threading.enumerate())  # (a store another test left open is not this app's)
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_waiting(pilot, app)
        handle = next(iter(app.control.handles.values()))
        await pilot.press("q")  # a live run: q asks first, never cancels silently
        await wait_for_text(pilot, app, "Quitting cancels it", "Cancel it (c)")
        assert "Quitting cancels it" in screen_text(app) and app.is_running
        assert "Cancel it (c)" in screen_text(app)
        assert not handle.cancelled
        await pilot.press("c")
        await pilot.pause(0.05)
    assert handle.state is S.CANCELLED
    assert workspace.runners[0].closed
    started = [t for t in set(threading.enumerate()) - before if t.name.startswith("flowtop-")]
    for thread in started:
        thread.join(2.0)
    assert not [t.name for t in started if t.is_alive()]


async def test_command_palette_offers_the_actions(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {"Run", "Rerun failed", "Retry now", "Give up", "Edit retry", "Filter"} <= set(
            commands
        )
        await commands["Run"].callback()
        await wait_for(
            pilot, lambda: app.table.run is not None and app.table.run.run_id is not None, "a run"
        )


async def test_keys_can_be_remapped_by_binding_id(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.set_keymap({"flowtop.run": "R"})
        await pilot.press("R")
        await wait_for(
            pilot, lambda: app.table.run is not None and app.table.run.run_id is not None, "a run"
        )


async def test_keyboard_only_at_80_by_24(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await run_demo(pilot, app)
        await pilot.press("down", "down", "down")
        await wait_for(pilot, lambda: app.table.cursor_key == "broken", "the cursor on broken")
        text = await wait_for_text(pilot, app, "✗ Failed", "broken")
        assert "✗ Failed" in text and "broken" in text
        await pilot.press("tab")  # focus moves on; keys still work from anywhere
        await pilot.press("s")
        assert app.table.sort == "state"


async def test_flowtop_loads_the_workspace_after_the_first_frame(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, load=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the workspace load")
        assert workspace.loads == 1
        await wait_for_text(pilot, app, "demo", "extract")
        assert "demo" in screen_text(app) and "extract" in screen_text(app)


async def test_a_file_broken_on_save_is_listed_and_the_last_good_flow_stays(
    workspace: FakeWorkspace, tmp_path
) -> None:

    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: workspace.changes is not None, "the watcher")
        bad = tmp_path / "demo.py"
        error = FakeLoadError(bad, 7, "NameError: name 'x' is not defined [here]")
        workspace.errors[bad] = error
        workspace.changes.put_nowait(FakeChange(str(error), errors=[error]))
        await wait_for(
            pilot, lambda: "✗ demo.py" in screen_text(app), "the broken file in the list"
        )
        await wait_for(pilot, lambda: "demo.py:7: NameError" in screen_text(app), "the error toast")
        assert app.selected_flow == "demo" and app.selected_error is None
        # listed as it last loaded, not run: a run process could not import it (fx70e)
        refusal = "demo cannot run: its file demo.py failed to load"
        with toasts_said(app) as said:
            await pilot.press("r")
            await wait_for(pilot, lambda: any(t.startswith(refusal) for t in said), "the refusal")
        assert app.store.latest_for("demo") is None  # no run recorded


async def test_left_and_right_hop_between_flows_and_tasks(workspace: FakeWorkspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.focused is app.table
        await pilot.press("left")
        assert app.focused is app.flow_list
        await pilot.press("down")
        await pilot.pause()
        assert app.selected_flow == "waiting"
        await pilot.press("right")
        assert app.focused is app.table


async def test_double_clicking_the_table_does_not_crash(workspace: FakeWorkspace) -> None:
    """Regression: ``TaskTable.query = ""`` hid ``DOMNode.query``; a double click called it."""
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        await pilot.click(app.table, offset=(3, 2), times=2)
        await pilot.pause(0.05)
        assert app.is_running
        assert callable(app.table.query)


def test_no_flowtop_widget_hides_a_textual_method() -> None:
    """An attribute assigned on a widget must not shadow a method Textual defines."""
    import importlib
    import inspect
    import pkgutil
    import re

    from textual.dom import DOMNode

    import flowtop.tui as tui

    # Textual's own state we set on purpose (reactives and documented attributes).
    meant = {"value", "highlighted", "virtual_size", "title"}
    clashes: list[str] = []
    for info in pkgutil.walk_packages(tui.__path__, "flowtop.tui."):
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if not (inspect.isclass(cls) and issubclass(cls, DOMNode)):
                continue
            if cls.__module__ != module.__name__:
                continue
            textual = {
                name
                for base in cls.__mro__
                if base.__module__.startswith("textual")
                for name, value in vars(base).items()
                if callable(value) or isinstance(value, property)
            }
            assigned = set(re.findall(r"self\.(\w+)\s*(?::[^=\n]*)?=(?!=)", inspect.getsource(cls)))
            clashes += [f"{cls.__name__}.{name}" for name in assigned & textual - meant]
    assert clashes == []


async def test_r_with_a_live_run_asks_and_w_switches_between_live_runs(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calls, "bump", lambda key: 1)  # every run of waiter waits a minute
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_waiting(pilot, app)
        first = app.table.run
        assert first is not None and first.number == 1
        await pilot.press("r")  # the flow is live: r asks before starting a second run
        asked = "waiting is already running (#1). Start another run beside it?"
        assert asked in await wait_for_text(pilot, app, asked)
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.number == 2,
            "the second run to show",
        )
        hint = "2 live runs (#1, #2): w switches"
        assert hint in await wait_for_text(pilot, app, hint)
        await pilot.press("w")
        await wait_for(pilot, lambda: app.table.run is first, "w to show run #1")
        assert app.table.run is first
        assert "run #1" in await wait_for_text(pilot, app, "run #1")
        await pilot.press("w")
        await wait_for(pilot, lambda: app.table.run is not first, "w to show run #2")
        assert app.table.run is not None and app.table.run.number == 2
        await pilot.press("r", "n")  # asked again; "n" starts nothing
        await pilot.pause(0.05)
        assert len(app.store.live_for("waiting")) == 2


async def test_what_exists_when_ready_is_out_of_the_collectors_sight_until_the_app_ends(
    workspace: FakeWorkspace,
) -> None:
    """A full collection under an event storm must not scan Textual's objects (a 60-75 ms
    pause about once a second), and a process that opens another app (the tests) must get
    them back for collection."""
    import gc

    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        assert gc.get_freeze_count() > 1_000
    assert gc.get_freeze_count() == 0


async def test_a_flow_whose_file_goes_stays_listed_while_its_run_goes_on(
    workspace: FakeWorkspace,
) -> None:
    """Deleting or renaming a flow's file (or switching a git branch) mid-run made the flow,
    and with it the only view of its live run, leave the list."""
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_waiting(pilot, app)
        run = app.table.run
        waiting = workspace.flows.pop("waiting")  # its file is gone
        app.apply_change(FakeChange("Removed waiting", flows=["waiting"]))
        await wait_for_text(pilot, app, "waiting (gone)")
        assert app.selected_flow == "waiting" and app.table.run is run and run.is_live
        assert "waiting (gone)" in screen_text(app)
        await pilot.press("r")  # nothing to start it from
        await wait_for(
            pilot, lambda: "no longer in any flow file" in screen_text(app), "the warning"
        )
        await pilot.press("c", "y")  # its run can still be acted on
        await wait_for(pilot, lambda: run.state is S.CANCELLED, "the run to be cancelled")
        app.flow_list.select_flow("demo")
        await wait_for(pilot, lambda: app.selected_flow == "demo", "demo selected")
        listed = [
            app.flow_list.get_option_at_index(i).id for i in range(app.flow_list.option_count)
        ]
        assert "flow:waiting" not in listed  # ended and off screen: it goes at once
        assert app.selected_flow == "demo"
        workspace.flows["waiting"] = waiting


@pytest.mark.parametrize("width", [60, 100])
async def test_the_footer_offers_n_and_x_only_while_a_retry_waits(
    tmp_path: Path, width: int
) -> None:
    """On a finished run `n` and `x` do nothing, and at 60 columns they took the room of
    `f`, the key such a run needs; `c` (only while the run is live) was cut first."""
    from flowtop import Flow, task

    @task(max_retries=1, retry_delay=60)
    def flaky() -> None:
        raise ConnectionError("down")

    with Flow("waits") as flow:
        flaky()
    app = make_app(FakeWorkspace(tmp_path, {"waits": flow}))
    async with app.run_test(size=(width, 20)) as pilot:

        def footer() -> str:
            return screen_text(app).splitlines()[-1]

        assert "Retry now" not in footer() and "Cancel" not in footer()
        await pilot.press("r")
        await wait_for(pilot, lambda: "Retry now" in footer(), "n in the footer while it waits")
        assert "c Cancel" in footer(), footer()
        await pilot.press("x")
        await wait_for(pilot, lambda: "Retry now" not in footer(), "n to leave the footer")
        assert "Rerun failed" in footer() and "Cancel" not in footer(), footer()


async def test_a_run_that_did_not_start_lists_its_tasks_so_e_can_fix_them(tmp_path: Path) -> None:
    """A run that did not start (a `retry_on` of an override that no longer resolves)
    had no rows: `e` on the task whose setting stopped it did nothing, and said nothing."""
    from flowtop import Flow, task
    from flowtop.engine.events import ErrorInfo, RunFinished, RunStarted
    from flowtop.looks import NOT_STARTED

    @task(max_retries=2)
    def extract() -> int:
        return 1

    with Flow("etl") as flow:
        extract()
    app = make_app(FakeWorkspace(tmp_path, {"etl": flow}))
    why = ".flowtop/overrides.toml:2: retry_on: helper has no 'HelperErr'"
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.buffer.append_batch(
            [
                RunStarted("r1", "etl", 1, (), (), (), ts=1.0),
                RunFinished(
                    "r1",
                    "etl",
                    1,
                    StateType.FAILED,
                    {},
                    0.0,
                    1.0,
                    error=ErrorInfo(NOT_STARTED, why),
                ),
            ]
        )
        await wait_for(pilot, lambda: "did not start" in screen_text(app), "the run's end")
        await pilot.pause()
        assert app.table.cursor_key == "extract", screen_text(app)
        assert f"The run did not start: {why}" in screen_text(app)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the retry editor")


async def test_the_header_stops_counting_other_live_runs_once_they_end(tmp_path: Path) -> None:
    """With the newest run interrupted, `2 live runs (#1, #2): w switches` stayed in the
    header after both ended: only a change of the shown run redrew it."""
    from flowtop import Flow, task
    from flowtop.engine.events import RunFinished, RunStarted
    from flowtop.workspace.run_log import RunInterrupted

    @task
    def nap() -> None:
        return None

    with Flow("nap") as flow:
        nap()
    app = make_app(FakeWorkspace(tmp_path, {"nap": flow}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.buffer.append_batch(
            [RunStarted(f"r{n}", "nap", n, ("nap",), (1,), ("",), ts=float(n)) for n in (1, 2, 3)]
        )
        app.buffer.append_batch(
            [RunInterrupted("r3", "its process is gone", 4.0, flow="nap", run=3)]
        )
        await wait_for(pilot, lambda: "2 live runs (#1, #2)" in screen_text(app), "two live")
        app.buffer.append_batch(
            [
                RunFinished(f"r{n}", "nap", n, S.COMPLETED, {"COMPLETED": 1}, 1.0, 5.0)
                for n in (1, 2)
            ]
        )
        await wait_for(pilot, lambda: "live runs" not in screen_text(app), "the count to go")


async def test_a_run_still_live_after_the_shown_one_ended_stays_in_sight(tmp_path: Path) -> None:
    """With #1 and #2 live, cancelling #2 left `■ nap` in the list and no word of #1,
    still running: only `w` showed it. And a filter matching no row is no empty table:
    ↓ there moved to the flows list and changed the flow."""
    from flowtop import Flow, task
    from flowtop.engine.events import RunFinished, RunStarted

    @task
    def nap() -> None:
        return None

    with Flow("nap") as flow:
        nap()
    with Flow("other") as other:
        nap()
    app = make_app(FakeWorkspace(tmp_path, {"nap": flow, "other": other}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.buffer.append_batch(
            [RunStarted(f"r{n}", "nap", n, ("nap",), (1,), ("",), ts=float(n)) for n in (1, 2)]
        )
        app.buffer.append_batch(
            [RunFinished("r2", "nap", 2, S.CANCELLED, {"CANCELLED": 1}, 1.0, 3.0)]
        )
        await wait_for(pilot, lambda: "1 live run (#1): w switches" in screen_text(app), "the hint")
        assert "▶ nap" in screen_text(app) and app.table.run is not None
        assert app.table.run.number == 2
        await pilot.press("tab", "slash", *"zzz", "enter", "down")
        await wait_for(pilot, lambda: app.focused is app.table, "the table focused")
        assert app.focused is app.table and app.selected_flow == "nap"


async def test_help_on_the_history_screen_lists_its_own_keys(workspace: FakeWorkspace) -> None:
    """It listed the main screen's r, f, t (which do nothing there), not its a, Enter, Esc."""
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "the history")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        described = {description for _, description, _ in app.screen.rows}
        assert {"Back", "All flows / this flow", "Open run", "Help", "Quit"} <= described
        assert "Rerun failed" not in described and "Run" not in described
        keys = {keys for keys, _, _ in app.screen.rows}  # its table's, as on the main screen
        assert {"↑ / k", "↓ / j", "home / g", "end / G"} <= keys, keys


async def test_r_says_why_flows_cannot_run_where_the_store_cannot_be_made(
    workspace: FakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only folder: the toast went after 15 s and `r` then said "Still loading the
    flows…" for good."""
    from flowtop.workspace.history_records import HistoryError

    def cannot(self: FlowtopApp) -> None:
        raise HistoryError("cannot create /ro/.flowtop (Read-only file system)")

    monkeypatch.setattr(FlowtopApp, "_make_control", cannot)
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        app.clear_notifications()
        await pilot.press("r")
        await wait_for(pilot, lambda: app._notifications, "the toast")
        said = [n.message for n in app._notifications]
        assert said == ["Cannot run flows: cannot create /ro/.flowtop (Read-only file system)"]


async def test_a_past_run_of_many_tasks_opens_at_once_and_fills_between_frames(
    workspace: FakeWorkspace,
) -> None:
    """Its table was filled in one go: a 20,000-task run froze the screen for 12 s. The
    first rows show at once, the rest come a few hundred per frame, keys answered between."""
    from flowtop.tui.screens.run_detail import ROWS_AT_ONCE, RunDetailScreen
    from flowtop.workspace.history_records import RunDetail, RunRecord, TaskRecord

    run = RunRecord("r1", "big", 1, "COMPLETED", 1.0, 2.0, 1.0, None, None, {}, 3)
    tasks = tuple(
        TaskRecord(f"t-{i}", "COMPLETED", 1, 1, "", "1", False, "", None, None, 1.0, 0.1, 1.1)
        for i in range(ROWS_AT_ONCE * 2 + 7)
    )
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = RunDetailScreen(RunDetail(run, tasks))
        await app.push_screen(screen)
        table = screen.query_one("#tasks", DataTable)
        assert ROWS_AT_ONCE <= table.row_count < len(tasks)  # shown before it is all there
        await wait_for(pilot, lambda: table.row_count == len(tasks), "every row")
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == len(tasks) - 1


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("c", "Run #1 of waiting ended meanwhile"),
        ("r", "waiting is not running any more: r starts a run"),
    ],
    ids=["cancel", "start another"],
)
async def test_a_question_about_a_live_run_goes_when_the_run_ends_meanwhile(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch, key: str, said: str
) -> None:
    """`Cancel run #1 of waiting?`, and `waiting is already running (#1). Start another
    run beside it?`, stayed up once #1 had ended, about a run not running any more (`y`
    then did nothing to be seen)."""
    from flowtop.tui.screens.confirm import ConfirmScreen

    monkeypatch.setattr(calls, "bump", lambda key: 1)  # the run waits a minute
    app = make_app(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_waiting(pilot, app)
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        next(iter(app.control.handles.values())).cancel("ended elsewhere")
        await wait_for(pilot, lambda: said in [n.message for n in app._notifications], "a word")
        assert not isinstance(app.screen, ConfirmScreen)
