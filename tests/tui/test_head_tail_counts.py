"""What the detail pane says it does not show: all of it, the engine's own cut included;
and a long error line cut to a few rows (``head_tail``, ``detail_pane``).

A task that printed 5,242,880 characters: the pane said `… 242,185 characters not
shown …` while the engine's `… 4980737 characters of output dropped …` sat in the
hidden middle. An exception's message kept at 100,000 characters was drawn whole on each
attempt's line.
"""

from __future__ import annotations

import re

from flowtop.engine.attempt_output import AttemptOutput
from flowtop.engine.events import ErrorInfo
from flowtop.engine.records import MAX_MESSAGE
from flowtop.engine.states import StateType as S
from flowtop.head_tail import (
    HEAD,
    LINE_HEAD,
    LINE_TAIL,
    TAIL,
    head_and_tail,
    head_and_tail_of_line,
)
from flowtop.tui.model import AttemptView, TaskRow
from flowtop.tui.widgets.detail_pane import body_text

NOT_SHOWN = re.compile(r"… ([\d,]+) characters not shown …")
#: The note of a block: a line of its own.
BETWEEN = re.compile(r"… [\d,]+ characters not shown …\n")


def not_shown(text: str) -> int:
    """The count of ``text``'s one "not shown" note."""
    (count,) = NOT_SHOWN.findall(text)
    return int(count.replace(",", ""))


def test_the_engine_s_dropped_middle_is_counted_with_what_the_pane_hides() -> None:
    printed = "y" * 5_242_880
    output = AttemptOutput()
    output.write(printed + "\n")
    shown = head_and_tail(output.getvalue().rstrip("\n"))
    assert "output dropped" not in shown  # the engine's note is in the hidden middle
    head, tail = BETWEEN.split(shown)
    visible = len(head.rstrip("\n")) + len(tail)
    # the line end the engine put before its note is the one character counted twice
    assert len(printed) <= visible + not_shown(shown) <= len(printed) + 1


def test_a_note_of_lines_is_counted_exactly() -> None:
    lines = [f"line {i}\n" for i in range(50_000)]
    output = AttemptOutput()
    for line in lines:
        output.write(line)
    written = "".join(lines).rstrip("\n")
    shown = head_and_tail(output.getvalue().rstrip("\n"))
    head, tail = BETWEEN.split(shown)
    assert written.startswith(head) and written.endswith(tail)
    assert len(head) + not_shown(shown) + len(tail) == len(written)


def test_a_note_recorded_without_separators_counts_too_and_one_in_view_does_not() -> None:
    text = "a\n" * 6_000 + "… 1000000 characters of output dropped …\n" + "b\n" * 6_000
    shown = head_and_tail(text)
    head, tail = BETWEEN.split(shown)
    note = len("… 1000000 characters of output dropped …\n")
    assert not_shown(shown) == len(text) - len(head) - len(tail) - note + 1_000_000
    in_view = "… 5 characters of output dropped …\n" + "c" * (HEAD + TAIL)
    shown = head_and_tail(in_view)
    assert shown.startswith("… 5 characters") and not_shown(shown) == len(in_view) - HEAD - TAIL


def test_a_long_line_shows_its_head_and_tail_and_counts_the_rest() -> None:
    assert head_and_tail_of_line("short") == "short"
    line = "h" * 1_000 + "m" * 5_000 + "t" * 1_000
    shown = head_and_tail_of_line(line)
    assert shown == (
        "h" * LINE_HEAD + f" … {len(line) - LINE_HEAD - LINE_TAIL:,} characters not shown … "
        "" + "t" * LINE_TAIL
    )


def test_a_message_the_engine_cut_counts_what_it_dropped_and_shows_no_false_tail() -> None:
    message = f"{'x' * MAX_MESSAGE}… (5142880 more characters)"  # as ``error_info`` cuts
    assert head_and_tail_of_line(message) == (
        "x" * (LINE_HEAD + LINE_TAIL) + " … 5,242,580 characters not shown …"
    )


def failed_row(message: str, flow_error: str = "") -> TaskRow:
    row = TaskRow("shouting", 0, S.FAILED, 2)
    for number in (1, 2):
        error = ErrorInfo("ValueError", message, f"Traceback …\nValueError: {message}\n")
        row.add_attempt(AttemptView(number, 0.0, state=S.FAILED, duration=1.0, error=error))
    return row


def test_each_attempt_s_error_line_stays_short() -> None:
    message = f"{'x' * MAX_MESSAGE}… (5142880 more characters)\nsecond line"
    text = body_text(failed_row(message), None, now=0.0).plain
    lines = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert len(lines) == 2
    for line in lines:
        assert "ValueError: xxx" in line and line.endswith(" characters not shown …")
        assert len(line) < LINE_HEAD + LINE_TAIL + 100


def test_a_flow_s_long_error_is_cut_on_every_task_s_pane() -> None:
    """A @flow's message of megabytes drew its 100,000 characters kept on each task."""
    message = "f" * MAX_MESSAGE
    flow_error = ErrorInfo("RuntimeError", message, f"Traceback …\nRuntimeError: {message}\n")
    row = TaskRow("quiet", 0, S.COMPLETED, 1)
    text = body_text(row, None, flow_error=flow_error, now=0.0).plain
    first = text.splitlines()[0]
    assert first.startswith("The flow function raised RuntimeError: fff")
    assert first.endswith("f" * LINE_TAIL) and len(first) < LINE_HEAD + LINE_TAIL + 100
    assert len(text) < HEAD + TAIL + 2_000  # its traceback's head and tail, as an output's
