"""The modal and secondary screens, each hosted in a tiny app and driven by keys.

The retry editor runs against a real ``Workspace`` on a temporary folder, so a save is
checked by what lands in ``.flowtop/overrides.toml`` and in the effective policy.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding
from textual.widgets import Button, DataTable, Input, Static

from flowtop.tui.screens import (
    ConfirmScreen,
    HelpScreen,
    HistoryScreen,
    RetryEditor,
    RunDetailScreen,
)
from flowtop.tui.screens.quit import QuitScreen
from pilot_kit import screen_text, wait_for

from .editor_kit import editor_app, editor_field, saved_overrides
from .snapshot_apps import ETL_FILES, HostApp, make_history

SIZE = (120, 36)


def rendered(widget: Static) -> str:
    return str(widget.render())


# -- confirm --------------------------------------------------------------------------


async def test_the_quit_question_and_its_cancel_button_follow_the_live_runs():
    """Two runs asked about; one ends: the question and the button speak of one, not two."""
    live = ["etl #1", "report #2"]
    app = HostApp(lambda: QuitScreen(list(live), still_live=lambda: list(live)))
    async with app.run_test(size=SIZE) as pilot:
        cancel = app.screen.query_one("#cancel", Button)
        assert str(cancel.label) == "Cancel them (c)"
        live.pop()
        await wait_for(pilot, lambda: str(cancel.label) == "Cancel it (c)", "the label", 5)
        assert rendered(app.screen.query_one("#question", Static)).startswith(
            "1 run started here is still running: etl #1."
        )
        live.pop()
        await wait_for(pilot, lambda: app.results == ["keep"], "the dialog to close", 5)


@pytest.mark.parametrize("size", [(50, 15), (60, 20), (120, 36)])
async def test_every_quit_answer_shows_whole_on_a_small_terminal(size):
    """Side by side, the buttons read `Stay (` at 60 columns and lost Stay at 50."""
    app = HostApp(lambda: QuitScreen(["etl #1", "report #2"]))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(app)
        for label in ("Keep running (k)", "Cancel them (c)", "Stay (s)"):
            assert label in text, text


@pytest.mark.parametrize(
    ("key", "answer"), [("y", True), ("enter", True), ("n", False), ("escape", False)]
)
async def test_confirm_answers_by_key(key, answer):
    app = HostApp(lambda: ConfirmScreen("Cancel run #3 of etl?"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        assert app.results == [answer]
        assert not isinstance(app.screen, ConfirmScreen)


async def test_confirm_question_is_not_markup():
    app = HostApp(lambda: ConfirmScreen("Cancel [bold]run[/bold] of [etl]?"))
    async with app.run_test(size=SIZE):
        assert (
            rendered(app.screen.query_one("#question", Static))
            == "Cancel [bold]run[/bold] of [etl]?"
        )


# -- help -----------------------------------------------------------------------------

BINDINGS = [
    Binding("r", "run", "Run flow", tooltip="Start a new run"),
    Binding("question_mark", "help", "Help"),
    Binding("y,enter", "confirm", "Confirm"),
    ("q", "quit", "Quit"),
]


async def test_help_lists_every_key_with_its_description():
    app = HostApp(lambda: HelpScreen(BINDINGS))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.rows == [
            ("r", "Run flow", "Start a new run"),
            ("?", "Help", "on this screen ? closes the help"),  # (it does)
            ("y / ⏎", "Confirm", ""),
            ("q", "Quit", "on this screen q closes the help, ^q quits"),
        ]


@pytest.mark.parametrize("key", ["escape", "question_mark"])
async def test_help_closes_with_escape_or_question_mark(key):
    app = HostApp(lambda: HelpScreen(BINDINGS))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the HelpScreen")
        await pilot.press(key)
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


# -- retry editor ---------------------------------------------------------------------


@pytest.fixture
def real_workspace(load_workspace):
    return load_workspace(ETL_FILES)


def fetch_orders_editor(real_workspace):
    return editor_app(real_workspace, "etl", "fetch_orders")


async def set_field(pilot, app, name, text):
    editor_field(app, name).value = text
    await pilot.pause()


def policy(real_workspace):
    flow = real_workspace.flows["etl"]
    return real_workspace.policy_for(flow, flow.nodes["fetch_orders"])


@pytest.mark.parametrize("size", [(40, 12), (60, 16)])
async def test_the_editor_s_save_button_shows_on_a_small_terminal(real_workspace, size):
    """At 40×12 the fields took the dialog's height and its buttons were drawn off screen:
    the buttons stay at the dialog's foot, the fields scroll."""
    app = fetch_orders_editor(real_workspace)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        save = app.screen.query_one("#save", Button)
        assert app.screen.region.contains_region(save.region), (save.region, size)
        assert "Save" in screen_text(app)
        for _ in range(5):  # each field Tab reaches is scrolled into view, to type in it
            await pilot.press("tab")
            await pilot.pause()
            focused = app.screen.focused
            assert focused is not None and isinstance(focused, Input)
            dialog = app.screen.query_one("#dialog").content_region  # what is drawn of it
            assert dialog.contains_region(focused.region), (focused.id, size)


