"""What the retry editor (`e`) says about a save it refuses and about its delay fields
(session 49, a user explorer's findings).

1. With a field in error (even one prefilled from the code, never touched), Enter and
   ctrl+s saved nothing and said nothing: the dialog stayed open, no line, no focus move.
   Now a line says which fields are wrong (their errors are under them), each time,
   and the first gets the focus; for an untouched one, how to keep the code's value.
2. A backoff base above its max delay (20 s, max 4 s) was taken without a word, though
   every wait is then 4 s. It is valid (no refusal); a note under the fields says so.
3. For a task whose code sets a list delay, editing only Delay turned the untouched
   Backoff factor and Max delay to `← overrides*`, and nothing said why. Save writes the
   three as one ``retry_delay`` (only ``retry_delay = 10``); a note under the fields now
   says so, naming the fields that change with the edited one and what Save writes.
"""

from __future__ import annotations

from typing import Any

import pytest

from flowtop.engine import exponential_backoff, task
from flowtop.engine.layers import Layer
from flowtop.tui.screens.retry_form import delay_notes
from flowtop.workspace import Workspace
from flowtop.workspace.flow_shapes import PolicyView
from pilot_kit import wait_for

from .conftest import LoadWorkspace
from .editor_kit import editor_app, editor_field, saved_overrides, shown

FLOW = """\
from flowtop import Flow, task


def make_local_error():
    class LocalError(Exception):
        pass

    return LocalError


@task(max_retries=2, retry_delay=[30, 60])
def listed():
    return 1


# The class is the function's own: no name in the module resolves to it; left as the code
# sets it, Save writes nothing of it.
@task(max_retries=2, retry_delay=1, retry_on=(make_local_error(),))
def local_err(x):
    return x


with Flow("s49") as flow:
    local_err(listed())
"""


@pytest.fixture
def workspace(load_workspace: LoadWorkspace) -> Workspace:
    return load_workspace({"s49_editor.py": FLOW})


# -- 1. a refused save says why and where ---------------------------------------------


async def test_an_untouched_retry_on_from_the_code_is_no_error_and_save_goes_on(
    workspace: Workspace,
) -> None:
    """(rv405 §3: the code's own class, which no name reaches, was flagged as the user's
    mistake and refused a save of Max retries alone; Save writes only changed fields.)"""
    app = editor_app(workspace, "s49", "local_err")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert shown(app, "error-retry_on") == ""
        await pilot.press("5")  # Max retries, focused and selected as the editor opens
        assert editor_field(app, "max_retries").value == "5"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results == [True], "the save")
    assert saved_overrides(workspace)["flows"]["s49"]["tasks"]["local_err"] == {"max_retries": 5}
    node = workspace.shapes["s49"].node("local_err")
    assert node is not None and node.policy.layers["retry_on"] == ("LocalError", Layer.TASK)


async def test_a_save_refused_for_a_typed_error_names_the_first_and_the_others(
    workspace: Workspace,
) -> None:
    app = editor_app(workspace, "s49", "listed")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        editor_field(app, "max_delay").value = "9"  # a cap with no backoff factor
        editor_field(app, "timeout").value = "soon"
        await pilot.pause()
        app.screen.set_focus(editor_field(app, "max_retries"))
        await pilot.press("enter")
        await pilot.pause()
        said = shown(app, "form-error")
        # the user typed them: no word on emptying
        assert said == "Not saved: Max delay (s) and Timeout (s) are wrong (see under each)."
        assert app.screen.focused is editor_field(app, "max_delay")
        assert app.results == [] and saved_overrides(workspace) == {}


# -- 2. a max delay not above the base --------------------------------------------------


async def test_a_max_delay_below_the_base_is_taken_with_a_note_that_it_caps_every_wait(
    workspace: Workspace,
) -> None:
    app = editor_app(workspace, "s49", "local_err")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        editor_field(app, "retry_delay").value = "20"
        editor_field(app, "backoff_factor").value = "2"
        editor_field(app, "max_delay").value = "4"
        await pilot.pause()
        note = shown(app, "combined")
        assert "Every wait is 4s: Max delay 4s is not above the first wait (Delay 20s)" in note
        editor_field(app, "max_delay").value = "40"  # the backoff grows: 20, 40, 40
        await pilot.pause()
        assert "Every wait" not in shown(app, "combined")


def view_of(**options: Any) -> PolicyView:
    return PolicyView.of(task(lambda: None, **options).policy)


def test_the_capped_note_is_said_for_a_cap_equal_to_the_base_too() -> None:
    view = view_of(retry_delay=exponential_backoff(5, 3, max_delay=5), retry_jitter=0.1)
    texts = dict(view.texts)
    assert delay_notes(texts, view) == [
        "Every wait is 5s before jitter: Max delay 5s is not above the first wait "
        "(Delay 5s), so the backoff never grows."
    ]
    for wrong in ({"max_delay": "x"}, {"backoff_factor": ""}, {"retry_delay": "1, 2"}):
        assert delay_notes({**texts, **wrong}, view) == []  # flagged, or no backoff


# -- 3. the three delay fields are one setting ------------------------------------------


async def test_editing_only_the_delay_of_a_list_says_what_the_three_fields_save(
    workspace: Workspace,
) -> None:
    app = editor_app(workspace, "s49", "listed")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert shown(app, "layer-backoff_factor") == "← task"
        assert shown(app, "combined") == ""
        editor_field(app, "retry_delay").value = "10"
        await pilot.pause()
        # what the tags say is true: the override's delay makes them none and no cap...
        assert shown(app, "layer-backoff_factor") == f"← {Layer.OVERRIDES}*"
        assert shown(app, "layer-max_delay") == f"← {Layer.OVERRIDES}*"
        # ...and the note says why, though the user touched only Delay
        assert shown(app, "combined") == (
            "Backoff factor and Max delay change with Delay: the three are one setting, "
            "and Save writes it whole: 10s, no backoff factor, no max delay "
            "(was [30s, 1m00s] from task)."
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results == [True], "the save")
    assert saved_overrides(workspace)["flows"]["s49"]["tasks"]["listed"] == {"retry_delay": 10}


def test_the_delay_note_names_only_the_untouched_fields_and_the_backoff_written() -> None:
    view = view_of(retry_delay=exponential_backoff(1, 2))
    initial = dict(view.texts)
    assert delay_notes({**initial, "backoff_factor": "3"}, view) == [
        "Delay and Max delay change with Backoff factor: the three are one setting, and Save "
        "writes it whole: backoff 1s×3^(n-1), no max delay (was backoff 1s×2^(n-1) from task)."
    ]
    capped = delay_notes({**initial, "backoff_factor": "3", "max_delay": "60"}, view)
    assert capped[0].startswith("Delay changes with Backoff factor and Max delay: ")
    every = {"retry_delay": "2", "backoff_factor": "3", "max_delay": "60"}
    assert delay_notes({**initial, **every}, view) == []  # all typed: nothing unsaid
    emptied = {"retry_delay": "", "backoff_factor": "", "max_delay": ""}
    assert delay_notes({**initial, **emptied}, view) == []  # `below*`: nothing written
