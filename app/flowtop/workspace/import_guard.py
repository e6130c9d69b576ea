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

import json
import os
import threading
import time
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


@contextmanager
def importing(file: Path) -> Iterator[None]:
    """Say that ``file`` is being imported during the block, and that it is over after."""
    now_importing([file])
    try:
        yield
    finally:
        now_importing([])


#: Files whose import overran its deadline in a helper that then ended, with the seconds
#: it had (``known_hung``).
_hung_before: dict[Path, float] = {}


@contextmanager
def known_hung(files: Mapping[str, float] | Mapping[Path, float]) -> Iterator[None]:
    """During the block, a probe of one of ``files`` (``loader_process.probe_many``) is
    answered at once with the deadline it overran, instead of waiting that out again in a
    child: it is the same file, in the same load, a moment after the ``FAST`` helper that
    imported it ended on it. A load after the block tries it afresh (it may be saved)."""
    known = {Path(file): float(seconds) for file, seconds in files.items()}
    _hung_before.update(known)
    try:
        yield
    finally:
        for file in known:
            _hung_before.pop(file, None)


def hung_before(file: Path) -> float | None:
    """The deadline ``file`` overran, when it is one of ``known_hung``'s files."""
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
        self._write(json.dumps({"hung": {str(file): seconds}}).encode())

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.reply_fd, view) :]


def news_apart(data: bytes) -> tuple[bytes, list[list[Path]], bytes]:
    """What a loader child wrote (``HungSaid``), apart: its reply's bytes, the files it
    said it imports each time (in order), and the start of a ``NEWS`` line not whole yet
    (read again with what comes next)."""
    reply = bytearray()
    news: list[list[Path]] = []
    while (start := data.find(NEWS)) >= 0:
        end = data.find(b"\n", start)
        if end < 0:
            return bytes(reply + data[:start]), news, data[start:]
        reply += data[:start]
        with suppress(ValueError, TypeError):
            news.append([Path(file) for file in json.loads(data[start + 1 : end])])
        data = data[end + 1 :]
    return bytes(reply + data), news, b""


def hung_said(status: int | None, reply: bytes) -> dict[str, float] | None:
    """The file a loader child that ended with wait ``status`` said it hung on, and the
    seconds it had (``HungSaid``); None if it said none."""
    if status is None or os.waitstatus_to_exitcode(status) != IMPORT_HUNG:
        return None
    try:
        said = json.loads(reply)["hung"]
        return {str(file): float(seconds) for file, seconds in said.items()}
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


@contextmanager
def deadline(
    seconds: float,
    expire: Callable[[], None],
    *,
    tick: Callable[[], None] | None = None,
    every: float = 0.5,
) -> Iterator[None]:
    """Call ``expire`` (on a watchdog thread) if the block is still running after
    ``seconds``; ``tick`` meanwhile every ``every`` seconds (a run process's heartbeat:
    a slow import is not a dead owner)."""
    done = threading.Event()

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
                expire()

    _running.append(done)
    threading.Thread(target=watch, name="flowtop-import-deadline", daemon=True).start()
    try:
        yield
    finally:
        done.set()
        _running.remove(done)


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
