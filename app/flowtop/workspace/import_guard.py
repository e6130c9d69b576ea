"""A deadline for an import in this process: an import that overruns it ends the process.

An import cannot be interrupted: a flow file may loop at import, block in C, or wait on
the network for ever. Where the importing process is disposable — a run process, the
TUI's flow host, ``flowtop list``'s loader — the file is imported there once, under this
deadline, rather than first in a child (``loader_process.probe``) and then again: a
module that takes a second to import (pandas, a cloud SDK) costs one second, not two.
Past the deadline the process ends, and whoever started it says why (a run process) or
starts another that imports each file in a child of its own first, which then reports
the file that hung while the others load (the flow host, the loader). Told which file
hung (``ImportNews``), that one does not wait out the same deadline for it again.
"""

from __future__ import annotations

import faulthandler
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Protocol

#: How a helper process (the flow host, ``flowtop list``'s loader) imports flow files:
#: each in this process only, under a deadline; or each in a child first, which names a
#: file that hangs or ends its process while the others load (what the helper's parent
#: asks for after a ``FAST`` one died).
FAST, CAREFUL = "fast", "careful"

#: The exit status of a process whose import overran its deadline (``EX_TEMPFAIL``):
#: its parent then imports each file in a child of its own instead.
IMPORT_HUNG = 75


class ImportNews(Protocol):
    """Who hears which flow files this process imports: the flow host tells the TUI (its
    first screen names a file still importing), a loader child its parent (which then
    need not wait out the same file's deadline again in a child of its own)."""

    def importing(self, files: Sequence[Path]) -> None:
        """``files`` are being imported now, in this process or in its children; none:
        no import is going on."""

    def hung(self, file: Path, seconds: float) -> None:
        """Importing ``file`` overran ``seconds``: this process ends at once after this."""


_listener: ImportNews | None = None


def tell(listener: ImportNews | None) -> ImportNews | None:
    """Send this process's import news to ``listener`` (None: to no one; what a forked
    child says first, so that it never writes to its parent's socket); returns whom it
    went to before, for a listener that passes it on and gives it back."""
    global _listener  # one per process: its imports are the process's, whoever asked
    before, _listener = _listener, listener
    return before


def now_importing(files: Sequence[Path]) -> None:
    """Say that ``files`` are being imported now (none: that no import is going on)."""
    if _listener is not None:
        with suppress(Exception):  # news only: an import never fails for want of it
            _listener.importing(files)


#: The files this process imports itself now, innermost last (``importing``).
_here: list[Path] = []


@contextmanager
def importing(file: Path) -> Iterator[None]:
    """Say that ``file`` is being imported during the block, and that it is over after."""
    now_importing([file])
    _here.append(file)
    try:
        yield
    finally:
        _here.remove(file)
        now_importing([])


#: Files whose import overran its deadline in a helper that then ended, with the seconds
#: it had and where it was then (``known_hung``).
_hung_before: dict[Path, tuple[float, str]] = {}


def seconds_at(said: object) -> tuple[float, str]:
    """A hung file's value as it travels between processes, read: its seconds alone, or
    ``[seconds, where]`` (``HungSaid.hung``; ``overran_at``'s words, "" if unknown)."""
    if isinstance(said, list | tuple) and said:
        return float(said[0]), str(said[1]) if len(said) > 1 else ""
    if isinstance(said, int | float | str):
        return float(said), ""
    raise TypeError(f"not a hung file's seconds: {said!r}")


@contextmanager
def known_hung(files: Mapping[str, object] | Mapping[Path, object]) -> Iterator[None]:
    """During the block, a probe of one of ``files`` (``loader_process.probe_many``) is
    answered at once with the deadline it overran (and where it was then, when said:
    ``seconds_at``), instead of waiting that out again in a child: it is the same file,
    in the same load, a moment after the ``FAST`` helper that imported it ended on it. A
    load after the block tries it afresh (it may be saved)."""
    known = {Path(file): seconds_at(said) for file, said in files.items()}
    _hung_before.update(known)
    try:
        yield
    finally:
        for file in known:
            _hung_before.pop(file, None)