async def test_editor_is_prefilled_and_names_each_layer(real_workspace):
    app = fetch_orders_editor(real_workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert editor_field(app, "max_retries").value == "3"
        assert editor_field(app, "retry_delay").value == "1, 5"
        assert editor_field(app, "retry_on").value == "ConnectionError, ApiError"
        assert editor_field(app, "timeout").value == ""
        assert rendered(app.screen.query_one("#layer-max_retries", Static)) == "← task"
        assert rendered(app.screen.query_one("#layer-timeout", Static)) == "← builtin"
        assert app.screen.query_one("#clear", Button).disabled  # nothing to clear yet


async def test_an_edited_field_says_where_its_value_will_come_from(real_workspace):
    """Typed and not saved yet: the override (starred); emptied: the layers below."""
    app = fetch_orders_editor(real_workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()

        def marker(name: str) -> Static:
            return app.screen.query_one(f"#layer-{name}", Static)

        editor_field(app, "max_retries").value = "5"
        editor_field(app, "retry_on").value = ""
        await pilot.pause()
        assert rendered(marker("max_retries")) == "← overrides*"
        assert marker("max_retries").has_class("-override")
        assert rendered(marker("retry_on")) == "← below*"
        editor_field(app, "retry_delay").value = "2"  # the delay fields are written together
        await pilot.pause()
        assert rendered(marker("backoff_factor")) == "← overrides*"
        editor_field(app, "max_retries").value = "3"  # back to what it was: nothing to save
        await pilot.pause()
        assert rendered(marker("max_retries")) == "← task"
        assert not marker("max_retries").has_class("-override")


async def test_editor_validates_as_you_type(real_workspace):
    app = fetch_orders_editor(real_workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        save = app.screen.query_one("#save", Button)
        error = app.screen.query_one("#error-max_retries", Static)
        await pilot.press("end", "backspace", "x")  # focus starts in max retries
        await pilot.pause()
        assert editor_field(app, "max_retries").value == "x"
        assert save.disabled and error.display
        assert "whole number" in rendered(error)
        assert editor_field(app, "max_retries").has_class("-invalid")
        await pilot.press("backspace", "5")
        await pilot.pause()
        assert not save.disabled and not error.display


async def test_typing_into_a_prefilled_field_replaces_its_value(real_workspace):
    """A user who opens the editor on ``max_retries=3`` and types 5 means 5, not 35: a
    field's value is selected when it gains focus, as in a browser's form."""
    app = fetch_orders_editor(real_workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("5")  # focus starts in max retries
        assert editor_field(app, "max_retries").value == "5"
        await pilot.press("tab", "2")
        assert editor_field(app, "retry_delay").value == "2"


async def test_editing_keys_and_letters_arriving_together_act_in_order(real_workspace):
    """Over a laggy link, keys come in bursts: ⌫ then 5 must leave 5, not the 3 the
    backspace (an action that went round the app) deleted after 5 was typed."""
    from textual import events

    app = fetch_orders_editor(real_workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for key, character in (("end", None), ("backspace", None), ("5", "5")):
            app.post_message(events.Key(key, character))
        await pilot.pause()
        assert editor_field(app, "max_retries").value == "5"
        for key, character in (("ctrl+u", None), ("7", "7"), ("home", None), ("1", "1")):
            app.post_message(events.Key(key, character))
        await pilot.pause()
        assert editor_field(app, "max_retries").value == "17"


async def test_save_writes_only_changed_values_through_the_workspace(real_workspace):
    app = fetch_orders_editor(real_workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await set_field(pilot, app, "max_retries", "5")
        await set_field(pilot, app, "retry_delay", "2")
        await set_field(pilot, app, "backoff_factor", "3")
        await set_field(pilot, app, "max_delay", "30")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == [True]
    table = saved_overrides(real_workspace)["flows"]["etl"]["tasks"]["fetch_orders"]
    assert table == {"max_retries": 5, "retry_delay": {"base": 2, "factor": 3, "max_delay": 30}}
    now = policy(real_workspace)
    assert now.max_retries == 5 and now.source("max_retries") == "overrides"
    assert [t.__name__ for t in now.retry_on] == ["ConnectionError", "ApiError"]
    assert now.source("retry_on") == "task"  # untouched, so not copied into the override


async def test_enter_in_a_field_saves(real_workspace):
    app = fetch_orders_editor(real_workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await set_field(pilot, app, "timeout", "2.5")
        editor_field(app, "timeout").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [True]
    assert policy(real_workspace).timeout == 2.5


async def test_escape_cancels_without_writing(real_workspace):
    app = fetch_orders_editor(real_workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await set_field(pilot, app, "max_retries", "9")
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [False]
    assert not real_workspace.overrides_path.exists()


async def test_saving_an_unchanged_form_writes_nothing(real_workspace):
    app = fetch_orders_editor(real_workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == [False]
    assert not real_workspace.overrides_path.exists()


async def test_a_task_removed_by_a_reload_is_reported_not_raised(real_workspace):
    app = HostApp(lambda: RetryEditor(real_workspace, "etl", "no_such_task"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "no_such_task is no longer in flow etl" in rendered(
            app.screen.query_one("#form-error", Static)
        )
        assert app.screen.query_one("#save", Button).disabled
        await pilot.press("ctrl+s", "escape")
        await pilot.pause()
        assert app.results == [False]
    assert not real_workspace.overrides_path.exists()


async def test_a_task_renamed_while_the_editor_is_open_is_not_saved(real_workspace):
    """Saved anyway, the override named a task that no longer existed (and the file went
    ✗ at once)."""
    app = fetch_orders_editor(real_workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await set_field(pilot, app, "max_retries", "7")
        path = real_workspace.root / "etl.py"
        path.write_text(path.read_text().replace("fetch_orders", "fetch_all_orders"))
        real_workspace.load()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == []  # still open, saying why
        assert "Not saved: fetch_orders is no longer in flow etl" in rendered(
            app.screen.query_one("#form-error", Static)
        )
    assert not real_workspace.overrides_path.exists()


async def test_a_refused_value_is_shown_in_the_form_not_raised(real_workspace, monkeypatch):
    app = fetch_orders_editor(real_workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await set_field(pilot, app, "retry_on", "ConnectionError, NoSuchError")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, RetryEditor) and app.results == []
        message = rendered(app.screen.query_one("#error-retry_on", Static))
        assert "NoSuchError" in message  # flagged under the field, before any save

        def refuse(*args, **kwargs):
            raise OSError("disk full")

        monkeypatch.setattr(real_workspace, "set_override", refuse)
        await set_field(pilot, app, "retry_on", "ConnectionError")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, RetryEditor) and app.results == []
        message = rendered(app.screen.query_one("#form-error", Static))
        assert message == "Not saved: disk full"
    assert not real_workspace.overrides_path.exists()


async def test_clear_override_removes_the_task_table(real_workspace):
    real_workspace.set_override("etl", "fetch_orders", max_retries=7)
    assert policy(real_workspace).max_retries == 7
    app = fetch_orders_editor(real_workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert editor_field(app, "max_retries").value == "7"
        assert rendered(app.screen.query_one("#layer-max_retries", Static)) == "← overrides"
        await pilot.click("#clear")
        await pilot.pause()
        assert app.results == [True]
    assert "flows" not in saved_overrides(real_workspace)
    assert policy(real_workspace).max_retries == 3


async def test_editor_fits_80x24_with_save_reachable(real_workspace):
    app = fetch_orders_editor(real_workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await set_field(pilot, app, "max_retries", "4")
        save = app.screen.query_one("#save", Button)
        assert save.region.bottom <= 24 and save.region.right <= 80
        await pilot.click("#save")
        await pilot.pause()
        assert app.results == [True]


# -- history --------------------------------------------------------------------------


@pytest.fixture
def history(tmp_path):
    store = make_history(tmp_path)
    yield store
    store.close()


async def test_history_lists_runs_newest_first(history):
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#runs", DataTable)
        assert table.row_count == 2
        first = [str(cell) for cell in table.get_row_at(0)]
        second = [str(cell) for cell in table.get_row_at(1)]
        assert first[:3] == ["etl", "2", "✓ Completed"] and first[6] == "#1"
        assert second[:3] == ["etl", "1", "✗ Failed"] and second[5] == "4.5s"
        assert second[3] == "✓ 1  ✗ 1  ⊘ 1"  # beside the state: visible at 80 columns


async def test_a_shortened_history_says_how_many_runs_the_file_holds(history, monkeypatch):
    from flowtop.tui.screens import history as screen

    monkeypatch.setattr(screen, "RUN_LIMIT", 1)
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#runs", DataTable).row_count == 1
        heading = rendered(app.screen.query_one("#heading", Static))
        assert heading == "History · flow etl · newest 1 of 2 runs"


@pytest.mark.parametrize(("width", "more"), [(60, True), (140, False)])
async def test_history_says_when_columns_are_past_the_right_edge(history, width, more):
    """At 80 columns Duration read `Durat` and its values `7` and `1m`, with nothing to
    say that → showed the rest."""
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=(width, 20)) as pilot:
        await pilot.pause()
        heading = rendered(app.screen.query_one("#heading", Static))
        assert heading.endswith(" · → more columns") is more, heading


async def test_an_open_history_screen_follows_new_runs(history, monkeypatch):
    """It was a snapshot: a run started or ended meanwhile never showed."""
    from flowtop.engine.events import RunFinished, RunStarted
    from flowtop.engine.states import StateType
    from flowtop.tui.screens import history as screen

    monkeypatch.setattr(screen, "REFRESH", 0.05)
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#runs", DataTable)
        assert table.row_count == 2
        history.sink(
            [
                RunStarted("run-0003", "etl", 3, ("extract",), (1,), ("",), ts=1.0),
                RunFinished("run-0003", "etl", 3, StateType.COMPLETED, {"COMPLETED": 1}, 1.0, 2.0),
            ]
        )
        assert history.flush(10)
        await wait_for(pilot, lambda: table.row_count == 3, "the new run to show", 10)


async def test_history_of_another_flow_is_empty_until_all_flows(history):
    app = HostApp(lambda: HistoryScreen(history, "other"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#runs", DataTable).row_count == 0
        assert "No runs yet" in rendered(app.screen.query_one("#message", Static))
        await pilot.press("a")
        await pilot.pause()
        assert app.screen.query_one("#runs", DataTable).row_count == 2


async def test_enter_opens_a_run_with_every_attempt_as_plain_text(history):
    app = HostApp(lambda: HistoryScreen(history, None))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")  # run #1, the failed one
        await wait_for(
            pilot, lambda: isinstance(app.screen, RunDetailScreen), "the RunDetailScreen"
        )
        tasks = app.screen.query_one("#tasks", DataTable)
        assert [str(tasks.get_row_at(i)[0]) for i in range(tasks.row_count)] == [
            "extract",
            "fetch_orders",
            "load",
        ]
        await pilot.press("down")
        await pilot.pause()
        text = rendered(app.screen.query_one("#attempt-text", Static))
        for n in (1, 2, 3, 4):
            assert f"Attempt {n} · " in text
        assert (
            text.count("ConnectionError: [bold]api.example.com[/bold] connection reset") == 8
        )  # error + traceback
        assert "retry after 1s (retry_delay[0] → 1s)" in text
        assert "GET /orders try 4␛[31m" in text  # an escape sequence is shown, not obeyed
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "the HistoryScreen")
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


async def test_unreadable_history_is_a_message_not_a_crash():
    class Broken:
        def runs(self, flow=None, limit=100):
            raise OSError("disk on fire")

    app = HostApp(lambda: HistoryScreen(Broken(), "etl"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "disk on fire" in rendered(app.screen.query_one("#message", Static))


async def test_main_screen_keys_are_off_while_history_is_open(tmp_path) -> None:
    """`h` inside history must not stack another history, nor `r` start a run from there."""
    async with app_on_one_flow(tmp_path) as (app, pilot):
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "the HistoryScreen")
        depth = len(app.screen_stack)
        await pilot.press("h", "r")
        await pilot.pause()
        assert len(app.screen_stack) == depth
        assert app.check_action("run", ()) is False and app.check_action("quit", ()) is True


async def test_history_lists_a_run_that_ended_a_moment_ago(tmp_path) -> None:
    """The history takes events four times a second; `h` hands it the rest first."""
    async with app_on_one_flow(tmp_path) as (app, pilot):
        await pilot.press("r")
        await wait_for(pilot, lambda: one_run_ended(app), "the run of 'one' to end")
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "the HistoryScreen")
        table = app.screen.query_one("#runs", DataTable)
        assert table.row_count == 1
        assert "Completed" in str(table.get_row_at(0)[2])


async def test_keys_table_in_flowtop_toml_rebinds_by_binding_id(tmp_path) -> None:
    (tmp_path / "flowtop.toml").write_text(
        '[keys]\n"flowtop.run" = "ctrl+r"\n"flowtop.nope" = "z"\n'
    )
    async with app_on_one_flow(tmp_path) as (app, pilot):
        messages = [n.message for n in app._notifications]
        assert any("unknown binding id flowtop.nope" in m for m in messages)
        assert [m for m in messages if "[keys]" in m and "unknown binding" not in m] == []
        await pilot.press("r")  # no longer bound
        await pilot.pause(0.2)
        assert app.store.latest_for("one") is None
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: one_run_ended(app), "the run of 'one' to end")
        assert app.store.latest_for("one") is not None


async def test_a_rebinding_to_no_key_is_named_and_the_action_keeps_its_key(tmp_path) -> None:
    """`"flowtop.run" = "nosuchkey"` left `run` with no key anyone could press."""
    (tmp_path / "flowtop.toml").write_text(
        '[keys]\n"flowtop.run" = "nosuchkey"\n"flowtop.help" = "question_mark,dollar"\n'
        '"flowtop.history" = "f5,h"\n'
    )
    async with app_on_one_flow(tmp_path) as (app, pilot):
        messages = [n.message for n in app._notifications if "is not a key" in n.message]
        assert messages == [
            "flowtop.toml [keys]: flowtop.run = 'nosuchkey' is not a key (names look like r,"
            " R, f5, ctrl+r, question_mark); it keeps r",
            "flowtop.toml [keys]: flowtop.help = 'question_mark,dollar' is not a key (names look"
            " like r, R, f5, ctrl+r, question_mark); it keeps question_mark",
        ]
        assert app.keymap_now == {"flowtop.history": "f5,h"}
        await pilot.press("r")  # still run's key
        await wait_for(pilot, lambda: one_run_ended(app), "the run of 'one' to end")


async def test_a_rebinding_that_takes_another_action_s_key_is_named(tmp_path) -> None:
    """``R`` is the run form's key: giving it to ``run`` as well leaves one of them keyless."""
    (tmp_path / "flowtop.toml").write_text('[keys]\n"flowtop.run" = "R"\n')
    async with app_on_one_flow(tmp_path) as (app, _pilot):
        assert [n.message for n in app._notifications if "still runs it" in n.message] == [
            "flowtop.toml [keys]: R is now flowtop.run's key, so flowtop.run_with_parameters"
            " has no key (the palette, ^p, still runs it); give it one with [keys]"
            ' "flowtop.run_with_parameters" = "…"'
        ]


def test_keys_table_must_map_ids_to_key_names(tmp_path) -> None:
    from flowtop.workspace import Workspace

    (tmp_path / "flowtop.toml").write_text('[keys]\n"flowtop.run" = 5\n')
    workspace = Workspace(tmp_path)
    workspace.load()
    assert "flowtop.toml:2" in str(workspace.settings_error)
    assert "'flowtop.run' must be a key name" in str(workspace.settings_error)


async def test_a_corrupt_history_file_is_reported_and_the_app_stays_up(tmp_path) -> None:
    (tmp_path / ".flowtop").mkdir()
    (tmp_path / ".flowtop" / "history.db").write_bytes(b"not a database" * 100)
    async with app_on_one_flow(tmp_path) as (app, pilot):
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("Running without history:") for m in messages)
        await pilot.press("h")
        await pilot.pause()
        assert any(n.message.startswith("No history:") for n in app._notifications)
        assert len(app.screen_stack) == 1
        await pilot.press("r")
        await wait_for(pilot, lambda: one_run_ended(app), "the run of 'one' to end")
        assert app.store.latest_for("one").state.value == "COMPLETED"


@contextlib.asynccontextmanager
async def app_on_one_flow(folder: Path) -> AsyncIterator[tuple[Any, Any]]:
    """The real app on a real workspace of ``folder``, with the flow 'one' written there."""
    from flowtop.tui.app import FlowtopApp
    from flowtop.workspace import Workspace

    write_one_flow(folder)
    workspace = Workspace(folder)
    workspace.load()
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.pause()
            yield app, pilot
    finally:
        workspace.close()


def write_one_flow(folder) -> None:
    """A one-task flow named 'one', for tests that need a real workspace."""
    (folder / "one.py").write_text(
        "from flowtop import Flow, task\n\n@task\ndef a():\n    return 1\n\nflow = Flow('one')\nflow.add_task(a)\n"
    )


def one_run_ended(app) -> bool:
    run = app.store.latest_for("one")
    return run is not None and run.state is not None and run.state.is_final


def test_the_history_screen_shows_a_progress_bar_as_the_terminal_left_it(tmp_path: Path) -> None:
    from flowtop import Flow, task
    from flowtop.engine import Runner
    from flowtop.tui.screens.run_detail import attempts_text
    from flowtop.workspace.history import History

    @task
    def load() -> int:
        print("".join(f"\r{p:3d}%" for p in range(0, 101, 50)))
        return 1

    flow = Flow("bars")
    flow.add_task(load)
    with History(tmp_path / "history.db") as history:
        runner = Runner(2, sinks=[history.sink], next_number=history.next_number)
        try:
            run = runner.start(flow)
            run.result(10)
            assert runner.bus.flush(10) and history.flush(10)
        finally:
            runner.shutdown()
        text = attempts_text(history.run_detail(run.run_id).task("load")).plain
    assert "100%" in text and " 50%" not in text and "␍" not in text


def test_a_reused_task_says_once_where_its_attempts_are() -> None:
    from flowtop.engine.events import REUSED_FROM_SOURCE
    from flowtop.tui.screens.run_detail import attempts_text
    from flowtop.workspace.history_records import TaskRecord

    reused = TaskRecord(
        "extract", "COMPLETED", 3, 5, "4× 1s", "[1, 2]", True, REUSED_FROM_SOURCE,
        None, None, None, None, None,
    )  # fmt: skip
    text = attempts_text(reused).plain
    assert "its attempts are there" in text
    assert REUSED_FROM_SOURCE not in text  # not said twice
    assert "No attempts recorded" not in text


async def test_a_run_with_no_task_says_how_it_ended_in_the_history() -> None:
    """A run that did not start, or whose @flow raised before calling a task, read only
    "This run recorded no tasks.": the main screen said why, its history did not."""
    from flowtop.workspace.history_records import RunDetail, RunRecord

    from .snapshot_apps import HostApp

    error = {"type": "KeyError", "message": "'GBP'", "traceback": "Traceback …\nKeyError: 'GBP'\n"}
    run = RunRecord("r1", "boom", 3, "FAILED", 0.0, 1.0, 1.0, None, None, {}, 0, error=error)
    app = HostApp(lambda: RunDetailScreen(RunDetail(run)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
    assert "This run recorded no tasks." in text
    assert "The run: flow raised KeyError: 'GBP'" in text and "Traceback …" in text


async def test_every_column_of_the_all_flows_history_fits_beside_long_flow_cells() -> None:
    """A subflow's caller and a run's parameters in its Flow cell pushed Started,
    Duration and Rerun of past the right edge at 120 columns."""
    from flowtop.workspace.history_records import RunDetail, RunRecord

    from .snapshot_apps import HostApp

    run = RunRecord(
        "r1",
        "region-subreport",
        8,
        "COMPLETED",
        1.0,
        2.0,
        0.342,
        "r0",
        7,
        {"COMPLETED": 3},
        3,
        parent="p1",
        parent_flow="daily-report-for-every-region",
        parent_number=4,
        parameters={"day": "2026-02-06", "regions": ["eu", "us", "apac"], "currency": "USD"},
        reused=2,
    )

    class OneRun:
        def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
            return [run]

        def count(self, flow: str | None = None) -> int:
            return 1

        def run_detail(self, run_id: str) -> RunDetail:
            return RunDetail(run)

    app = HostApp(lambda: HistoryScreen(OneRun(), None))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        lines = screen_text(app).splitlines()
    header = next(line for line in lines if line.lstrip().startswith("Flow"))
    row = next(line for line in lines if "region-subreport" in line)
    assert header.rstrip().endswith("Rerun of") and "Counts" in header, header
    assert row.rstrip().endswith("#7") and "342ms" in row and "…" in row, row
    assert "✓ 3 (2 reused)" in row, row  # a rerun's tasks that were carried over, not run


def test_history_counts_show_interrupted_tasks_with_their_symbol() -> None:
    """It read `✓ 2  Interrupted 3`, where every other state (and the main screen) has a
    symbol."""
    from flowtop.tui.row_views import state_counts_text as counts_text

    assert counts_text({"COMPLETED": 2, "INTERRUPTED": 3}) == "✓ 2  ⚡ 3"
