"""Issue 15: the interface as a new user meets it (keys, focus, colour, small terminals).

Each test drives the app like a user (pilot keys at the sizes a user has) and asserts
what the user would see or what the key did.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from rich.style import Style
from textual.widgets import DataTable, Input

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.widgets.task_table import layout_columns
from pilot_kit import screen_text, toasts_said, wait_for, wait_for_run, wait_for_text

from .conftest import FakeWorkspace

S = StateType


def long_flow(n: int = 40) -> Flow:
    """``n`` independent tasks named work-1 … work-n: long enough for the table to scroll."""
    flow = Flow("long")
    for i in range(1, n + 1):

        @task(name=f"work-{i}")
        def work() -> int:
            return 1

        flow.add_task(work, key=f"work-{i}")
    return flow


@pytest.fixture
def long_workspace(tmp_path, calls) -> FakeWorkspace:
    from .conftest import demo_flow

    ws = FakeWorkspace(tmp_path, {"long": long_flow(), "demo": demo_flow(calls)})
    yield ws
    for runner in ws.runners:
        runner.shutdown(wait=True)


# -- 3: ← and → always hop panes ------------------------------------------------------


@pytest.mark.parametrize("width", [*range(8, 130), 160, 200, 240])
@pytest.mark.parametrize("try_width", [5, 9])
def test_columns_never_overflow_the_table(width: int, try_width: int) -> None:
    """The screen's edge would crop a cell without a mark: ``1/14`` would read ``1/1``."""
    columns = layout_columns(width, try_width)
    shown = [w for w in columns.widths() if w > 0]
    assert sum(shown) + len(shown) - 1 <= width
    assert columns.task >= 6 and columns.state >= 1


