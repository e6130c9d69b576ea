"""In a run process a client launched (``r``, ``--detach``): what a process an attempt
started writes is that attempt's output, its own, live, and in turn with its prints.

Its fd 1/2 are the run's log, shared by every task: read back from there
(``capture_windows``), two tasks whose children wrote at the same time each got the
lines of both, and a child's lines came after all its attempt's prints, and only once
the attempt ended (the monitor's "output so far" had none of a long ``make``'s).

Now a ``subprocess.Popen`` started from an attempt's thread (or a ``@flow`` body's)
whose stdout or stderr is left to inherit gets instead the attempt's own file
(``ChildFile``): unlinked as soon as made, in the log's folder, appended to. A pipe was
tried and given up: a child outliving the command died of SIGPIPE, ``select`` failed
past fd 1024, and lines came out of order; a file has none of that, and a child that
outlives its attempt writes on into a file no one reads, gone with its last descriptor.
What the file gained is the attempt's output before each of its own writes (so they
keep their order), when its output so far is read, twice a second while it is followed
(``live_output``), and at its end. A ``Popen`` whose output is said (``PIPE``,
``DEVNULL``, a file) is left alone, and so is a child ``os.system``, ``os.posix_spawn``
or ``os.fork`` starts: it still writes to the log (``capture_windows``).
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import functools
import inspect
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from . import live_output
from .attempt_output import AttemptOutput

#: How much of a child file is read at a time: its output is kept as its attempt's, whose
#: middle is dropped past a size (``attempt_output``), and never held whole here.
CHUNK = 64 * 1024


class ChildFile:
    """One attempt's children's output: what they wrote, read up to ``upto``."""

    __slots__ = ("fd", "upto", "lock", "decoder", "closed")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.upto = 0
        #: Held as what it gained goes into its attempt's output, and as the attempt
        #: writes: a write comes wholly before or after the child's lines.
        self.lock = threading.Lock()
        #: A character a child wrote in part (UTF-8) is decoded once all of it is read.
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.closed = False

    def pour(self, write: Callable[[str], None], *, final: bool = False) -> None:
        """What the file gained since the last look, to ``write``; under ``lock``."""
        while not self.closed:
            try:
                data = os.pread(self.fd, CHUNK, self.upto)
            except OSError:
                data = b""
            self.upto += len(data)
            text = self.decoder.decode(data, final=final and not data)
            if text:
                write(text)
            if not data:
                return


#: The attempts' (and ``@flow`` bodies') outputs whose children have a file, and theirs.
_files: dict[AttemptOutput, ChildFile] = {}
_lock = threading.Lock()
#: Where a child file is made (the run's log's folder); None: no launched run, none made.
_folder: str | None = None
#: The output of the attempt or ``@flow`` body this thread runs, if any (``install``).
_buffer_here: Callable[[], AttemptOutput | None] | None = None
_popen_init = subprocess.Popen.__init__
_POPEN = inspect.signature(_popen_init)


class _ChildrenFirst(AttemptOutput):
    """An output with a child file: what its children wrote comes before what it is
    written next, and into what is read of it. An output becomes one (its class is
    swapped, ``_with_children``) as its first child starts: any other costs nothing."""

    __slots__ = ()

    def write(self, text: str) -> None:
        found = _files.get(self)
        if found is None:
            super().write(text)
            return
        with found.lock:
            found.pour(super().write)
            super().write(text)

    def snapshot(self) -> str:
        self.take_children()
        return super().snapshot()

    def getvalue(self) -> str:
        """Its whole output, its children's last lines in it; their file is closed."""
        found = _files.get(self)
        if found is not None:
            with found.lock:  # (then a child starting meanwhile writes to the log)
                found.pour(super().write, final=True)
                found.closed = True
                with contextlib.suppress(OSError):
                    os.close(found.fd)
            with _lock:
                _files.pop(self, None)
        return super().getvalue()

    def take_children(self) -> bool:
        """What its children wrote since the last look, into it; False once their file
        is closed (its output read whole)."""
        found = _files.get(self)
        if found is None:
            return False
        with found.lock:
            found.pour(super().write)
        return not found.closed


