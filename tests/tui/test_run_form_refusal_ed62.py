"""The run form (``R``): Enter with a wrong value did nothing and said nothing; the
dialog stayed as it was. It says why it did not run now, as the retry editor does
(``Not saved: …``), and puts the focus on the first field in error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowtop import flow, task
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.run_form import RunForm
from pilot_kit import screen_text, wait_for, wait_for_text

from .conftest import FakeWorkspace
from .editor_kit import drawn_whole


def regional_flow() -> Any:
    @task
    def report(region: str) -> str:
        return region

    @flow(name="regional")
    def regional(regions: tuple[str, ...] = ("eu",), days: int = 7) -> list[str]:
        return [report(r) for r in regions]

    return regional


def wide_flow() -> Any:
    @flow(name="wide")
    def wide(a: int = 1, b: int = 2, c: int = 3, d: int = 4, e: int = 5) -> int:
        return a + b + c + d + e

    return wide


async def test_enter_with_a_wrong_value_says_why_it_did_not_run(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"regional": regional_flow()}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the run form")
        await pilot.press("5", "tab", "x")
        await wait_for_text(pilot, app, "regions: expected", "days: expected")
        await pilot.press("enter")
        text = await wait_for_text(pilot, app, "Not run:")
        assert "Not run: regions and days are wrong (see under each)." in text, text
        assert isinstance(app.screen, RunForm)
        assert app.screen.focused is app.screen.query_one("#param-0")  # the first wrong one


async def test_one_wrong_value_is_named_alone_and_the_line_goes_once_fixed(
    tmp_path: Path,
) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"regional": regional_flow()}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the run form")
        await pilot.press("5", "enter")
        text = await wait_for_text(pilot, app, "Not run:")
        assert "Not run: regions is wrong (see under it)." in text, text
        await pilot.press("backspace", *'["us"]')
        await wait_for(pilot, lambda: "Not run:" not in screen_text(app), "the line gone")


async def test_a_required_value_left_empty_is_said_to_need_one(tmp_path: Path) -> None:
    @flow(name="needs")
    def needs(n: int, label: str) -> int:
        return n

    app = FlowtopApp(FakeWorkspace(tmp_path, {"needs": needs}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the run form")
        await pilot.press("enter")
        text = await wait_for_text(pilot, app, "Not run:")
        assert "Not run: n and label need values." in text, text
        await pilot.press("x", "enter")
        await wait_for_text(pilot, app, "Not run: n and label are wrong or empty (see under each).")


@pytest.mark.parametrize("size", [(50, 15), (40, 12), (80, 24)])
async def test_a_refused_run_on_a_small_terminal_shows_the_first_field_s_error(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """The first wrong field's row went to the top of the fields, and the refusal's own
    line under them then took the rows its error was on: out of sight until a Tab (as the
    retry editor's, ``FieldsScroll.show_error``)."""
    app = FlowtopApp(FakeWorkspace(tmp_path, {"wide": wide_flow()}))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the run form")
        await pilot.press("backspace", *"abc", "enter")
        await wait_for_text(pilot, app, "Not run:")
        error = app.screen.query_one("#error-0")
        await wait_for(pilot, lambda: drawn_whole(app, error), "the first field's error shown")
        assert app.screen.focused is app.screen.query_one("#param-0")
