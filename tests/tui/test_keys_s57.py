"""Keys that arrive in one read act in order, in the pane the key before them went to.

Over SSH keys typed quickly come in one read. `Tab j` moved the task table's cursor (the
`j` was routed before Tab had moved the focus to the detail pane), `← Tab j` moved in
the flows list Tab had just left, and `/load⏎` left the filter on with its line hidden
(Enter was taken before the letters had reached the line, found it empty and hid it).
Also: a run cancelled while its flow file imported said its number twice in its toast,
and the table lost the flow's tasks until the next run.
"""

from __future__ import annotations

from pathlib import Path

from textual import events

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.launch_notes import LaunchLogs
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace

SIZE = (100, 30)


def burst(app: FlowtopApp, *keys: str) -> None:
    """Keys that arrive in one read: all queued before the app handles the first."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


async def test_tab_then_a_key_in_one_read_acts_in_the_detail_pane(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("g")
        first = app.table.cursor_key
        assert first is not None and app.focused is app.table
        burst(app, "tab", "j")
        await wait_for(pilot, lambda: app.focused is app.detail, "the detail pane")
        await pilot.pause()
        assert app.table.cursor_key == first  # `j` scrolled the pane, not the table
        burst(app, "shift+tab", "end")
        await wait_for(pilot, lambda: app.focused is app.table, "back in the table")
        await pilot.pause()
        assert app.table.cursor_key == app.table.keys[-1]  # `End` in the table Tab went to
        burst(app, "tab", "end")
        await wait_for(pilot, lambda: app.focused is app.detail, "the detail pane again")
        await pilot.pause()
        assert app.table.cursor_key == app.table.keys[-1]


async def test_left_tab_j_in_one_read_moves_in_the_table(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("g")
        flow, first = app.selected_flow, app.table.cursor_key
        burst(app, "left", "tab", "j")
        await wait_for(pilot, lambda: app.focused is app.table, "back in the table")
        await pilot.pause()
        assert app.selected_flow == flow  # the `j` did not move in the flows list
        assert app.table.cursor_key == app.table.keys[app.table.keys.index(first or "") + 1]


async def test_filter_typed_with_its_enter_in_one_read_keeps_its_line(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst(app, "slash", *"load", "enter")
        await wait_for(pilot, lambda: app.focused is app.table, "back in the table")
        await wait_for(pilot, lambda: app.table.filter_text == "load", "the filter kept")
        await pilot.pause()
        assert app.filter_box.has_class("-shown"), "the kept filter's line is hidden"
        assert app.table.keys == ["load"]
        burst(app, "slash", *"bro", "enter")  # `/` selects the kept filter: typing replaces it
        await wait_for(pilot, lambda: app.table.filter_text == "bro", "the filter replaced")
        await pilot.pause()
        assert app.filter_box.value == "bro" and app.table.keys == ["broken"]


async def test_filter_and_a_key_after_its_enter_in_one_read(workspace: FakeWorkspace) -> None:
    """`/a⏎j`: the filter keeps `a`, and `j` moves in the filtered table, as
    typed slowly; `/lo` Esc `j`: the filter is gone, and `j` moved in the whole table."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("g")
        burst(app, "slash", "a", "enter", "j")  # `a`: extract, flaky and load
        await wait_for(pilot, lambda: app.focused is app.table, "back in the table")
        await pilot.pause()
        assert app.table.filter_text == "a"
        assert app.filter_box.has_class("-shown")
        assert app.table.keys == ["extract", "flaky", "load"]
        assert app.table.cursor_key == "flaky"
        burst(app, "slash", *"lo", "escape", "j")
        await wait_for(pilot, lambda: app.focused is app.table, "back in the table")
        await pilot.pause()
        assert not app.table.filter_text and not app.filter_box.value
        assert not app.filter_box.has_class("-shown")
        assert len(app.table.keys) == 5
        assert app.table.cursor_key == "load"


def test_a_notice_that_names_its_run_is_said_with_one_name(tmp_path: Path) -> None:
    """``flowtop run`` says ``run #6 of etl: cancelled …``; the toast put its own
    ``Run #6 of etl:`` before it: ``Run #6 of etl: run #6 of etl: cancelled …``."""
    log = tmp_path / "r6.log"
    log.write_bytes(b"")
    logs = LaunchLogs()
    logs.follow("r6", log, "Run #6 of etl", "M")
    from flowtop.printable import notice_prefix

    prefix = notice_prefix("M", "flowtop run")
    with log.open("a") as out:
        out.write(f"{prefix}run #6 of etl: cancelled by the user while its flow file imported\n")
    assert logs.notices() == ["Run #6 of etl: cancelled by the user while its flow file imported"]
    with log.open("a") as out:
        out.write(f"{prefix}run #6 of etl: one\n{prefix}Run #6 of etl: two\n{prefix}three\n")
    assert logs.notices() == ["Run #6 of etl:\n  one\n  two\n  three"]
    logs.close()


async def test_a_run_cancelled_while_importing_keeps_the_flows_rows(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=False)
    note = "cancelled by the user while its flow file imported"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.selected_flow == "demo"
        rows = list(app.table.keys)
        app.buffer.append_batch(
            [
                RunStarted("r1", "demo", 1, (), (), (), ts=1.0),
                RunFinished("r1", "demo", 1, StateType.CANCELLED, {}, 0.0, 1.0, note=note),
            ]
        )
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.run_id == "r1",
            "the cancelled run shown",
        )
        await pilot.pause()
        assert app.table.keys == rows, screen_text(app)
        assert "cancelled by the user" in screen_text(app)  # the header says why


async def test_enter_on_a_flow_goes_to_its_tasks(workspace: FakeWorkspace) -> None:
    """It did nothing, and said nothing; → went there. In one read, `← ↓ ⏎ j`: the next
    flow, then its tasks (the `j` moves there, not on to the flow after it)."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst(app, "left", "down", "enter", "j")
        await wait_for(pilot, lambda: app.focused is app.table, "the task table")
        await pilot.pause()
        assert app.selected_flow == "waiting"
        assert app.focused is app.table
