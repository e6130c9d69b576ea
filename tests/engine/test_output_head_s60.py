"""A progress bar that rewrites its line after each ``\\r`` past ``MAX_CAPTURE``: the head
kept ends at the last ``\\r`` before the cut, so the line as the terminal leaves it is a
whole version of the bar (``progress 11914``), not a fragment (``progres``)."""

from __future__ import annotations

import re

from flowtop.engine.attempt_output import LINE_NEAR, MAX_CAPTURE, AttemptOutput
from flowtop.printable import as_left_on_screen

NOTE = re.compile(r"… ([\d,]+) characters of output dropped …\n")
BAR = re.compile(r"progress \d+")


def captured(pieces: list[str]) -> str:
    output = AttemptOutput()
    for piece in pieces:
        output.write(piece)
    return output.getvalue()


def test_a_carriage_return_bar_keeps_a_whole_version_at_the_head_s_end() -> None:
    pieces = [f"\rprogress {i}" for i in range(200_000)]
    written = "".join(pieces)
    kept = captured(pieces)
    head, count, tail = NOTE.split(kept)
    assert head.endswith("\r\n"), repr(head[-40:])
    assert written.startswith(head[:-1])
    assert len(head) - 1 + int(count.replace(",", "")) + len(tail) == len(written)
    assert MAX_CAPTURE // 2 - LINE_NEAR <= len(head) <= MAX_CAPTURE // 2 + 1
    shown = as_left_on_screen(kept).split("\n")
    assert BAR.fullmatch(shown[0]), shown[0]
    assert shown[-1] == "progress 199999"


def test_a_bar_after_lines_ends_at_its_last_version_and_the_snapshot_agrees() -> None:
    pieces = ["start\n"] + [f"\rprogress {i}" for i in range(100_000)] + ["\ndone\n"]
    written = "".join(pieces)
    output = AttemptOutput()
    for piece in pieces:
        output.write(piece)
    for kept in (output.snapshot(), output.getvalue()):
        head = NOTE.split(kept)[0]
        assert head.endswith("\r\n") and written.startswith(head[:-1]), repr(head[-40:])
        shown = as_left_on_screen(kept).split("\n")
        assert shown[0] == "start" and BAR.fullmatch(shown[1]), shown[:3]  # not "p"
        assert shown[-2:] == ["done", ""]