def hung_before(file: Path) -> tuple[float, str] | None:
    """The deadline ``file`` overran, and where it was then ("" if unknown), when it is
    one of ``known_hung``'s files."""
    return _hung_before.get(file)


#: What begins a line of a loader child's news in its reply pipe (``news_apart``): a
#: byte JSON never writes (it escapes control characters), so no reply holds one.
NEWS = b"\x1e"


class HungSaid:
    """A loader child's news, written to its parent's pipe: the files it imports now, each
    time as a ``NEWS`` line (a ``flowtop list .`` stopped then names the file, not the
    folder); the file whose import overran its deadline, as its reply (``hung_said``
    reads it), before the child ends ``IMPORT_HUNG``."""

    def __init__(self, reply_fd: int) -> None:
        self.reply_fd = reply_fd

    def importing(self, files: Sequence[Path]) -> None:
        self._write(NEWS + json.dumps([str(file) for file in files]).encode() + b"\n")

    def hung(self, file: Path, seconds: float) -> None:
        self._write(json.dumps({"hung": {str(file): [seconds, overran_at()]}}).encode())

    def overran(self) -> None:
        """A loader child's import past its own deadline, as news: where it is
        (``overran_at``), which its parent says when it kills it (``news_apart``)."""
        self._write(NEWS + json.dumps({"at": overran_at()}).encode() + b"\n")

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.reply_fd, view) :]


def news_apart(data: bytes) -> tuple[bytes, list[list[Path] | str], bytes]:
    """What a loader child wrote (``HungSaid``), apart: its reply's bytes, its news in
    order (the files it said it imports, each time; where its import was past its own
    deadline, as words: ``HungSaid.overran``), and the start of a ``NEWS`` line not whole
    yet (read again with what comes next)."""
    reply = bytearray()
    news: list[list[Path] | str] = []
    while (start := data.find(NEWS)) >= 0:
        end = data.find(b"\n", start)
        if end < 0:
            return bytes(reply + data[:start]), news, data[start:]
        reply += data[:start]
        with suppress(ValueError, TypeError, AttributeError):
            said = json.loads(data[start + 1 : end])
            news.append(str(said["at"]) if isinstance(said, dict) else [Path(f) for f in said])
        data = data[end + 1 :]
    return bytes(reply + data), news, b""


def hung_said(status: int | None, reply: bytes) -> dict[str, list[float | str]] | None:
    """The file a loader child that ended with wait ``status`` said it hung on, with the
    seconds it had and where it was then (``HungSaid``, ``seconds_at``); None if it said
    none."""
    if status is None or os.waitstatus_to_exitcode(status) != IMPORT_HUNG:
        return None
    try:
        said = json.loads(reply)["hung"]
        return {str(file): list(seconds_at(value)) for file, value in said.items()}
    except (ValueError, LookupError, TypeError, AttributeError):
        return None


def hung(path: Path, seconds: float) -> None:
    """A helper process's end when importing ``path`` overran ``seconds``: leave at once,
    without running exit handlers (the import still holds the main thread, and they might
    wait for it). Its parent sees ``IMPORT_HUNG`` and starts a ``CAREFUL`` one, told first
    which file hung (``ImportNews.hung``): that one skips it, keeping the same error."""
    if _listener is not None:
        with suppress(Exception):
            _listener.hung(path, seconds)
    os._exit(IMPORT_HUNG)


#: Seconds past its deadline after which an import even the deadline's thread could not
#: stop ends the process from C (``deadline``'s ``backstop``).
BACKSTOP = 2.0


