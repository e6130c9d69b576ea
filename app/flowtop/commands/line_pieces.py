"""JSON lines cut into writes that other processes' lines cannot come between.

Several ``flowtop run --json`` (or ``watch --json``) writing into one pipe, as a CI step
running two flows at once does (``{ flowtop run a.py --json & flowtop run b.py --json &
wait; } | jq``; a CI runner reads a step's output through a pipe), broke lines in the
middle: a batch of lines went through the text layer's 8 KB buffer, which wrote it in cuts
that fall anywhere, and another process's bytes came between two cuts (jq: ``parse error:
Invalid numeric literal at line 3564``). A pipe takes a write of at most ``PIPE_BUF`` bytes
(4,096 on Linux) whole, never mixed with another writer's (POSIX); a longer one may be
split. So lines are written in pieces of whole lines that fit in ``PIPE_BUF``, each flushed
as one write; a line longer than that alone, in one write (whole in a file, whatever
another writer does; a pipe may still split it, as it splits any write that long).
"""

from __future__ import annotations

import select
from collections.abc import Iterable, Iterator

#: The longest write a pipe keeps whole (POSIX guarantees at least 512 bytes).
WHOLE_WRITE = getattr(select, "PIPE_BUF", 512)


def byte_length(line: str) -> int:
    """How many bytes ``line`` takes in the JSON stream (UTF-8; JSON lines are ASCII)."""
    return len(line) if line.isascii() else len(line.encode("utf-8", "backslashreplace"))


def whole_line_pieces(lines: Iterable[str], limit: int = WHOLE_WRITE) -> Iterator[str]:
    """``lines`` (each ending in a newline) joined, in order, into pieces of at most
    ``limit`` bytes; a longer line is a piece of its own."""
    piece: list[str] = []
    size = 0
    for line in lines:
        length = byte_length(line)
        if piece and size + length > limit:
            yield "".join(piece)
            piece, size = [], 0
        piece.append(line)
        size += length
    if piece:
        yield "".join(piece)