async def test_on_a_narrow_terminal_the_header_and_title_keep_one_line_each(workspace) -> None:
    """At 34 columns the header's first line wrapped and pushed its counts out of its two
    rows, and the detail title's ``attempt 1/1`` was cut off by the pane's edge."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(34, 14)) as pilot:
        await pilot.press("r")
        await wait_for_run(pilot, app, S.FAILED)
        await pilot.pause()
        lines = screen_text(app).splitlines()
        top, title = app.header.region.y, app.detail.title_line.region.y
        left = app.header.region.x
        # "run #1  ✗ Failed  55ms": the flow name gives way first, the run's time stays whole
        assert lines[top][left:].rstrip().endswith("ms")
        assert "✓ 3  ✗ 1  ⊘ 1" in lines[top + 1]  # the counts stay on the second row, short
        # its name whole, what follows its state cut or left out first (rv408 §10)
        assert lines[title][left:].strip().startswith("extract  ✓ Completed")


async def test_a_long_flow_name_gives_way_to_the_run_s_state_in_the_header(tmp_path) -> None:
    """A 70-character flow name pushed `run #1  ✓ Completed  0.6ms` off the line at 80."""
    from flowtop import Flow, task

    @task
    def step() -> int:
        return 1

    name = "an-extremely-long-flow-name-for-testing-truncation-in-narrow-terminals"
    with Flow(name) as flow:
        step()
    workspace = FakeWorkspace(tmp_path, {name: flow})
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await wait_for_run(pilot, app, S.COMPLETED)
        await pilot.pause()
        top = screen_text(app).splitlines()[app.header.region.y][app.header.region.x :]
        assert "an-extremely-long-flow" in top and "…  run #1  ✓ Completed" in top, top
    for runner in workspace.runners:
        runner.shutdown(wait=True)


@pytest.mark.parametrize("size", [(120, 36), (80, 24), (60, 20)])
async def test_left_leaves_a_table_long_enough_to_scroll(long_workspace, size) -> None:
    app = FlowtopApp(long_workspace, watch=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert app.selected_flow == "long" and app.focused is app.table
        assert app.table.max_scroll_y > 0  # it does scroll vertically
        assert not app.table.show_horizontal_scrollbar
        await pilot.press("left")
        assert app.focused is app.flow_list
        await pilot.press("right")
        assert app.focused is app.table


async def test_keys_that_arrive_together_go_where_the_first_one_moved_focus(workspace) -> None:
    """Over SSH, ← and ↓ typed quickly arrive in one read: the ↓ must move in the flows
    list that ← went to, not in the table ← left (focus that changed after the next key
    was already queued sent it to the table)."""
    from textual import events

    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.focused is app.table and app.flow_list.highlighted == 0
        for key in ("left", "down"):
            app.post_message(events.Key(key, None))
        await pilot.pause()
        assert app.focused is app.flow_list and app.flow_list.highlighted == 1
        for key in ("up", "right", "down"):  # back to demo, whose table has several rows
            app.post_message(events.Key(key, None))
        await pilot.pause()
        assert app.flow_list.highlighted == 0 and app.selected_flow == "demo"
        assert app.focused is app.table and app.table.cursor == 1
        for key in ("down", "left", "down", "right"):  # two focus moves in one burst
            app.post_message(events.Key(key, None))
        await pilot.pause()
        assert app.selected_flow == "waiting" and app.focused is app.table


async def test_slash_and_the_letters_after_it_arriving_together_filter(workspace) -> None:
    """`/err` in one read: the letters were queued for the table before `/` moved focus
    to the filter line, and were lost (and `e` could have opened the retry editor)."""
    from textual import events

    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for key, character in (("slash", "/"), ("e", "e"), ("r", "r")):
            app.post_message(events.Key(key, character))
        await pilot.pause()
        assert len(app.screen_stack) == 1 and app.focused is app.filter_box
        assert app.filter_box.value == "er"
        await pilot.press("slash", "x")  # in the filter line, `/` is typed like any letter
        assert app.filter_box.value == "er/x"
        await pilot.press("left", "right")  # and the arrows move its cursor
        assert app.focused is app.filter_box
        for key, character in (("backspace", None), ("y", "y"), ("left", None), ("z", "z")):
            app.post_message(events.Key(key, character))  # editing keys keep their place
        await pilot.pause()
        assert app.filter_box.value == "er/zy"


async def test_keys_typed_with_the_key_that_opens_a_form_land_in_its_field(workspace) -> None:
    """`e` then ctrl+u 7 in one read: the keys after `e` were routed to the table before
    `e` came back from it as an action, and were lost; then to the editor before its
    first field had focus, and lost again. They land in that field, in order."""
    from textual import events

    from flowtop.tui.screens.retry_editor import RetryEditor

    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.table.move_to("broken")
        burst = (("e", "e"), ("ctrl+u", None), ("7", "7"), ("left", None), ("1", "1"))
        for key, character in burst:
            app.post_message(events.Key(key, character))
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the RetryEditor")
        assert app.screen.query_one("#field-max_retries", Input).value == "17"
        await pilot.press("escape")
        cursor = app.table.cursor
        for key, character in (("e", "e"), ("escape", None), ("j", "j")):
            app.post_message(events.Key(key, character))  # Esc closes it as it comes
        await pilot.pause()
        assert len(app.screen_stack) == 1 and app.table.cursor == cursor + 1


async def test_keys_typed_after_tab_in_one_read_go_to_the_next_field(workspace) -> None:
    """`Tab 9` in one burst (pasted, or typed fast over SSH): the 9 was routed to the
    field Tab was leaving, before that field read the Tab and let the screen move on."""
    from textual import events

    from flowtop.tui.screens.retry_editor import RetryEditor

    def value(name: str) -> str:
        return app.screen.query_one(f"#field-{name}", Input).value

    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.table.move_to("broken")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the RetryEditor")
        burst = (("tab", None), ("9", "9"), ("tab", None), ("7", "7"), ("shift+tab", None))
        for key, character in (*burst, ("1", "1")):
            app.post_message(events.Key(key, character))
        await pilot.pause()
        assert (value("retry_delay"), value("backoff_factor")) == ("1", "7")  # 9, replaced


async def test_keys_typed_with_h_move_in_the_history(tmp_path, calls) -> None:
    """`hj` in one read: `h` opens the history at once, and the `j` moves to the
    second run there."""
    from textual import events

    from flowtop.tui.screens.history import HistoryScreen

    from .conftest import demo_flow
    from .snapshot_apps import make_history

    workspace = FakeWorkspace(tmp_path, {"etl": demo_flow(calls)})
    workspace.history = make_history(tmp_path)  # two runs of etl
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for key, character in (("h", "h"), ("j", "j")):
            app.post_message(events.Key(key, character))
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "the HistoryScreen")
        assert app.screen.query_one("#runs", DataTable).cursor_row == 1
    workspace.history.close()


async def test_an_answer_and_the_keys_after_it_arriving_together(workspace) -> None:
    """`c` `n` `←` in one read: the confirmation opens, `n` closes it as it comes, and
    `←` goes to the main screen (it went to the closing dialog, and was lost). The same
    for the quit question and the help screen."""
    from textual import events

    from .test_app import start_waiting

    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_waiting(pilot, app)
        assert app.focused is app.table
        for key, character in (("c", "c"), ("n", "n"), ("left", None)):
            app.post_message(events.Key(key, character))
        await pilot.pause()
        assert len(app.screen_stack) == 1 and app.focused is app.flow_list
        assert app.table.run is not None and app.table.run.is_live  # "no": not cancelled
        for key, character in (("q", "q"), ("s", "s"), ("right", None)):  # quit? stay
            app.post_message(events.Key(key, character))
        await pilot.pause()
        assert len(app.screen_stack) == 1 and app.focused is app.table
        for key, character in (("question_mark", "?"), ("q", "q"), ("left", None)):
            app.post_message(events.Key(key, character))  # `q` closes the help, no more
        await pilot.pause()
        assert len(app.screen_stack) == 1 and app.focused is app.flow_list
        assert app.return_code is None and app.table.run.is_live


async def test_enter_or_esc_in_the_filter_line_and_the_next_keys_arriving_together(
    workspace,
) -> None:
    from textual import events

    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        for key in ("enter", "down"):  # an empty filter: cleared; the table moves
            app.post_message(events.Key(key, None))
        await pilot.pause()
        assert app.focused is app.table and app.table.cursor == 1
        assert "-shown" not in app.filter_box.classes
        await pilot.press("slash", "a")
        for key in ("escape", "left", "down"):
            app.post_message(events.Key(key, None))
        await pilot.pause()
        assert app.filter_box.value == "" and "-shown" not in app.filter_box.classes
        assert app.focused is app.flow_list and app.flow_list.highlighted == 1


@pytest.mark.parametrize("size", [(44, 12), (120, 12)])
async def test_a_long_flow_name_is_cut_on_one_line_not_wrapped(tmp_path, calls, size) -> None:
    """At 44 columns (a phone over SSH) the flows pane takes at most a third, and a name
    that does not fit ends in "…" on its own line: a wrapped name looked like two flows."""
    from .conftest import demo_flow

    long_name = "nightly-warehouse-sync-for-every-region"
    ws = FakeWorkspace(tmp_path, {"demo": demo_flow(calls), long_name: long_flow()})
    app = FlowtopApp(ws, watch=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        pane = app.flow_list
        assert pane.size.width <= max(20, size[0] * 0.3)
        lines = [line.rstrip() for line in screen_text(app).splitlines()[:3]]
        sidebar = [line.split("▕")[0].strip() for line in lines]  # left of its rule
        assert sidebar[0].endswith("demo")
        assert sidebar[1].startswith("· nightly") and sidebar[1].endswith("…")
        assert not sidebar[2]  # nothing wrapped onto the next line
    for runner in ws.runners:
        runner.shutdown(wait=True)


# -- 4: j k g G in the flows list and the history lists ------------------------------


async def test_j_k_g_G_move_in_the_flows_list(workspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("left")
        assert app.flow_list.highlighted == 0
        await pilot.press("j")
        assert app.flow_list.highlighted == 1
        await pilot.press("k")
        assert app.flow_list.highlighted == 0
        await pilot.press("G")
        assert app.flow_list.highlighted == app.flow_list.option_count - 1
        await pilot.press("g")
        assert app.flow_list.highlighted == 0


async def test_j_k_g_G_home_end_move_in_the_history_lists(tmp_path) -> None:
    from textual.widgets import DataTable

    from flowtop.tui.screens import HistoryScreen

    from .snapshot_apps import HostApp, make_history

    history = make_history(tmp_path)
    try:
        app = HostApp(lambda: HistoryScreen(history, None))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            runs = app.screen.query_one("#runs", DataTable)
            assert runs.row_count >= 2 and runs.cursor_row == 0
            await pilot.press("j")
            assert runs.cursor_row == 1
            await pilot.press("k")
            assert runs.cursor_row == 0
            await pilot.press("G")
            assert runs.cursor_row == runs.row_count - 1
            await pilot.press("g")
            assert runs.cursor_row == 0
            await pilot.press("end")  # as in the main table: rows, not a sideways scroll
            assert runs.cursor_row == runs.row_count - 1
            await pilot.press("home")
            assert runs.cursor_row == 0
            await pilot.press("enter")
            await pilot.pause()
            tasks = app.screen.query_one("#tasks", DataTable)
            await pilot.press("j")
            assert tasks.cursor_row == 1
            await pilot.press("G", "g")
            assert tasks.cursor_row == 0
    finally:
        history.close()


# -- 5: filter: opens at the top, Esc in the table clears it, the cursor stays put -----


async def test_filter_opens_at_top_and_esc_in_the_table_clears_it(workspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("G")
        assert app.table.cursor_key == "report"
        await pilot.press("slash", "a")
        await pilot.pause()
        assert app.table.keys == ["extract", "flaky", "load"]
        assert app.table.cursor_key == "extract"  # a filtered view opens at the top
        assert "filter: a (3 of 5)" in screen_text(app)  # how many it hides
        await pilot.press("enter")  # keep the filter, back to the table
        assert app.focused is app.table
        await pilot.press("j")
        assert app.table.cursor_key == "flaky"
        await pilot.press("escape")
        await pilot.pause()
        assert app.table.filter_text == ""
        assert app.filter_box.value == "" and not app.filter_box.display
        assert len(app.table.keys) == 5
        assert app.table.cursor_key == "flaky"  # same task as before clearing
        assert "filter:" not in screen_text(app)


async def test_clearing_a_filter_that_matched_nothing_keeps_the_task(workspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("j", "j", "j")
        assert app.table.cursor_key == "broken"
        await pilot.press("slash", "z", "z")
        await pilot.pause()
        assert app.table.keys == []
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.table and app.table.cursor_key == "broken"


# -- 6: everything that names a key reads the live bindings -------------------------


async def test_a_rebound_key_is_named_everywhere(workspace) -> None:
    from flowtop.tui.screens import HelpScreen

    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await pilot.pause()
        app.set_keymap({"flowtop.run": "R", "flowtop.history": "H"})
        await pilot.pause()
        text = screen_text(app)
        assert "press R to run" in text and "press r to run" not in text
        assert "R Run" in text  # the footer
        await pilot.press("t")  # rerun task before any run: the toast names the run key
        await pilot.pause()
        assert any("press R to run it" in n.message for n in app._notifications)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the HelpScreen")
        rows = {desc: keys for keys, desc, _ in app.screen.rows}
        assert rows["Run"] == "R" and rows["History"] == "H"
        await pilot.press("escape")
        await pilot.press("H")
        await pilot.pause()
        assert "press R on the main screen" in screen_text(app)


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_help_scrolls_to_its_last_key_and_keeps_its_hint_in_view(workspace, size) -> None:
    """The keys' scrolling part took the dialog's whole height: End stopped short of the
    last keys, and the hint saying how to close was below the screen's edge."""
    from flowtop.tui.screens import HelpScreen

    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert "esc, ? or q closes" in screen_text(app)
        await pilot.press("end")
        last_key = app.screen.rows[-1][1]
        text = await wait_for_text(pilot, app, last_key, "esc, ? or q closes")
        assert last_key in text and "esc, ? or q closes" in text, text


