"""A line rewritten after ``\\r`` shows as a terminal leaves it: the last version drawn
over the earlier ones, not alone (``ERROR: disk full\\rOK`` showed as ``OK`` in ``run``,
``history --run`` and the monitor, the error gone from every human view)."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from flowtop.commands.history import _print_attempt
from flowtop.commands.printers import HumanPrinter
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.printable import as_left_on_screen, printable
from flowtop.tui.model import AttemptView, TaskRow
from flowtop.tui.widgets.detail_pane import body_text
from flowtop.workspace.history_records import AttemptRecord

HIDDEN = "ERROR: disk full, 3 rows lost\rOK"
LEFT = "OKROR: disk full, 3 rows lost"
WIDE = "日本語"  # two cells each
MARK = "\u0301"  # a combining acute accent: no cell of its own


def terminal(output: str) -> str:
    """A tiny terminal: per line, a row of cells and a cursor. A character overwrites the
    cells under it; one drawn over half of a wide character blanks its other half; a
    combining mark joins the character before the cursor (none: kept before the line)."""
    lines = []
    for line in output.split("\n"):
        cells: list[str] = []  # "" the right half of the wide character before it
        lead = ""
        cursor = 0
        for char in line:
            if char == "\r":
                cursor = 0
                continue
            if char == MARK:
                before = cursor - 1 if cursor == 0 or cells[cursor - 1] else cursor - 2
                if before < 0:
                    lead += char
                else:
                    cells[before] += char
                continue
            width = 2 if char in WIDE else 1
            cells += [" "] * (cursor + width - len(cells))
            for column in range(cursor, cursor + width):
                if cells[column] == "":  # a right half: its left half goes
                    cells[column - 1] = " "
                elif column + 1 < len(cells) and cells[column + 1] == "":  # a left half
                    cells[column + 1] = " "
                cells[column] = " "
            cells[cursor] = char
            if width == 2:
                cells[cursor + 1] = ""
            cursor += width
        lines.append(lead + "".join(cells))
    return "\n".join(lines)


def test_a_shorter_rewrite_leaves_the_rest_of_the_line() -> None:
    assert as_left_on_screen(HIDDEN) == LEFT
    assert as_left_on_screen(printable(HIDDEN), carriage="␍") == LEFT


def test_a_progress_bar_reads_as_its_last_version() -> None:
    assert as_left_on_screen("step 1/3\rstep 2/3\rstep 3/3\n") == "step 3/3\n"
    assert as_left_on_screen("start\r\n 10%\r 50%\r100%\r\ndone\r\n") == "start\n100%\ndone\n"
    bar = "".join(f"\r{'█' * n}{'░' * (10 - n)} {n}0%" for n in range(11))
    assert as_left_on_screen(bar) == "█" * 10 + " 100%"


def test_wide_characters_take_two_columns() -> None:
    assert as_left_on_screen("日本\rX") == "X 本"  # the half drawn over: blanked
    assert as_left_on_screen("abcd\r日") == "日cd"
    assert as_left_on_screen("日本\ra日") == "a日 "


def test_a_control_character_takes_the_cells_of_its_stand_in() -> None:
    """The views show ``\\x1b`` as ``␛`` (one cell), ``\\x9b`` as ``\\x9b`` (four): drawn
    over as shown, the raw text and the text made printable leave the same line."""
    for raw in ("\x1b[2J\rAB", "\x9babc\rXY", "a\tb\rXYZ", "abcdefghij\r\tX", "⚠️ retry\rok"):
        assert printable(as_left_on_screen(raw)) == as_left_on_screen(
            printable(raw), carriage="␍"
        ), raw
    assert as_left_on_screen("\x1b[2J\rAB") == "AB2J"
    assert as_left_on_screen("abcdefghij\r\tX") == "abcdefghXj"  # a tab moves, erases nothing


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \r\n" + WIDE + MARK, max_size=40))
def test_as_a_terminal_leaves_it(output: str) -> None:
    assert as_left_on_screen(output) == terminal(output)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab\r\n\t\x1b\x9b" + WIDE + MARK, max_size=30))
def test_the_same_line_from_raw_and_from_printable_text(output: str) -> None:
    """``run`` and ``history`` fold the raw output, the monitor the output made printable."""
    assert printable(as_left_on_screen(output)) == as_left_on_screen(
        printable(output), carriage="␍"
    )


def test_every_view_shows_what_the_terminal_left() -> None:
    run = RunStarted("r1", "cr", 1, ("t",), (1,), ("",), None, 0.0)
    end = TaskStateChanged("r1", "cr", "t", S.COMPLETED, 1, 1, 0.0, result="None", output=HIDDEN)
    printed = io.StringIO()
    HumanPrinter(printed, live=False)([run, end])
    assert f"│ {LEFT}" in printed.getvalue()

    record = AttemptRecord(1, "COMPLETED", 0.0, 0.1, "None", None, None, None, HIDDEN, None, "")
    history = io.StringIO()
    _print_attempt(record, None, history)
    assert LEFT in history.getvalue()

    row = TaskRow("t", 0, S.COMPLETED, 1)
    row.add_attempt(AttemptView(1, 0.0, state=S.COMPLETED, duration=1.0, output=printable(HIDDEN)))
    assert LEFT in body_text(row, None).plain