#: Per class of output, the same with ``_ChildrenFirst`` first (``_with_children``).
_kinds: dict[type[AttemptOutput], type[AttemptOutput]] = {}


def _with_children(buffer: AttemptOutput) -> None:
    kind = type(buffer)
    if issubclass(kind, _ChildrenFirst):
        return
    swapped = _kinds.get(kind)
    if swapped is None:
        swapped = _kinds[kind] = type(
            kind.__name__, (_ChildrenFirst, kind), {"__slots__": (), "__module__": kind.__module__}
        )
    buffer.__class__ = swapped


def install(buffer_here: Callable[[], AttemptOutput | None]) -> None:
    """A launched run process (its fd 1 the run's log): a ``Popen`` a run's thread
    (``buffer_here`` finds its output) starts writes into that output's child file."""
    global _folder, _buffer_here
    if _folder is not None:
        return
    try:
        _folder = os.path.dirname(os.readlink("/proc/self/fd/1"))
    except OSError:
        return
    _buffer_here = buffer_here
    setattr(subprocess.Popen, "__init__", _popen_init_here)  # noqa: B010 - mypy: no method assignment


@functools.wraps(_popen_init)
def _popen_init_here(popen: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
    """``Popen(...)``, its stdout and stderr left to inherit made its run's thread's child
    file (a ``stderr=STDOUT`` follows its stdout there); its other arguments as given."""
    buffer = None if _buffer_here is None else _buffer_here()
    try:
        bound = None if buffer is None else _POPEN.bind(popen, *args, **kwargs)
    except TypeError:  # the call is wrong: Popen says how
        bound = None
    given = {} if bound is None else bound.arguments
    inherits = given.get("stdout") is None or given.get("stderr") is None
    fd = None if buffer is None or not inherits else _child_fd(buffer)
    if fd is None or bound is None:
        _popen_init(popen, *args, **kwargs)
        return
    try:
        for name in ("stdout", "stderr"):
            if given.get(name) is None:
                given[name] = fd
        _popen_init(*bound.args, **bound.kwargs)
    finally:
        os.close(fd)  # the child has its own (its fd 1 and 2)


def _child_fd(buffer: AttemptOutput) -> int | None:
    """A descriptor of ``buffer``'s child file, made as its first child starts, for the
    ``Popen`` being made to close once started (a file the attempt's end closes
    meanwhile must not be reused as another's); None when none can be made."""
    with _lock:
        found = _files.get(buffer)
        if found is None:
            try:
                found = _files[buffer] = ChildFile(_new_file())
            except OSError:  # (a full disk): its children write to the log, as before
                return None
            _with_children(buffer)
            _follow(buffer)
        with found.lock:
            return None if found.closed else os.dup(found.fd)


def _new_file() -> int:
    """A file in the log's folder, private, appended to, unlinked at once: nothing is
    left of it by a run process killed, and it is gone once its last writer is."""
    fd, path = tempfile.mkstemp(prefix=".children-", dir=_folder)
    try:
        os.unlink(path)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)
    except OSError:
        os.close(fd)
        raise
    return fd


def _follow(buffer: AttemptOutput) -> None:
    """While ``buffer``'s attempt is followed (``live_output``), what its children write
    joins its output twice a second, as its prints do, though it prints nothing."""
    live = buffer.live
    watchdog = getattr(getattr(live and live[0], "runner", None), "watchdog", None)
    if watchdog is None:
        return

    def look() -> None:
        if isinstance(buffer, _ChildrenFirst) and buffer.take_children():
            with contextlib.suppress(RuntimeError):  # the runner shut down
                watchdog.call_at(time.monotonic() + live_output.EVERY, look)

    with contextlib.suppress(RuntimeError):
        watchdog.call_at(time.monotonic() + live_output.EVERY, look)


def _forked() -> None:
    """In a child forked from this process: its attempts' files are the parent's to read
    (its outputs, taken, take no more: ``capture._forked``)."""
    global _lock
    _lock = threading.Lock()
    for found in _files.values():
        found.closed = True
        with contextlib.suppress(OSError):
            os.close(found.fd)
    _files.clear()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_forked)
