"""JSON lines cut into writes that other processes' lines cannot come between.

Several ``flowtop run --json`` (or ``watch --json``) writing into one pipe, as a CI step
running two flows at once does (``{ flowtop run a.py --json & flowtop run b.py --json &
wait; } | jq``; a CI runner reads a step's output through a pipe), broke lines in the
middle: a batch of lines went through the text layer's 8 KB buffer, which wrote it in cuts
that fall anywhere, and another process's bytes came between two cuts (jq: ``parse error:
Invalid numeric literal at line 3564``). A pipe takes a write of at most ``PIPE_BUF`` bytes
(4,096 on Linux) whole, never mixed with another writer's (POSIX); a longer one may be
split. So lines are written in pieces of whole lines that fit in ``PIPE_BUF``, each flushed
as one write; a line longer than that alone, in one write.

A write longer than ``PIPE_BUF`` a pipe does split: at its 64 KB capacity, another run's
write landed inside a 100 KB ``task_state`` line (invalid JSON for jq), and a short write
inside a long one too. So into a pipe each write holds the pipe's POSIX record lock
(``lockf``) until all its bytes are in (``PipeWrites``): flowtop's writers into one pipe
take turns, however long their lines. (``flock`` would not do: the runs a shell starts
share the pipe's open file description, which ``flock`` takes for one owner; a record
lock belongs to a process.) Two system calls a write, and only into a pipe.
"""

from __future__ import annotations

import io
import os
import select
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from typing_extensions import Buffer

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


class PipeWrites(io.FileIO):
    """A descriptor's raw file whose every write goes out whole, and, into a pipe, under
    the pipe's record lock: no other flowtop process's write comes inside it.

    Where the lock cannot be taken (a system without record locks on pipes), writes go
    on without it, as they went before."""

    def __init__(self, fd: int, *, closefd: bool = True) -> None:
        super().__init__(fd, "w", closefd=closefd)
        self.locks = sys.platform != "win32" and is_fifo(fd)

    def write(self, data: Buffer, /) -> int:
        """All of ``data``, in as many system calls as the pipe takes, under its lock;
        a non-blocking descriptor that is full is waited on (inside the lock)."""
        locked = self.locks and self._lock(True)
        try:
            return write_all(super().write, self.fileno, memoryview(data).cast("B"))
        finally:
            if locked:
                self._lock(False)

    def _lock(self, take: bool) -> bool:
        """Take (or let go of) the pipe's write lock; whether that could be done. A
        system that refuses it (``EINVAL``, ``ENOLCK``) is not asked again."""
        if sys.platform == "win32":  # (no record locks: never asked, see ``locks``)
            return False
        import fcntl

        try:
            fcntl.lockf(self.fileno(), fcntl.LOCK_EX if take else fcntl.LOCK_UN)
        except OSError:
            self.locks = False
            return False
        return True


def whole_line_stream(fd: int, *, closefd: bool = True) -> TextIO:
    """A text stream writing to ``fd``: UTF-8 (what it cannot encode escaped), through an
    8 KB buffer whose every flush is one whole write (``PipeWrites``)."""
    raw = PipeWrites(fd, closefd=closefd)
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8", errors="backslashreplace")


def into_pipe_whole(stream: TextIO) -> TextIO:
    """``stream`` itself, unless it writes into a pipe: then a stream on its descriptor
    (left open when closed) whose writes no other flowtop's come inside (``PipeWrites``)."""
    try:
        fd = stream.fileno()
        if not is_fifo(fd):
            return stream
        stream.flush()
    except (AttributeError, OSError, ValueError):  # no descriptor (a test's StringIO)
        return stream
    return whole_line_stream(fd, closefd=False)


def is_fifo(fd: int) -> bool:
    """Whether ``fd`` is a pipe (or a named one): where a long write may be split."""
    try:
        return stat.S_ISFIFO(os.fstat(fd).st_mode)
    except OSError:
        return False


def write_all(
    write: Callable[[memoryview], int | None], fileno: Callable[[], int], data: memoryview
) -> int:
    """All of ``data`` through ``write`` (a raw file's), in as many calls as it takes: a
    raw write may take part of it, and a non-blocking descriptor that is full none (None):
    then its descriptor (``fileno``, asked for only then) is waited on with ``poll``
    (``select`` refuses a descriptor numbered 1024 or more)."""
    done = 0
    while done < len(data):
        written = write(data[done:])
        if written is None:
            room = select.poll()
            room.register(fileno(), select.POLLOUT)
            room.poll()
            continue
        done += written
    return done
