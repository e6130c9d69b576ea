"""An attempt's output past ``MAX_CAPTURE``: its middle dropped between whole lines, the
count written as the monitor writes counts.

``flowtop run`` printed `│ line 12` / `│ … 276746 characters of output dropped …` /
`│  38084`: the cut landed mid-line on both sides, and the count had no separators.
"""

from __future__ import annotations

import re

from flowtop.engine.attempt_output import DROPPED_NOTE, LINE_NEAR, MAX_CAPTURE, AttemptOutput

NOTE = re.compile(r"… ([\d,]+) characters of output dropped …\n")


def captured(*pieces: str) -> str:
    """What an attempt that wrote ``pieces`` in turn keeps of them."""
    output = AttemptOutput()
    for piece in pieces:
        output.write(piece)
    return output.getvalue()


def split(kept: str) -> tuple[str, int, str]:
    """``kept``'s head, the count its note gives, and its tail."""
    head, count, tail = NOTE.split(kept)
    return head, int(count.replace(",", "")), tail


def test_many_lines_are_cut_between_whole_lines_and_counted_true() -> None:
    lines = [f"line {i}\n" for i in range(50_000)]
    written = "".join(lines)
    kept = captured(*lines)
    head, count, tail = split(kept)
    assert f"… {count:,} characters of output dropped …\n" in kept  # "276,760", not "276760"
    assert written.startswith(head) and head.endswith("\n")
    assert written.endswith(tail) and written[-len(tail) - 1] == "\n"  # a line's start
    assert len(head) + count + len(tail) == len(written)
    assert MAX_CAPTURE // 2 - LINE_NEAR <= len(head) <= MAX_CAPTURE // 2
    assert MAX_CAPTURE // 2 - LINE_NEAR <= len(tail) <= MAX_CAPTURE // 2


def test_one_huge_line_is_cut_where_the_cap_says() -> None:
    written = "y" * 5_242_880 + "\n"
    kept = captured(written)
    assert "\n… 4,980,737 characters of output dropped …\n" in kept
    head, count, tail = split(kept)
    assert head == "y" * (MAX_CAPTURE // 2) + "\n"  # the note on a line of its own
    assert tail == written[-MAX_CAPTURE // 2 :]
    assert count == len(written) - MAX_CAPTURE == 4_980_737


def test_lines_longer_than_the_reach_of_a_line_end_are_cut_where_the_cap_says() -> None:
    line = "z" * (3 * LINE_NEAR) + "\n"
    written = line * 40
    kept = captured(written)
    head, count, tail = split(kept)
    assert f"… {count:,} characters of output dropped …" in kept and count > 1_000
    assert len(head) == MAX_CAPTURE // 2 + 1 and head.endswith("z\n")  # a line end added
    assert len(tail) == MAX_CAPTURE // 2 and written.endswith(tail)
    assert len(head) - 1 + count + len(tail) == len(written)


def test_the_note_is_read_back_with_or_without_separators() -> None:
    """Runs recorded before the separators wrote ``4980737``: the monitor counts both."""
    assert [m[1] for m in DROPPED_NOTE.finditer(captured("y" * 300_000))] == ["37,856"]
    old = "a\n… 4980737 characters of output dropped …\nb\n"
    assert [m[1] for m in DROPPED_NOTE.finditer(old)] == ["4980737"]
