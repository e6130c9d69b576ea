"""The retry editor on one call of a task called many times says which calls it covers.

``e`` on ``fetch-17`` of a ``@flow`` that calls ``fetch`` 200 times edits that call's
override alone (a settings table names one call, README "Retry settings"), but the editor
did not say so: a user who meant the task changed one call of 200. It says which call,
that the other 199 keep their settings, and that every call's are in ``@task(...)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Static

from flowtop import flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.call_scope import scope_note, task_of
from flowtop.tui.screens import RetryEditor
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace

EVERY_CALL = (
    "Applies to call fetch-17 only, 1 of 200 calls of fetch in run #1: the other 199 keep"
    " their own settings (a settings table names one call). For every call, set them in"
    " fetch's @task(...) in the code."
)


def fan_out(tmp_path: Path) -> FakeWorkspace:
    """``fan``: ``fetch`` called 200 times (``fetch``, ``fetch-2`` … ``fetch-200``), then
    ``total`` once."""

    @task(max_retries=2)
    def fetch(n: int) -> int:
        return n

    @task
    def total(values: list[int]) -> int:
        return sum(values)

    @flow(name="fan")
    def fan() -> None:
        total(fetch.map(range(200)))  # its futures, resolved as a list

    return FakeWorkspace(tmp_path, {"fan": fan})


async def edit(pilot: Any, app: FlowtopApp, key: str) -> RetryEditor:
    """``e`` on ``key``'s row of the run shown: its retry editor, open."""
    await pilot.press("right")
    assert app.table.move_to(key), app.table.keys[:5]
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the retry editor")
    await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the RetryEditor")
    return app.screen


def scope_said(editor: RetryEditor) -> str:
    """The editor's line saying which calls it covers; "" when it has none."""
    found = editor.query("#scope").results(Static)
    return " ".join(str(line.render()) for line in found if line.display)


async def test_e_on_one_call_of_200_says_the_others_keep_their_settings(tmp_path: Path) -> None:
    workspace = fan_out(tmp_path)
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.state is StateType.COMPLETED,
            "the fan-out to complete",
        )
        editor = await edit(pilot, app, "fetch-17")
        assert scope_said(editor) == EVERY_CALL
        assert "1 of 200 calls of fetch" in screen_text(app)  # on screen, not only composed
        await pilot.press(*"5", "enter")  # Max retries 5, saved: fetch-17's alone
        await wait_for(pilot, lambda: not isinstance(app.screen, RetryEditor), "the save")
        assert workspace.overrides == {("fan", "fetch-17"): {"max_retries": 5}}
        editor = await edit(pilot, app, "total")  # called once: nothing to say
        assert scope_said(editor) == ""


def test_the_first_call_and_a_hand_given_key_are_told_apart() -> None:
    keys = ["fetch", "fetch-2", "fetch-3", "load-2", "step", "step-2"]
    assert task_of("fetch-3", keys) == "fetch"
    assert task_of("load-2", keys) == "load-2"  # no `load`: a key given by hand
    first = scope_note("fetch", keys, "in the flow")
    assert first is not None and first.whole.startswith(
        "Applies to call fetch only, 1 of 3 calls of fetch in the flow: the other 2 keep"
    )
    second = scope_note("step-2", keys, "in run #4")
    assert second is not None and "the other keeps its own settings" in second.whole
    assert second.short == "This call only: 1 of 2 of step"
    assert scope_note("load-2", keys, "in the flow") is None
    assert scope_note("fetch-9", keys, "in the flow") is None  # not a call shown
