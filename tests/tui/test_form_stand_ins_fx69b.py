"""A run form's field starting from a past run's value with control characters showed
`A␁BCD   E�F␡G�H␛I`: Rich dropped the backspace, the carriage return and the bell, the
tab was spread over spaces, and U+202E and 0x9b read `�`, where the header and the
history show `␈`, `␍`, `\\u202e` and `\\x9b`. The field now shows those stand-ins, each
one character of the value (the cursor steps over it, backspace deletes it whole), and
the value run is the one typed, exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.cells import cell_len
from textual.widgets import Input

from flowtop import flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.run_form import RunForm
from pilot_kit import wait_for, wait_for_run

from .conftest import FakeWorkspace
from .test_app import SIZE

#: The tester's value, and how the field shows it (a tab in a one-line field: ``␉``).
NOTE = "A\x01B\x08C\rD\tE\u202eF\x7fG\x9bH\x1bI"
SHOWN = "A␁B␈C␍D␉E\\u202eF␡G\\x9bH␛I"


def noted_flow(seen: list[str]) -> Any:
    @task
    def echo(note: str) -> str:
        return note

    @flow(name="noted")
    def noted(note: str = "hi") -> str:
        seen.append(note)
        return echo(note)

    return noted


def drawn(field: Input) -> str:
    """What the field draws on its line."""
    return "".join(segment.text for segment in field.render_line(0)).rstrip()


async def open_form(pilot: Any, app: FlowtopApp) -> Input:
    await pilot.press("R")
    await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the run form")
    await pilot.pause()
    return app.screen.query_one("#param-0", Input)


async def test_a_field_shows_a_past_value_s_stand_ins_and_runs_it_exactly(tmp_path: Path) -> None:
    seen: list[str] = []
    app = FlowtopApp(FakeWorkspace(tmp_path, {"noted": noted_flow(seen)}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        field = await open_form(pilot, app)
        field.value = NOTE  # as `flowtop run -p note=…` would have run it
        await pilot.press("enter")
        await wait_for(pilot, lambda: seen == [NOTE], "the first run")
        await wait_for_run(pilot, app, StateType.COMPLETED, "the first run to complete")

        field = await open_form(pilot, app)  # it starts from that run's value
        assert field.value == NOTE
        assert drawn(field) == SHOWN
        await pilot.press("enter")  # unchanged: the value itself runs, not its stand-ins
        await wait_for(pilot, lambda: len(seen) == 2, "the second run")
        assert seen[1] == NOTE


async def test_the_cursor_steps_over_a_stand_in_as_one_character(tmp_path: Path) -> None:
    seen: list[str] = []
    app = FlowtopApp(FakeWorkspace(tmp_path, {"noted": noted_flow(seen)}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        field = await open_form(pilot, app)
        field.value = NOTE
        await pilot.press("home", *["right"] * 11)  # after `A␁B␈C␍D␉E\u202eF`
        await pilot.pause()
        left = field.content_region.x - field.scroll_offset.x
        assert field.cursor_screen_offset.x - left == cell_len(SHOWN[: SHOWN.index("F") + 1])
        await pilot.press("end", "left", "left", "left", "backspace")  # 0x9b, whole
        await pilot.pause()
        assert field.value == NOTE.replace("\x9b", "")
        assert drawn(field) == SHOWN.replace("\\x9b", "")
        assert field.cursor_screen_offset.x - left == cell_len("A␁B␈C␍D␉E\\u202eF␡G")
