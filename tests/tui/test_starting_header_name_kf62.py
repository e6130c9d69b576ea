"""The "starting" header keeps the flow's name whole and shortens its note: at 80x24 it
read `slow…  run #1 starting: its process is importing the flow.` (`slow.` on the Linux
console), which reads as another flow called `slow`."""

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
        (24, "slowimport  run #1 star…"),
    ],
)
async def test_the_starting_note_gives_way_before_the_flows_name(width: int, said: str) -> None:
    assert await header_line(width, starting=STARTING) == said


async def test_the_run_hint_gives_way_before_the_flows_name() -> None:
    line = await header_line(30, run_key="r")
    assert line.startswith("slowimport  not run yet"), line  # old: `slow…  not run yet…`
    assert line.endswith("…"), line
