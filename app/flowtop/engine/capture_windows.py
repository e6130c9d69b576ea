"""In a run process a client launched (``r``, ``--detach``): what a process a task
started wrote becomes that attempt's output.

A child process (``subprocess.run(["make"])``) writes to the descriptors it inherits,
past the stand-in streams (``capture``): in a launched run those are the run's log,
``.flowtop/logs/ID.log``, deleted once the run's end is recorded. A failed ``make``'s
or ``dbt``'s own words, the reason it failed, were in no ``watch``, ``history --run``,
``--json`` nor the monitor, and then gone.

Now a child started from an attempt's thread (or a ``@flow`` body's) that writes to the
log (an ``os.system``, ``os.posix_spawn`` or ``os.fork`` child: a ``Popen`` writes into
its attempt's own file, ``child_files``) opens a window on the log (``open_for``, from
``capture_children``'s audit hook), and the attempt's end (``take``) reads what the log
gained since: less what flowtop itself wrote there meanwhile (``own``: the printer's
lines, notices, a ``@flow`` body's prints), it is the attempt's output, after what it
printed. The printer's writes (``flowtops``) and a window's ends are each made whole under
one lock: a line it wrote as a window opened or closed, noted too late or not at all, was
taken into a run's output (a CI run met it). Tasks whose such children write at the same
time each get the lines of all: the log cannot tell whose they are. In a run on a
terminal or into a pipe the children's lines went where flowtop's went, and still do.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import threading
from collections.abc import Iterator

from .attempt_output import MAX_CAPTURE

#: The run's log, fd 1 of a launched run process, opened anew for reading (fd 1 is
#: write-only; ``watch_log``); None elsewhere.
log_fd: int | None = None
#: Whether a window is open: flowtop's own writes are noted meanwhile (``own``).
watching = False
#: The open windows: a buffer's id, the buffer, where the log ended as it opened, how
#: many of flowtop's own writes (``_own``) came before, and whether it is a ``@flow``
#: body's (whose children's lines are its, less its tasks' windows: ``_taken``).
_open: dict[int, tuple[object, int, int, bool]] = {}
#: The log's ranges task attempts' windows took while another window was open.
_taken: list[tuple[int, int]] = []
#: flowtop's own writes to the log while a window is open (emptied once none is).
_own: list[str] = []
#: Own writes noted at most (a chatty ``@flow`` body beside a long ``make``): past it
#: they are no longer told apart, and show among the children's lines.
MAX_OWN = 10_000
#: The most of a window read (its end): an attempt's output keeps no more anyway.
MAX_READ = 4 * MAX_CAPTURE
_lock = threading.RLock()
#: Per thread: whether its writes are noted already (``flowtops``), so ``own`` skips them.
_here = threading.local()


def watch_log(launched: bool) -> None:
    """A run process a client ``launched``: its fd 1, a regular file, is the run's log."""
    global log_fd
    if not launched:
        return
    with contextlib.suppress(OSError):
        if stat.S_ISREG(os.fstat(1).st_mode):  # (Linux: the open file, though unlinked)
            log_fd = os.open("/proc/self/fd/1", os.O_RDONLY)


def open_for(buffer: object, *, body: bool = False) -> None:
    """A child starts from the thread writing into ``buffer`` (``body``: a ``@flow``
    body's output): the log's growth from now on is its (its first child opens it)."""
    global watching
    if log_fd is None:
        return
    with _lock:
        if id(buffer) in _open:
            return
        try:
            _open[id(buffer)] = (buffer, os.fstat(log_fd).st_size, len(_own), body)
        except OSError:
            return
        watching = True


def own(text: str) -> None:
    """flowtop wrote ``text`` to the log itself: none of a child's output (noted only
    while a child's window is open: ``watching``)."""
    if watching and len(_own) < MAX_OWN and not getattr(_here, "noted", False):
        _own.append(text)


@contextlib.contextmanager
def flowtops(text: str) -> Iterator[None]:
    """flowtop writes ``text`` to the log in the block (the printer's lines, however they
    reach fd 1): noted as its own (``own``; not again by the stand-in it may pass), and no
    window opens or ends meanwhile. A window that opened between the note (none open yet)
    and the write, or ended between its reading of the notes and of the log's end, took
    the line as a child's. The log is a regular file: the lock is held for no long write."""
    if log_fd is None:
        yield
        return
    with _lock:
        own(text)
        _here.noted = True
        try:
            yield
        finally:
            _here.noted = False


def take(buffer: object) -> str:
    """What children wrote to the log since ``buffer``'s window opened, less flowtop's own
    writes, and for a ``@flow`` body less what its tasks' windows took meanwhile; "" with
    no window. The window closes."""
    global watching
    if log_fd is None or id(buffer) not in _open:
        return ""
    for stream in (sys.stdout, sys.stderr):  # flowtop's own held lines go out (and are own)
        with contextlib.suppress(AttributeError, OSError, ValueError):
            getattr(stream, "original", stream).flush()
    with _lock:
        entry = _open.pop(id(buffer), None)
        if entry is None or entry[0] is not buffer:
            return ""
        _, start, first_own, body = entry
        try:  # the end, then the notes: what a write put before it was noted before it
            end = os.fstat(log_fd).st_size
        except OSError:
            end = start
        mine = _own[first_own:]
        skipped = [(lo, hi) for lo, hi in _taken if lo >= start] if body else []
        if not body and _open:
            _taken.append((start, end))
        if not _open:
            watching = False
            _own.clear()
            _taken.clear()
    read_from = max(start, end - MAX_READ)
    try:
        data = os.pread(log_fd, max(0, end - read_from), read_from)
    except OSError:
        return ""
    return _without(data, read_from, skipped, mine).decode("utf-8", "replace")


def _without(data: bytes, at: int, skipped: list[tuple[int, int]], mine: list[str]) -> bytes:
    """``data`` (the log from offset ``at``) less the ``skipped`` ranges (the log's
    offsets) and the first of each of flowtop's own writes ``mine``."""
    kept, upto = bytearray(), at
    for lo, hi in sorted(skipped):
        lo, hi = max(lo, upto), min(hi, at + len(data))
        if lo < hi:
            kept += data[upto - at : lo - at]
            upto = hi
    kept += data[upto - at :]
    for text in mine:
        said = text.encode("utf-8", "backslashreplace")
        found = kept.find(said) if said else -1
        if found >= 0:
            del kept[found : found + len(said)]
    return bytes(kept)
