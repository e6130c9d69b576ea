"""``formats.broken_into_lines`` ends in no empty line.

Spaces at a line's end (``"ab  "`` at 2 cells) made one: `flowtop history` printed an
empty line under a run's BELOW mark, and ``no_rows.wrapped`` counted it toward its most
lines (a hint cut with `…` a line early).
"""

from __future__ import annotations

import pytest

from flowtop.formats import broken_into_lines
from flowtop.tui.widgets.no_rows import wrapped


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("ab  ", 2, ["ab"]),
        ("ab cd   ", 2, ["ab", "cd"]),
        ("abcd ", 2, ["ab", "cd"]),
        ("a", 0, ["a"]),  # (a character a line at least)
        ("ab  cd", 2, ["ab", "cd"]),
        ("ab ", 3, ["ab "]),
    ],
)
def test_spaces_at_the_end_make_no_line(text: str, width: int, lines: list[str]) -> None:
    assert broken_into_lines(text, width) == lines


@pytest.mark.parametrize("text", ["", "   "])
def test_nothing_to_break_is_one_empty_line(text: str) -> None:
    assert broken_into_lines(text, 5) == [""]


def test_a_hint_ending_in_spaces_is_not_cut_a_line_early() -> None:
    assert wrapped("one two   ", 3, most=2) == ["one", "two"]