def test_a_mistyped_binding_id_gets_a_did_you_mean() -> None:
    from flowtop.tui.keymap import unknown_binding_message

    known = ["flowtop.run", "flowtop.rerun_failed", "flowtop.help"]
    assert unknown_binding_message("flowtop.rerun_faild", known).endswith(
        'did you mean "flowtop.rerun_failed"?'
    )
    far = unknown_binding_message("zzz", known)
    assert "unknown binding id zzz" in far and "known: flowtop.help, flowtop.rerun_failed" in far


async def test_keys_table_typo_is_answered_with_the_near_id(tmp_path) -> None:
    from .test_screens import app_on_one_flow

    (tmp_path / "flowtop.toml").write_text('[keys]\n"flowtop.rnu" = "R"\n')
    async with app_on_one_flow(tmp_path) as (app, _pilot):
        messages = [n.message for n in app._notifications]
        assert any(
            'unknown binding id flowtop.rnu; did you mean "flowtop.run"?' in m for m in messages
        )


# -- 9: the selected row is highlighted across every column ---------------------------


@pytest.mark.parametrize("focused", [True, False])
async def test_the_cursor_row_is_one_colour_across_every_column(workspace, focused) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(160, 36)) as pilot:
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.state is S.FAILED,
            "the demo run to fail",
        )
        assert app.table.move_to("broken")  # failed: a state colour and an error cell
        if not focused:
            app.flow_list.focus()
        await pilot.pause()
        strip = app.table.render_line(1 + app.table.cursor)
        looks = {(seg.style.bgcolor, seg.style.color, seg.style.reverse) for seg in strip}
        assert len(looks) == 1, looks
        text = "".join(seg.text for seg in strip)
        assert "Failed" in text and "ValueError" in text


