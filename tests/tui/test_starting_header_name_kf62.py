"""The "starting" header keeps the flow's name whole and shortens its note: at 80x24 it
read `slow…  run #1 starting: its process is importing the flow.` (`slow.` on the Linux
console), which reads as another flow called `slow`. Its short note then stays whole, as a
run's number, state and time do, the name cut before it (fx71e: one rule for both)."""

from __future__ import annotations

import time

import pytest
from textual.app import App, ComposeResult

from flowtop.tui.model import RunModel
from flowtop.tui.widgets.run_header import RunHeader
from pilot_kit import screen_text


class HeaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RunHeader()


async def header_line(width: int, **shown: object) -> str:
    app = HeaderApp()
    async with app.run_test(size=(width, 3)) as pilot:
        app.query_one(RunHeader).show("slowimport", None, time.monotonic(), **shown)  # type: ignore[arg-type]
        await pilot.pause()
        return screen_text(app).splitlines()[0].rstrip()


STARTING = RunModel("slowimport", (), run_id="quiet", number=1)


@pytest.mark.parametrize(
    ("width", "said"),
    [
        (120, "slowimport  run #1 starting: its process is importing the flow file…"),
        (58, "slowimport  run #1 starting…"),  # old: `slow…  run #1 starting: its process…`
        (24, "slowi…  run #1 starting…"),  # fx71e; old: `slowimport  run #1 star…`
    ],
)
async def test_the_starting_note_gives_way_before_the_flows_name(width: int, said: str) -> None:
    assert await header_line(width, starting=STARTING) == said


async def test_the_flows_name_gives_way_before_the_run_hint() -> None:
    """As a run's line: the name cut, then left out (the flows list shows it); the hint
    cut last (fx71e; old: `slowimport  not run yet…`)."""
    assert await header_line(38, run_key="r") == "slowimp…  not run yet — press r to run"
    assert await header_line(30, run_key="r") == "not run yet — press r to run"
