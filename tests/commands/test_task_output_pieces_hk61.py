"""``task_output`` pieces as docs/json-events.md tells them: one ends where the output had
got to, mid-line when a line is still being written (``print`` writes its text, then its
newline), and past 256 KB a line longer than 8 KB comes as its last 8 KB. The page said a
piece past 256 KB held "whole lines", and a reader met a piece ending mid-line (``…line
111780 xxxx``) followed by one starting with the skip's note."""

from __future__ import annotations

from pathlib import Path

from flowtop.engine import live_output
from flowtop.engine.capture import MAX_CAPTURE, Captured

DOCS = Path(__file__).parents[2] / "docs" / "json-events.md"


def past_the_cap() -> tuple[Captured, int]:
    """An attempt's output past the capture's cap, and where a look at it ended."""
    captured = Captured()
    captured.write("".join(f"line {i} " + "x" * 90 + "\n" for i in range(MAX_CAPTURE // 50)))
    _, at = live_output.since(captured, 0, True)
    return captured, at


def test_a_piece_ends_mid_line_and_the_next_piece_s_note_starts_a_line() -> None:
    captured, at = past_the_cap()
    captured.write("line 111780 " + "x" * 100)  # a print's text, its newline still to come
    text, at = live_output.since(captured, at, True)
    assert text == "line 111780 " + "x" * 100  # mid-line: where the output had got to
    captured.write("\n" + "".join(f"more {i} " + "y" * 90 + "\n" for i in range(200)))
    text, _ = live_output.since(captured, at, False)  # more than 8 KB came: skipped
    assert text.startswith("\n… ") and text.endswith("more 199 " + "y" * 90 + "\n")


def test_a_line_longer_than_8_kb_comes_as_its_last_8_kb() -> None:
    captured, at = past_the_cap()
    captured.write("z" * 20_000 + "\n")
    text, _ = live_output.since(captured, at, True)
    note, _, rest = text.partition("\n")
    assert note.startswith("… ") and rest == "z" * (live_output.MOST - 1) + "\n"


def test_the_page_says_so() -> None:
    page = " ".join(DOCS.read_text().split())
    assert "a piece ends where the output had got to, mid-line when a line was still" in page
    assert "a line longer than 8 KB comes as its last 8 KB" in page
