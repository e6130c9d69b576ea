"""A refused save's long error at 40×12 keeps its field's label in view (fx71k).

`e`, Tab to Retry on, `zz`, ctrl+s: the editor showed five lines of error and `Not saved:
Retry on is wrong (see under it)`, but neither `Retry on` nor the field: the error took
the rows. The label and the field show now, the error under them cut to the rows left,
ending in `…`; ↓ moves it on to its end (and its tooltip holds it whole). And a bad Delay
left Backoff factor, untouched, marked `← overrides*`: Save writes nothing of the three."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from flowtop.workspace import Workspace
from pilot_kit import screen_text, wait_for

from .editor_kit import drawn_whole, editor_field, shown
from .snapshot_apps import make_main_app
from .test_editor_error_in_view_fx66g import open_editor
from .test_editor_label_with_error_fx71e import field_label


def retry_on_shown(app: Any) -> bool:
    """Retry on's label, its field and its error (as much as shows) all on screen."""
    error = app.screen.query_one("#error-retry_on", Static)
    widgets = (field_label(app, "retry_on"), editor_field(app, "retry_on"), error)
    return all(drawn_whole(app, w) for w in widgets)


@pytest.mark.parametrize("opened_at", [(40, 12), (120, 36)])
async def test_a_long_error_is_cut_under_the_field_and_its_label(
    example_workspace: Workspace, opened_at: tuple[int, int]
) -> None:
    app = make_main_app(example_workspace)
    async with app.run_test(size=opened_at) as pilot:
        editor = await open_editor(pilot, app)
        await pilot.press(*["tab"] * 6, "z", "z", "ctrl+s")
        await wait_for(pilot, lambda: "Not saved:" in screen_text(app), "the refusal")
        if opened_at != (40, 12):
            await pilot.resize_terminal(40, 12)
        await wait_for(pilot, lambda: retry_on_shown(app), "Retry on with its label")
        await pilot.pause()
        assert retry_on_shown(app), screen_text(app)  # old: the error alone
        whole = editor.state.errors["retry_on"]
        error = app.screen.query_one("#error-retry_on", Static)
        cut = str(error.render())
        assert cut.endswith("…") and len(cut) < len(whole), cut
        assert error.tooltip == whole
        last_words = whole.split()[-1]
        for _ in range(len(whole.split())):  # a line at a time (a word a line at most)
            if last_words in screen_text(app):
                break
            await pilot.press("down")
            await pilot.pause()
        assert last_words in screen_text(app), screen_text(app)
        assert retry_on_shown(app), screen_text(app)  # the label still there
        assert app.screen.focused is editor_field(app, "retry_on")


async def test_a_bad_delay_marks_no_untouched_delay_field(example_workspace: Workspace) -> None:
    """Delay `x`: Backoff factor and Max delay say where their values come from, as
    before the edit; a Delay that reads, the note says the three are written together,
    and they are marked so."""
    app = make_main_app(example_workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        editor = await open_editor(pilot, app)
        await pilot.press("tab", "x", "ctrl+s")
        await wait_for(pilot, lambda: "Not saved:" in screen_text(app), "the refusal")
        assert shown(app, "layer-retry_delay") == "← overrides*"
        for name in ("backoff_factor", "max_delay"):
            layer = editor.policy.layer_of(name)
            assert shown(app, f"layer-{name}") == f"← {layer}", name  # old: overrides*
        await pilot.press("ctrl+u", "1")
        await wait_for(pilot, lambda: editor_field(app, "retry_delay").value == "1", "Delay 1")
        assert "one setting" in shown(app, "combined")
        assert shown(app, "layer-backoff_factor") == "← overrides*"
