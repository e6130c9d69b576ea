"""An open retry editor follows settings saved elsewhere while it is open.

Two windows on one workspace: one saved ``max_retries = 7`` for a task while the other
had its editor open on it. The other kept showing the old values, and what its Save
wrote was judged against them: typing back the old value wrote nothing. Now the
watcher's reload reaches the editor: an untouched form shows the saved values, an edited
one keeps the edits and says plainly what Save will write over the saved values.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Button, Input, Static

from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.retry_editor import RetryEditor
from flowtop.tui.screens.retry_form import after_reload
from pilot_kit import wait_for

from .conftest import FakeChange, FakeWorkspace


def value(app: FlowtopApp, name: str) -> str:
    return app.screen.query_one(f"#field-{name}", Input).value


def note(app: FlowtopApp) -> str:
    """What the editor says of the reload ("" when it says nothing)."""
    boxes = app.screen.query("#reloaded").results(Static)
    return "".join(str(box.render()) for box in boxes if box.display)


async def open_editor(pilot: Any, app: FlowtopApp) -> None:
    await pilot.pause()
    assert app.table.move_to("flaky")  # max_retries=2, retry_delay=0.05, ConnectionError
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the retry editor")


async def saved_elsewhere(
    pilot: Any, app: FlowtopApp, workspace: FakeWorkspace, **values: Any
) -> None:
    """What another window's Save does: the file changes, and the watcher reloads."""
    workspace.set_override("demo", "flaky", **values)
    assert workspace.changes is not None
    workspace.changes.put_nowait(FakeChange("Reloaded settings"))
    await wait_for(pilot, lambda: note(app) != "", "the editor to hear of the reload")


async def test_an_untouched_editor_shows_the_values_saved_elsewhere(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=True)
    async with app.run_test(size=(100, 36)) as pilot:
        await open_editor(pilot, app)
        assert value(app, "max_retries") == "2"
        await saved_elsewhere(pilot, app, workspace, max_retries=7)
        assert value(app, "max_retries") == "7"
        assert "Changed on disk" in note(app) and "the fields show the saved values" in note(app)
        assert "overrides" in str(app.screen.query_one("#layer-max_retries", Static).render())
        assert not app.screen.query_one("#clear", Button).disabled  # there is one to clear now
        await pilot.press("ctrl+u", "2", "ctrl+s")  # the old value typed back is a change now
        await wait_for(pilot, lambda: len(app.screen_stack) == 1, "the editor to save")
        assert workspace.overrides[("demo", "flaky")] == {"max_retries": 2}


async def test_an_edited_editor_keeps_its_edits_and_says_what_save_writes(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=True)
    async with app.run_test(size=(100, 36)) as pilot:
        await open_editor(pilot, app)
        app.screen.query_one("#field-retry_jitter", Input).value = "0.5"
        await pilot.pause()
        await saved_elsewhere(pilot, app, workspace, max_retries=7, timeout=9)
        assert (value(app, "max_retries"), value(app, "timeout")) == ("7", "9")
        assert value(app, "retry_jitter") == "0.5"
        said = note(app)
        assert "Changed on disk" in said and "Save writes your Jitter 0.5" in said, said
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(app.screen_stack) == 1, "the editor to save")
        assert workspace.overrides[("demo", "flaky")] == {
            "max_retries": 7,
            "timeout": 9,
            "retry_jitter": 0.5,
        }


def test_after_reload_keeps_edited_fields_and_the_delay_fields_together() -> None:
    initial = {"max_retries": "2", "retry_delay": "1", "backoff_factor": "2", "timeout": ""}
    saved = {"max_retries": "7", "retry_delay": "1", "backoff_factor": "3", "timeout": "9"}
    texts = {**initial, "retry_delay": "4", "retry_jitter": "", "retry_on": ""}
    texts |= {"max_delay": "", "retry_deadline": ""}
    form = after_reload(texts, initial, saved)
    assert form.texts["max_retries"] == "7" and form.texts["timeout"] == "9"  # untouched
    assert (form.texts["retry_delay"], form.texts["backoff_factor"]) == ("4", "2")  # one setting
    assert form.kept == ("retry_delay", "backoff_factor")
    untouched = after_reload(dict(initial), initial, saved)
    assert untouched.kept == () and untouched.texts["backoff_factor"] == "3"


async def test_a_task_removed_then_brought_back_can_be_saved_again(
    workspace: FakeWorkspace,
) -> None:
    """An editor saving a half-typed rename removes the task for one reload: the next
    reload, bringing it back unchanged, left Save refused ("no longer in flow demo")."""
    app = FlowtopApp(workspace, watch=True)
    async with app.run_test(size=(100, 36)) as pilot:
        await open_editor(pilot, app)
        editor = app.screen
        assert isinstance(editor, RetryEditor)
        flows = dict(workspace.flows)
        workspace.flows = {}
        editor.settings_reloaded()
        assert editor.gone
        workspace.flows = flows
        editor.settings_reloaded()
        assert editor.gone == ""
        await pilot.press("3")  # an edit: Save is open again
        await pilot.pause()
        assert not app.screen.query_one("#save", Button).disabled