# -- 8: NO_COLOR and 16 colours: a failure stands out; a countdown looks the same -----


def segments_with(strips: Any, needle: str) -> list[Any]:
    """The rendered segments whose text contains ``needle``."""
    return [seg for strip in strips for seg in strip if needle in seg.text]


def failed_shown(app: FlowtopApp, at_least: int) -> bool:
    """Whether the screen draws ``✗ Failed`` that many times, each reversed (the table's
    cursor drawn off the failed row)."""
    failed = segments_with(app.screen._compositor.render_strips(), "✗ Failed")
    return len(failed) >= at_least and all(seg.style.reverse for seg in failed)


def palette_quits(app: FlowtopApp) -> bool:
    """Whether the command palette, searched for ``quit``, lists Quit once with its help."""
    palette = "\n".join(screen_text(app).splitlines()[:-1])
    return palette.count("Quit") == 1 and "key q · Leave flowtop" in palette


async def test_no_color_failures_are_reverse_video(workspace, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = FlowtopApp(workspace, watch=False)
    assert app.no_color
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.state is S.FAILED,
            "the demo run to fail",
        )
        assert app.table.move_to("extract")  # the cursor away from the failed row
        await wait_for(pilot, lambda: failed_shown(app, 2), "the failures drawn")
        strips = app.screen._compositor.render_strips()
        failed = segments_with(strips, "✗ Failed")
        assert len(failed) >= 2  # the header and the table row
        for seg in failed:
            assert seg.style.bold and seg.style.reverse, seg
        icon = [seg for seg in segments_with(strips, "✗ ") if seg.text == "✗ "]  # flows list
        assert icon and all(seg.style.reverse for seg in icon), [
            (seg.text, seg.style.reverse) for seg in icon
        ]
        error = segments_with(strips, "ValueError")
        assert error and all(seg.style.bold for seg in error)


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_countdown_looks_the_same_in_table_and_detail(
    workspace, monkeypatch, no_color
) -> None:
    from .test_app import start_waiting

    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await start_waiting(pilot, app)
        await wait_for(
            pilot, lambda: "Retry in" in app.detail.title_line.render().plain, "the countdown"
        )
        table = app.table
        row = table.run.rows["waiter"]
        table_strip = table.render_row(
            row, layout_columns(100), 100, table.rich_style, cursor=False
        )
        in_table = segments_with([table_strip], "Retry in")
        assert in_table
        title = app.detail.title_line.render()
        start = title.plain.index("Retry in")
        span_style = Style()
        for span in title.spans:
            if span.start <= start < span.end:
                style = span.style
                style = getattr(style, "rich_style", style)  # Textual's Style → Rich's
                span_style += Style.parse(style) if isinstance(style, str) else style
        detail_style = Style.combine([app.detail.title_line.rich_style, span_style])
        assert look(in_table[0].style) == look(detail_style)


def look(style: Any) -> tuple[Any, ...]:
    color = style.color
    return (
        (color.number, color.triplet) if color is not None else None,
        bool(style.bold),
        bool(style.reverse),
    )


async def test_sixteen_colours_failures_are_reverse_video(workspace) -> None:
    from types import SimpleNamespace

    from rich.color import ColorSystem

    from flowtop.tui.widgets.state_colors import colour_mode

    terminal = SimpleNamespace(no_color=False, is_headless=False, colour_mode=None)
    terminal.console = SimpleNamespace(color_system=ColorSystem.STANDARD.name.lower())
    assert colour_mode(terminal) == "ansi16"  # what TERM=xterm gets
    terminal.console.color_system = "truecolor"
    assert colour_mode(terminal) == "full"
    app = FlowtopApp(workspace, watch=False)
    app.colour_mode = "ansi16"  # headless has no terminal to ask
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.state is S.FAILED,
            "the demo run to fail",
        )
        assert app.table.move_to("extract")
        await wait_for(pilot, lambda: failed_shown(app, 2), "the failures drawn")
        failed = segments_with(app.screen._compositor.render_strips(), "✗ Failed")
        assert len(failed) >= 2 and all(seg.style.reverse for seg in failed)


async def test_a_16_colour_terminal_gets_each_state_colour_as_itself(workspace) -> None:
    """Textual turned ANSI colours into RGB by Monokai, then into the nearest of 16: a
    waiting retry (yellow) came out bright red and a failure (red) magenta."""
    from rich.color import Color, ColorSystem
    from rich.style import Style
    from textual.filter import ANSIToTruecolor

    from flowtop.tui.widgets.state_colors import LOOK_STYLE

    app = FlowtopApp(workspace, watch=False)
    app.colour_mode = "ansi16"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        to_rgb = ANSIToTruecolor(app.ansi_theme)
        for look, style in LOOK_STYLE.items():
            colour = Style.parse(style).color
            if colour is None:
                continue
            drawn = to_rgb.truecolor_style(Style(color=colour), Color.parse("black")).color
            assert drawn is not None, look
            assert drawn.downgrade(ColorSystem.STANDARD).number == colour.number, look


