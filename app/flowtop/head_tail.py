"""A long block of task text (output, a traceback) shown in part: its head and its tail.

A failing task's last lines say why it failed, and its first ones what it set out to
do: the monitor's detail pane and the history screen show both, the middle counted
between them. They showed the head alone, so the line printed just before a failure
could not be reached there.
"""

from __future__ import annotations

#: Characters of a long block shown from its start, and from its end.
HEAD = 8_000
TAIL = 12_000


def head_and_tail(text: str, head: int = HEAD, tail: int = TAIL) -> str:
    """``text``; past ``head + tail`` characters, its first ``head`` and last ``tail``
    with ``… N characters not shown …`` on a line between, cut at a line's end where one
    is near (within half of either part)."""
    if len(text) <= head + tail:
        return text
    stop = text.rfind("\n", head // 2, head) + 1 or head
    start = text.find("\n", len(text) - tail, len(text) - tail // 2) + 1 or len(text) - tail
    shown = text[:stop]
    between = f"… {start - stop:,} characters not shown …\n"
    return shown + (between if shown.endswith("\n") else "\n" + between) + text[start:]
