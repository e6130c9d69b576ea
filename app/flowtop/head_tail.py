"""A long block of task text (output, a traceback) shown in part: its head and its tail.

A failing task's last lines say why it failed, and its first ones what it set out to
do: the monitor's detail pane and the history screen show both, the middle counted
between them. They showed the head alone, so the line printed just before a failure
could not be reached there.

A line too long for the pane (an exception's message of megabytes, which the engine keeps
100,000 characters of) is cut the same way on its own line: ``head_and_tail_of_line``.
"""

from __future__ import annotations

import re

from flowtop.engine.attempt_output import DROPPED_NOTE

#: Characters of a long block shown from its start, and from its end.
HEAD = 8_000
TAIL = 12_000
#: Characters of a long line shown from its start, and from its end: an attempt's
#: error line in the detail pane stays within a few rows.
LINE_HEAD = 200
LINE_TAIL = 100
#: What ``engine.records.error_info`` puts after a message it cut: the rest is unknown.
MESSAGE_CUT = re.compile(r"… \((\d+) more characters\)$")


def head_and_tail(text: str, head: int = HEAD, tail: int = TAIL) -> str:
    """``text``; past ``head + tail`` characters, its first ``head`` and last ``tail``
    with ``… N characters not shown …`` on a line between, cut at a line's end where one
    is near (within half of either part). N counts the output the engine dropped before
    (its note, inside the middle: ``hidden_count``)."""
    if len(text) <= head + tail:
        return text
    stop = text.rfind("\n", head // 2, head) + 1 or head
    start = text.find("\n", len(text) - tail, len(text) - tail // 2) + 1 or len(text) - tail
    shown = text[:stop]
    between = f"… {hidden_count(text[stop:start]):,} characters not shown …\n"
    return shown + (between if shown.endswith("\n") else "\n" + between) + text[start:]


def hidden_count(hidden: str) -> int:
    """The characters of output ``hidden`` stands for: a note of the engine's in it,
    ``… 4,980,737 characters of output dropped …``, counts what it says, not its own
    characters (the pane said 242,185 of a task's 5,242,880 not shown, the engine's note
    out of sight in the middle)."""
    count = len(hidden)
    for note in DROPPED_NOTE.finditer(hidden):
        count += int(note[1].replace(",", "")) - len(note[0]) - 1  # its line's end too
    return count


def head_and_tail_of_line(line: str, head: int = LINE_HEAD, tail: int = LINE_TAIL) -> str:
    """``line``; past ``head + tail`` characters, its first ``head`` and last ``tail`` with
    `` … N characters not shown … `` between. A message the engine cut
    (``… (N more characters)``) ends unknown: its head, and all after it counted. Its
    100,000 characters on each attempt's line took ~1,000 rows, redrawn at each cursor
    move onto the task (1.5 s)."""
    more = 0
    cut = MESSAGE_CUT.search(line)
    if cut is not None:
        line, more = line[: cut.start()], int(cut[1])
    if len(line) <= head + tail and not more:
        return line
    if more:
        shown = line[: head + tail]
        return f"{shown} … {len(line) - len(shown) + more:,} characters not shown …"
    return f"{line[:head]} … {len(line) - head - tail:,} characters not shown … {line[-tail:]}"