async def test_a_16_colour_terminal_draws_the_cursor_and_keys_in_its_own_blue_and_yellow(
    workspace,
) -> None:
    """The theme's blue came out as cyan there: the cursor row read 2.9:1 in bright white,
    the highlighted flow's ✗ 1.1:1; the footer's keys were bright red on grey."""
    from rich.color import Color

    from flowtop.tui.widgets.flow_list import FlowList
    from flowtop.tui.widgets.key_bar import KeyBar

    app = FlowtopApp(workspace, watch=False)
    app.colour_mode = "ansi16"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        cursor = app.table.get_component_rich_style("task-table--cursor")
        highlight = app.query_one(FlowList).get_component_rich_style(
            "option-list--option-highlighted"
        )
        key = app.query_one(KeyBar).get_component_rich_style("key-bar--key")
        blue, bright_white, bright_yellow = (
            Color.parse(name).number for name in ("blue", "bright_white", "bright_yellow")
        )
        for style in (cursor, highlight):
            assert style.bgcolor is not None and style.bgcolor.number == blue
            assert style.color is not None and style.color.number == bright_white
        assert key.color is not None and key.color.number == bright_yellow


# -- 15: the footer: the focused pane's keys by priority, ? and q always, never cut ----


def footer_entries_shown(line: str) -> list[str]:
    return [part.strip() for part in line.strip().split("  ") if part.strip()]


@pytest.mark.parametrize("size", [(120, 36), (80, 24), (60, 20), (100, 30)])
async def test_footer_keeps_help_and_quit_and_never_cuts_a_word(workspace, size) -> None:
    from flowtop.tui.bindings import ALWAYS_IN_FOOTER, FOOTER_KEYS

    labels = {label for keys in FOOTER_KEYS.values() for _, label in keys}
    labels |= {label for _, label in ALWAYS_IN_FOOTER}
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for pane in ("tasks", "flows"):
            if pane == "flows":
                await pilot.press("left")
                await pilot.pause()
            footer = screen_text(app).splitlines()[-1]
            assert len(footer) <= size[0]
            shown = footer_entries_shown(footer)
            assert shown[-2:] == ["? Help", "q Quit"], footer
            for entry in shown:
                _key, _, label = entry.partition(" ")
                assert label in labels, (entry, footer)
            assert shown[0] == "r Run"
        if size[0] >= 80:
            assert "→ Tasks" in footer  # the flows list's own keys


async def test_footer_in_the_filter_line_shows_its_keys(workspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "Keep filter" in footer and "Clear filter" in footer
        assert "r Run" not in footer  # r types into the filter here


# -- 16: the command palette: one Quit, no Keys beside Help, each command's key -------


async def test_palette_has_one_quit_no_keys_and_names_each_key(workspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.set_keymap({"flowtop.run": "R"})
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert titles.count("Quit") == 1 and titles.count("Help") == 1
        assert "Keys" not in titles
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert helps["Run"].startswith("key R · ")
        assert helps["Filter"].startswith("key / · ")
        assert helps["Quit"].startswith("key q · ")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"quit")
        await wait_for(pilot, lambda: palette_quits(app), "the palette's one Quit")
        palette = "\n".join(screen_text(app).splitlines()[:-1])  # without the footer
        assert palette.count("Quit") == 1
        assert "key q · Leave flowtop (asks first about live runs started here)" in palette


# -- 10: a budget only Retry can spend is shown as such -----------------------------


@pytest.mark.parametrize(
    ("width", "extract_try"),
    [(160, "1/1 (+3 on Retry)"), (120, "1/1 (+3 on Retry)"), (80, "1/1+3 ")],
)  # (at 120 the demo's short policies keep their width beside the long form)
async def test_try_column_shows_a_retry_only_budget(workspace, width, extract_try) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.state is S.FAILED,
            "the demo run to fail",
        )
        await wait_for_text(pilot, app, " 2/3 ")
        extract = next(line for line in screen_text(app).splitlines() if "▕extract " in line)
        assert extract_try in extract and "0/4" not in extract and "1/4" not in extract
        flaky = next(line for line in screen_text(app).splitlines() if "▕flaky " in line)
        assert " 2/3 " in flaky  # max_retries set: a plain budget
        assert "attempt 1/1 (+3 on Retry)" in app.detail.title_line.render().plain


def test_try_text_forms() -> None:
    from flowtop.formats import try_text

    assert try_text(0, 4, True) == "0/1 (+3 on Retry)"
    assert try_text(3, 4, True) == "3/4 (on Retry)"
    assert try_text(2, 4, False) == "2/4"
    assert try_text(1, 1, True) == "1/1"
    assert try_text(1, 4, True, compact=True) == "1/1+3"
    assert try_text(2, 4, True, compact=True) == "2/4"
    assert try_text(0, 0, True) == ""
    assert try_text(3, 1, False, reused=True) == "3"  # made in the source run, not this one
    assert try_text(1, 4, True, inline=True) == "1/1, +3 on Retry"  # inside a line's (…)
    assert try_text(3, 4, True, inline=True) == "3/4, on Retry"


# -- 11: reused tasks are counted inside completed ----------------------------------


def test_header_counts_reused_inside_completed() -> None:
    from flowtop.engine import RunStarted, TaskStateChanged
    from flowtop.tui.model import RunModel
    from flowtop.tui.row_views import counts_text

    run = RunModel.from_started(
        RunStarted(
            run_id="r1",
            flow="f",
            run=1,
            tasks=("a", "b", "c", "d"),
            max_attempts=(1,) * 4,
            policies=("",) * 4,
            rerun_of="r0",
            ts=0.0,
        )
    )

    def done(key: str, reused: bool) -> TaskStateChanged:
        return TaskStateChanged(
            run_id="r1",
            flow="f",
            task=key,
            state=S.COMPLETED,
            attempt=1,
            max_attempts=1,
            ts=0.0,
            reused=reused,
        )

    for key in "abc":
        run.apply(done(key, True))
    run.apply(done("d", False))
    assert counts_text(run) == "✓ 4 completed (3 reused)"


