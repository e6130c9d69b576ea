"""The retry editor (`e`) sets Prefect's ``retry_jitter_factor`` (session 49).

The engine takes it (``@task(retry_jitter_factor=0.5)``), but the editor only showed a
drop-in task's as a row to read (`0.5 (Prefect's: edit the code)`), and no settings file
took the key: ``set_override(retry_jitter_factor=0.5)`` was refused as an unknown key.
It is a field now, as the other settings are: its value and layer, flagged as typed,
saved to ``.flowtop/overrides.toml``, shown in the table's policy column and the detail
pane, and dropped back to the layers below when emptied or cleared.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Button, Input

from flowtop.engine.layers import Layer
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens import RetryEditor
from flowtop.tui.widgets.detail_pane import DetailPane
from flowtop.workspace import Workspace
from flowtop.workspace.settings import SettingsError
from pilot_kit import FrozenClock, screen_text, wait_for

from .conftest import LoadWorkspace
from .editor_kit import editor_app, editor_field, saved_overrides, shown
from .snapshot_apps import NOW

PIPE = """\
from flowtop import Flow, task


@task(max_retries=2, retry_delay=4, retry_jitter_factor=0.5)
def fetch():
    return 1


@task(max_retries=2, retry_delay=4)
def store(x):
    return x


with Flow("pipe") as flow:
    store(fetch())
"""


@pytest.fixture
def workspace(load_workspace: LoadWorkspace) -> Workspace:
    return load_workspace({"pipe.py": PIPE})


def field(app: Any) -> Input:
    """The jitter factor's input, the field all of this file is about."""
    return editor_field(app, "retry_jitter_factor")


def factor_of(workspace: Workspace, task: str) -> tuple[str, Layer] | None:
    node = workspace.shapes["pipe"].node(task)
    assert node is not None
    return node.policy.layers.get("retry_jitter_factor")


async def test_the_field_shows_the_code_s_factor_and_its_layer(workspace: Workspace) -> None:
    app = editor_app(workspace, "pipe", "fetch")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert field(app).value == "0.5"  # old: no such field
        assert shown(app, "layer-retry_jitter_factor") == "← task"


async def test_unset_it_is_empty_and_says_what_empty_means(workspace: Workspace) -> None:
    app = editor_app(workspace, "pipe", "store")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert field(app).value == ""
        assert field(app).placeholder.startswith("none (Prefect's: 0.5 draws each wait")
        assert shown(app, "layer-retry_jitter_factor") == "← builtin"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("-0.5", "jitter factor must be at least 0, got -0.5"),
        ("half", "jitter factor must be a number, got 'half'"),
        ("inf", "jitter factor must be a finite number, got 'inf'"),
    ],
)
async def test_a_wrong_factor_is_flagged_under_its_field_and_not_saved(
    workspace: Workspace, typed: str, error: str
) -> None:
    app = editor_app(workspace, "pipe", "store")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        field(app).value = typed
        await pilot.pause()
        assert shown(app, "error-retry_jitter_factor") == error
        assert field(app).has_class("-invalid")
        assert app.screen.query_one("#save", Button).disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == [] and saved_overrides(workspace) == {}  # still open, nothing written


def test_the_settings_files_take_it_by_the_engine_s_rule(workspace: Workspace) -> None:
    """A value the editor accepts is one the file accepts, and the other way round."""
    with pytest.raises(SettingsError, match=r"retry_jitter_factor must be a finite number >= 0"):
        workspace.set_override("pipe", "store", retry_jitter_factor=-1)
    workspace.set_override("pipe", "store", retry_jitter_factor=0.25)  # old: unknown key
    assert factor_of(workspace, "store") == ("0.25", Layer.OVERRIDES)


async def test_a_saved_factor_is_written_and_shown_in_the_table_and_detail_pane(
    workspace: Workspace,
) -> None:
    app = FlowtopApp(workspace, clock=FrozenClock(NOW), watch=False)
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_for(pilot, lambda: app.table.move_to("store"), "the store row")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the editor")
        field(app).value = "0.25"
        await pilot.pause()
        assert shown(app, "layer-retry_jitter_factor") == f"← {Layer.OVERRIDES}*"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, RetryEditor), "the save")
        await pilot.pause()
        table = saved_overrides(workspace)["flows"]["pipe"]["tasks"]["store"]
        assert table == {"retry_jitter_factor": 0.25}  # only the field changed
        assert app.table.move_to("store")
        await pilot.pause()
        text = screen_text(app)
        policy = [line for line in text.splitlines() if "2× 4s jitter factor 0.25" in line]
        assert len(policy) == 1 and "▕store " in policy[0], text  # its POLICY cell, whole
        pane = app.query_one(DetailPane).region  # its policy: name, value · layer
        rows = text.splitlines()[pane.y : pane.bottom]
        said = [row[pane.x : pane.right].split() for row in rows]
        assert ["retry_jitter_factor", "0.25", "·", "overrides"] in said, rows


async def test_emptied_it_falls_back_to_the_code_s_value(workspace: Workspace) -> None:
    workspace.set_override("pipe", "fetch", retry_jitter_factor=0)  # no second jitter
    app = editor_app(workspace, "pipe", "fetch")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert field(app).value == "0"
        assert shown(app, "layer-retry_jitter_factor") == f"← {Layer.OVERRIDES}"
        field(app).value = ""
        await pilot.pause()
        assert shown(app, "layer-retry_jitter_factor") == "← below*"
        assert field(app).placeholder == "0.5 from task"  # what Save falls back to
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results == [True], "the save")
    assert saved_overrides(workspace) == {}  # the key, then its empty table, dropped
    assert factor_of(workspace, "fetch") == ("0.5", Layer.TASK)


async def test_clear_override_drops_it_with_the_rest(workspace: Workspace) -> None:
    workspace.set_override("pipe", "fetch", retry_jitter_factor=2, max_retries=5)
    app = editor_app(workspace, "pipe", "fetch")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert field(app).value == "2"
        await pilot.click("#clear")
        await wait_for(pilot, lambda: app.results == [True], "the clear")
    assert factor_of(workspace, "fetch") == ("0.5", Layer.TASK)


async def test_at_40_columns_the_field_takes_the_width_and_stays_in_view_under_its_note(
    workspace: Workspace,
) -> None:
    """Typed next to a Jitter, the factor brings a note under the fields that leaves them
    one row at 40×12: the field typed in stays the row shown (it showed the one above)."""
    app = editor_app(workspace, "pipe", "store")
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        await pilot.press("tab", "tab", "tab", "tab", *"0.2", "tab", *"0.5")
        await wait_for(pilot, lambda: shown(app, "combined"), "the note")
        assert shown(app, "combined").startswith("Both jitters apply: Jitter 0.2")
        dialog = app.screen.query_one("#dialog").content_region
        assert app.screen.focused is field(app)
        assert field(app).region.width >= dialog.width - 2
        # scrolled to on the refresh after the note's: waited for, not assumed done
        await wait_for(
            pilot,
            lambda: app.screen.query_one("#fields").region.contains_region(field(app).region),
            "the field typed in to be the row shown",
        )
        assert "0.5" in screen_text(app)
