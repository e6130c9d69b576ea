"""A state's colour is set once: the task table's rules are made from ``state_colors``'
tables, which the header and the detail pane draw by (``table_css``).

The table's colours were written again in ``flowtop.tcss``, one rule per look and mode:
a colour changed in ``LOOK_STYLE`` left the table's as it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from rich.style import Style

from flowtop.tui.app import FlowtopApp
from flowtop.tui.widgets import state_colors
from flowtop.tui.widgets.state_colors import (
    ANSI16_LOOK_STYLE,
    LOOK_STYLE,
    PLAIN_LOOK_STYLE,
    TABLE_EMPHASIS,
    table_css,
)
from flowtop.tui.widgets.task_table import LOOK_NAMES

from .conftest import FakeWorkspace

TCSS = Path(state_colors.__file__).parents[1] / "flowtop.tcss"
MODES: Mapping[str, Mapping[str, str]] = {
    "full": LOOK_STYLE,
    "ansi16": ANSI16_LOOK_STYLE,
    "plain": PLAIN_LOOK_STYLE,
}


def test_the_stylesheet_sets_no_state_colour_of_its_own() -> None:
    text = TCSS.read_text(encoding="utf-8")
    rules = [name for name in LOOK_NAMES if re.search(rf"\.task-table--{name}\b", text)]
    assert rules == []


def test_a_colour_changed_in_look_style_is_the_table_s_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(LOOK_STYLE, "retry", "bold blue")
    assert "TaskTable > .task-table--retry { color: ansi_blue; text-style: bold; }" in (
        table_css(["retry"]).splitlines()
    )


def test_a_colour_the_table_cannot_name_is_refused_naming_the_look(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(LOOK_STYLE, "retry", "#ffaa00")
    with pytest.raises(ValueError, match="look 'retry': colour '#ffaa00' is not one of the 16"):
        table_css(["retry"])


@pytest.mark.parametrize("mode", list(MODES))
async def test_the_table_draws_each_look_as_its_mode_s_table_says(
    mode: str, workspace: FakeWorkspace
) -> None:
    app = FlowtopApp(workspace, watch=False)
    app.colour_mode = mode
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        foreground = app.table.rich_style.color
        for name in LOOK_NAMES:
            drawn = app.table.get_component_rich_style(f"task-table--{name}")
            wanted = Style.parse(MODES[mode][name]) + Style.parse(TABLE_EMPHASIS.get(name, ""))
            if wanted.color is not None:  # the ANSI colour itself (Textual names it color(6))
                assert drawn.color is not None and drawn.color.number == wanted.color.number, name
            elif mode == "plain":
                assert drawn.color == foreground, name  # no colours at all
            else:
                assert drawn.color != foreground, name  # muted: the rows still to run
            for attr in ("bold", "italic", "reverse"):
                assert bool(getattr(drawn, attr)) == bool(getattr(wanted, attr)), (name, attr)