# -- 12: history: back to the same row, "no runs yet", n and cancel recorded as such ---


async def test_esc_from_a_run_returns_to_the_same_row(tmp_path) -> None:
    from textual.widgets import DataTable

    from flowtop.tui.screens import HistoryScreen, RunDetailScreen

    from .snapshot_apps import HostApp, make_history

    history = make_history(tmp_path)
    try:
        app = HostApp(lambda: HistoryScreen(history, "etl"))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("down", "enter")
            await wait_for(
                pilot, lambda: isinstance(app.screen, RunDetailScreen), "the RunDetailScreen"
            )
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen.query_one("#runs", DataTable).cursor_row == 1
    finally:
        history.close()


async def test_a_flow_with_no_runs_says_so_at_the_top(tmp_path) -> None:
    from flowtop.tui.screens import HistoryScreen

    from .snapshot_apps import HostApp, make_history

    history = make_history(tmp_path)
    try:
        app = HostApp(lambda: HistoryScreen(history, "other"))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            top = "\n".join(screen_text(app).splitlines()[:5])
            assert "no runs yet" in top.lower() and "other" in top
            assert "Rerun of" not in screen_text(app)  # no empty table header
    finally:
        history.close()


WAITER_FLOW = """\
from flowtop import Flow, task

calls = []


@task(max_retries=3, retry_delay=60)
def waiter():
    calls.append(1)
    if len(calls) == 1:
        raise ConnectionError("reset")
    return "done"


flow = Flow("wait")
flow.add_task(waiter)
"""


async def history_attempts(app: Any, pilot: Any) -> str:
    """Open the history's newest run and return its first task's attempts text."""
    from flowtop.tui.screens import HistoryScreen, RunDetailScreen

    await pilot.press("h")
    await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "the HistoryScreen")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "the RunDetailScreen")
    from textual.widgets import Static

    return str(app.screen.query_one("#attempt-text", Static).render())


async def wait_run(app: Any, pilot: Any, state: S) -> None:
    await wait_for(
        pilot,
        lambda: (
            (run := app.store.latest_for("wait")) is not None and run.rows["waiter"].state is state
        ),
        f"waiter {state}",
    )


@pytest.mark.parametrize("how", ["n", "cancel", "x"])
async def test_an_attempt_ended_by_n_cancel_or_x_is_recorded_as_such(tmp_path, how) -> None:
    from flowtop.workspace import Workspace

    (tmp_path / "wait.py").write_text(WAITER_FLOW)
    workspace = Workspace(tmp_path)
    workspace.load()
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("r")
            await wait_run(app, pilot, S.AWAITING_RETRY)
            if how == "n":
                await pilot.press("n")
                await wait_run(app, pilot, S.COMPLETED)
            elif how == "x":
                await pilot.press("x")
                await wait_run(app, pilot, S.FAILED)
            else:
                await pilot.press("c", "y")
                await wait_run(app, pilot, S.CANCELLED)
            text = await history_attempts(app, pilot)
            assert "retry after 1" not in text  # the planned minute never ran out
            if how == "n":
                assert "✗ Failed, retried" in text
                assert "retried now (n) after" in text and "of a planned 1m" in text
            elif how == "x":
                assert "given up during its wait" in text and "gave up during the 1m" in text
            else:
                assert "then cancelled during its wait" in text
                assert "cancelled during the 1m" in text
                assert "retried" not in text
    finally:
        workspace.close()


# -- 7: sorting: numeric-aware names, a direction, an arrow on the sorted column -------


def test_name_sort_is_numeric_aware() -> None:
    from flowtop.tui.model import RunModel
    from flowtop.tui.row_views import view_order

    run = RunModel("f", ["work-10", "work-2", "Work-1", "work-1b", "a"])
    assert view_order(run, sort="name") == ["a", "Work-1", "work-1b", "work-2", "work-10"]
    assert view_order(run, sort="name", reverse=True) == [
        "work-10",
        "work-2",
        "work-1b",
        "Work-1",
        "a",
    ]