@contextmanager
def deadline(
    seconds: float,
    expire: Callable[[], None],
    *,
    tick: Callable[[], None] | None = None,
    every: float = 0.5,
    backstop: bool = False,
) -> Iterator[None]:
    """Call ``expire`` (on a watchdog thread) if the block is still running after
    ``seconds``; ``tick`` meanwhile every ``every`` seconds (a run process's heartbeat:
    a slow import is not a dead owner). ``backstop`` (``expire`` ends the process): also
    faulthandler's watchdog, a thread of C, ``BACKSTOP`` seconds later: an import stuck
    in a C call that holds the GIL (a regular expression backtracking at a file's top)
    starves the Python one, and `flowtop run` waited for good; it ends the process
    (exit 1), the stack it was stuck in on stderr."""
    if backstop:
        with _backstopped(seconds + BACKSTOP), deadline(seconds, expire, tick=tick, every=every):
            yield
        return
    done = threading.Event()
    held = threading.get_ident()  # the thread whose block may overrun (``overran_at``)

    def watch() -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if done.wait(min(every, left) if tick is not None else left):
                return
            if tick is not None:
                tick()
        if not done.is_set():
            if _told_instead:  # a wait that can say what overran, and end the load itself
                _told_instead[-1].set()
            else:
                _overran_in(held)
                expire()

    _running.append(done)
    threading.Thread(target=watch, name="flowtop-import-deadline", daemon=True).start()
    try:
        yield
    finally:
        done.set()
        _running.remove(done)


@contextmanager
def _backstopped(seconds: float) -> Iterator[None]:
    """faulthandler's watchdog for the block (``deadline``'s ``backstop``); none where
    there is no stderr to write the stack to."""
    try:
        faulthandler.dump_traceback_later(seconds, exit=True, file=sys.__stderr__ or sys.stderr)
    except (AttributeError, ValueError, OSError, RuntimeError):
        yield
        return
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


#: Where the block of the last ``deadline`` that expired here was then (``overran_at``).
_at = ""


def overran_at() -> str:
    """Where this process's import was when its deadline expired, in a few words: the
    innermost line of the flow file it imported, and when the import was deeper then, in
    a module it imported or a function it called, the innermost line of all
    (``hang.py:3, in socket.py:707 connect``); "" before that or if it cannot be read."""
    return _at


def _overran_in(thread: int) -> None:
    """Keep where ``thread``, whose deadline expired, is now (``overran_at``): said as the
    process ends, before its parent kills it; nothing when its stack cannot be read."""
    global _at  # one per process: it ends on this overrun
    with suppress(Exception):  # the words go on without it
        _at = place(traceback.extract_stack(sys._current_frames()[thread]), list(_here))


def place(stack: traceback.StackSummary, files: Sequence[Path]) -> str:
    """``overran_at``'s words of ``stack`` (outermost first), taken in the import of
    ``files`` (the innermost last): "" when no line of it is in one of them."""
    for file in reversed(files):
        names = {str(file), os.path.realpath(file)}
        mine = [frame for frame in stack if frame.filename in names]
        if mine:
            break
    else:
        return ""
    last, inner = mine[-1], stack[-1]
    where = f"{Path(last.filename).name}:{last.lineno}"
    if inner is last:
        return where
    name = "" if inner.name.startswith("<") else f" {inner.name}"  # (``<module>``: none)
    return f"{where}, in {Path(inner.filename).name}:{inner.lineno}{name}"


#: The deadlines running now (``deadline``), and the waits an expiring one tells instead
#: of ending the process (``told_instead``).
_running: list[threading.Event] = []
_told_instead: list[threading.Event] = []


def under_deadline() -> bool:
    """Whether this process's load runs under a ``deadline`` now."""
    return bool(_running)


@contextmanager
def told_instead(overran: threading.Event) -> Iterator[None]:
    """During the block, a ``deadline`` that expires sets ``overran`` instead of ending the
    process: the block waits on user code on another thread (describing a default), and
    says which value never returned, a broken file, where the process ending said only
    that the import did not finish."""
    _told_instead.append(overran)
    try:
        yield
    finally:
        _told_instead.remove(overran)