async def test_sort_has_a_direction_and_an_arrow_on_its_column(long_workspace) -> None:
    app = FlowtopApp(long_workspace, watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("s", "s")  # state, then name
        await pilot.pause()
        assert app.table.sort == "name"
        assert app.table.keys[:3] == ["work-1", "work-2", "work-3"]
        text = screen_text(app)
        assert "TASK ▲" in text and "sort: name ▲" in text
        await pilot.press("S")
        await pilot.pause()
        assert app.table.keys[:2] == ["work-40", "work-39"]
        text = screen_text(app)
        assert "TASK ▼" in text and "sort: name ▼" in text
        await pilot.press("s")  # duration: longest first, arrow on TIME
        await pilot.pause()
        assert "TIME ▼" in screen_text(app) and "TASK ▼" not in screen_text(app)


# -- 13: the detail pane: free rows, ↓ when focused, wrapped indent, neighbours --------


async def test_detail_pane_takes_the_rows_a_short_table_leaves(workspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.table.size.height == 6  # header + the demo flow's five tasks
        assert app.detail.size.height >= 12


async def test_detail_pane_scrolls_wraps_with_indent_and_names_neighbours(workspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    # 70×30: the traceback's raise line is wider than the pane and on the screen whatever
    # the checkout's path (80×24 wrapped the File line, path and all, at 2 places)
    async with app.run_test(size=(70, 30)) as pilot:
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.state is S.FAILED,
            "the demo run to fail",
        )
        assert app.table.move_to("broken")
        lines = (await wait_for_text(pilot, app, "Downstream: report")).splitlines()
        pane = [line.split("▕", 1)[1] for line in lines if "▕" in line]
        assert any("Downstream: report" in line for line in pane)
        assert any("Upstream: none" in line for line in pane)
        # a traceback's line wider than the pane continues at its indent
        start = next(i for i, line in enumerate(pane) if "Traceback (most" in line)
        raised = next(i for i in range(start, len(pane)) if "raise ValueError(" in pane[i])
        line, wrapped = pane[raised], pane[raised + 1]
        assert wrapped.split()[0] == '[red]unclosed")', (line, wrapped)  # (a scrollbar: right)
        indent = len(line) - len(line.lstrip())  # the pane's 1, the attempt's 6, its own
        assert indent > 7 and wrapped.startswith(" " * indent), (line, wrapped)
        assert all(line.startswith(" " * 7) for line in pane[start:raised])  # the File line's
        assert app.detail.max_scroll_y > 0
        app.detail.focus()
        await pilot.pause()
        assert footer_entries_shown(screen_text(app).splitlines()[-1])[0] == "↑↓ Scroll"
        await pilot.press("down", "down")
        await pilot.pause()
        assert app.detail.scroll_y == 2
        app.table.focus()
        assert app.table.move_to("load")
        assert "Upstream: extract, flaky" in await wait_for_text(
            pilot, app, "Upstream: extract, flaky"
        )


# -- 17: the retry editor ------------------------------------------------------------


async def test_editor_flags_an_unknown_retry_on_name_as_you_type(load_workspace) -> None:
    from textual.widgets import Button, Static

    from .editor_kit import editor_app, editor_field
    from .snapshot_apps import ETL_FILES

    app = editor_app(load_workspace(ETL_FILES), "etl", "fetch_orders")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        box = editor_field(app, "retry_on")
        box.value = "ConnectionError, ApiErorr"
        await pilot.pause()
        error = app.screen.query_one("#error-retry_on", Static)
        assert error.display and "unknown exception 'ApiErorr'" in str(error.render())
        assert app.screen.query_one("#save", Button).disabled
        box.value = "ConnectionError, ApiError"
        await pilot.pause()
        assert not error.display and not app.screen.query_one("#save", Button).disabled


async def test_save_says_what_it_saved(load_workspace, monkeypatch) -> None:
    """Where it saved, as reached from where flowtop was started (``flowtop flows``: the
    toast said ``.flowtop/overrides.toml``, a path that was not there)."""
    from .editor_kit import editor_app, editor_field
    from .snapshot_apps import ETL_FILES

    workspace = load_workspace(ETL_FILES)
    monkeypatch.chdir(workspace.root.parent)
    app = editor_app(workspace, "etl", "fetch_orders")
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await pilot.pause()
        editor_field(app, "max_retries").value = "5"
        editor_field(app, "timeout").value = "2.5"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == [True]
        messages = [n.message for n in app._notifications]
        assert (
            f"Saved etl / fetch_orders to {workspace.root.name}/.flowtop/overrides.toml: "
            "max_retries = 5; timeout = 2.5" in messages
        )


async def test_clearing_an_override_with_auto_rerun_on_says_a_rerun_follows(workspace) -> None:
    from flowtop.tui.screens import RetryEditor

    workspace.overrides[("demo", "broken")] = {"max_retries": 1}
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.state is S.FAILED,
            "the demo run to fail",
        )
        await pilot.press("a")
        assert app.table.move_to("broken")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the retry editor")
        with toasts_said(app) as toasts:  # (each noted: a loaded machine may let one expire)
            # On the button's label row, as a user clicks it, not its top-left corner (the
            # pilot's default): the dialog stands a row higher while `a`'s toast shows
            # (``hold_still_over_toasts``) and moves back as it expires, which on a loaded
            # machine fell between the pilot reading the button's place and its click
            # landing: the click hit the row above the button, and no toast came.
            assert await pilot.click("#clear", offset=(2, 1)), "the click missed the button"

            def said(start: str) -> bool:
                return any(message.startswith(start) for message in toasts)

            await wait_for(
                pilot, lambda: said("Cleared the override of demo / broken"), "the toast"
            )
            await wait_for(
                pilot, lambda: said("Auto-rerun is on: the failed tasks of demo"), "the rerun"
            )


def test_a_refused_flowtop_toml_is_not_called_reloaded(tmp_path) -> None:
    from flowtop.workspace import Workspace
    from flowtop.workspace.load_error import display_path

    (tmp_path / "flowtop.toml").write_text("[defaults]\nmax_retries = 1\n")
    workspace = Workspace(tmp_path)
    try:
        workspace.load()
        (tmp_path / "flowtop.toml").write_text("[defaults\n")
        summary = workspace.reload_paths([tmp_path / "flowtop.toml"]).summary()
        assert "invalid TOML" in summary and summary.endswith("; kept the last good settings")
        assert "Reloaded settings" not in summary
        # Saved again, still bad (the same error): still refused, not "Reloaded settings".
        (tmp_path / "flowtop.toml").write_text("[defaults\n\n")
        again = workspace.reload_paths([tmp_path / "flowtop.toml"]).summary()
        assert again.endswith("kept the last good settings"), again
        (tmp_path / "flowtop.toml").write_text("[defaults]\nmax_retries = 2\n")
        said = workspace.reload_paths([tmp_path / "flowtop.toml"]).summary()
        assert said == f"Reloaded {display_path(tmp_path / 'flowtop.toml')}"
    finally:
        workspace.close()


# -- 14: o opens the failing line in $EDITOR, y copies the error ---------------------


FAILING_FLOW = """\
from flowtop import Flow, task


def helper():
    raise ValueError("bad row 7")


@task(max_retries=0)
def crunch():
    helper()  # line 10


flow = Flow("crunchy")
flow.add_task(crunch)
"""


async def failed_crunch(tmp_path, pilot, app) -> None:
    await pilot.pause()
    await pilot.press("r")
    await wait_for(
        pilot,
        lambda: (run := app.store.latest_for("crunchy")) is not None and run.state is S.FAILED,
        "crunchy to fail",
    )
    await pilot.pause(0.05)


async def test_o_opens_the_failing_line_in_the_editor(tmp_path, monkeypatch) -> None:
    from flowtop.workspace import Workspace

    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "crunchy.py").write_text(FAILING_FLOW)
    record = tmp_path / "editor-args.txt"
    editor = tmp_path / "fake-editor.sh"
    editor.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n')
    editor.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{editor} --wait")
    workspace = Workspace(flows)
    workspace.load()
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await failed_crunch(tmp_path, pilot, app)
            # no terminal to hand over (a browser tab): an editor started anyway ran on the
            # server for no one, and a terminal one there never ended, nor did the tab
            with toasts_said(app) as said:
                await pilot.press("o")
                await wait_for(pilot, lambda: any("No terminal" in m for m in said), "o's toast")
            where = f"{(flows / 'crunchy.py').resolve()}:5"
            assert f"No terminal here to open {editor} in; the failing line is {where}" in [
                n.message for n in app._notifications
            ]
            assert not record.exists()
            # a terminal (the headless pilot has none: it stands in for one)
            monkeypatch.setattr(FlowtopApp, "suspend", lambda self: contextlib.nullcontext())
            await pilot.press("o")
            await wait_for(pilot, record.exists, "the editor to run")
            assert app.is_running
            # the last frame in the flow file is helper()'s raise (line 5), not crunch's call
            assert record.read_text().splitlines() == [
                "--wait",
                "+5",
                str((flows / "crunchy.py").resolve()),
            ]
    finally:
        workspace.close()


async def test_y_copies_the_error_and_says_where_else_it_is(tmp_path) -> None:

    from flowtop.workspace import Workspace

    (tmp_path / "crunchy.py").write_text(FAILING_FLOW)
    workspace = Workspace(tmp_path)
    workspace.load()
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await failed_crunch(tmp_path, pilot, app)
            await pilot.press("y")
            await pilot.pause()
            assert app.clipboard.startswith("crunchy / crunch: ValueError: bad row 7\n")
            assert "Traceback (most recent call last)" in app.clipboard
            assert "line 5, in helper" in app.clipboard
            message = [n.message for n in app._notifications][-1]
            assert message.startswith("Copied the error of crunch (OSC 52")
            path = tmp_path / message.rsplit("also in ", 1)[1]  # said from the workspace
            assert path.read_text() == app.clipboard
            # a traceback may hold secrets: in the private .flowtop/, not the shared /tmp
            assert path.parent == tmp_path / ".flowtop" / "copied"
            assert path.stat().st_mode & 0o777 == 0o600
    finally:
        workspace.close()


async def test_o_and_y_on_a_task_without_error_only_warn(workspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("o", "y")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert "Open in editor works on a task with an error (✗ or ⟳)" in messages
        assert "Copy error works on a task with an error (✗ or ⟳)" in messages


# -- 22: the README shows every screenshot with a caption ---------------------------


def test_readme_shows_all_five_screenshots_with_captions() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The monitor") :]
    section = section[: section.index("\n## ", 5)]
    shown = re.findall(r"!\[[^\]]+\]\(screenshots/([\w-]+)\.png\)\n\*([^*]+)\*", section)
    names = [name for name, _ in shown]
    assert sorted(names) == ["detail", "history", "history-run", "main", "retry-editor"]
    for name, caption in shown:
        assert (root / "screenshots" / f"{name}.png").is_file()
        assert len(caption.split()) >= 6, caption
    assert "lengthened" in section  # the bundled delays were changed for the picture


@pytest.mark.parametrize("width", [60, 80, 120])
async def test_history_footers_keep_help_and_quit_whole(tmp_path, width) -> None:
    from flowtop.tui.screens import RunDetailScreen

    from .test_screens import app_on_one_flow, one_run_ended

    async with app_on_one_flow(tmp_path) as (app, pilot):
        await pilot.resize_terminal(width, 20)
        await pilot.press("r")
        await wait_for(pilot, lambda: one_run_ended(app), "the run of 'one' to end")
        await pilot.press("h")
        await pilot.pause()
        for screen in ("history", "run"):
            if screen == "run":
                await pilot.press("enter")
                await wait_for(
                    pilot, lambda: isinstance(app.screen, RunDetailScreen), "the RunDetailScreen"
                )
            footer = screen_text(app).splitlines()[-1]
            shown = footer_entries_shown(footer)
            assert shown[-2:] == ["? Help", "q Quit"], footer
            # the runs list's main key first: it is kept when the footer is cut
            assert shown[0] == ("⏎ Open run" if screen == "history" else "esc Back"), footer


async def test_on_a_narrow_terminal_a_three_digit_time_stays_whole(tmp_path) -> None:
    """At 34 columns `run #1  ✗ Failed  55ms` fitted once the flow's name gave way, but a
    run of 100 ms or more was cut to `140…` (seen in CI on a loaded machine): the state's
    word gives way next, its symbol and the time stay."""
    import time

    @task
    def slow() -> None:
        time.sleep(0.15)
        raise ValueError("no")

    with Flow("narrow") as flow:
        slow()
    workspace = FakeWorkspace(tmp_path, {"narrow": flow})
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(34, 14)) as pilot:
        await pilot.press("r")
        await wait_for_run(pilot, app, StateType.FAILED)
        await pilot.pause()
        line = screen_text(app).splitlines()[app.header.region.y][app.header.region.x :]
        assert line.rstrip().endswith("ms") and "run #1  ✗" in line, line
    for runner in workspace.runners:
        runner.shutdown(wait=True)
