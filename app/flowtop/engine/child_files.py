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
keep their order), when its output so far is read, at each look while it is followed
(``live_output``, which follows it from its first child on), and at its end; past
``MAX_READ`` gained, its last ``MAX_READ`` alone is decoded, the rest only counted (a
child's gigabyte was decoded whole to keep 256 KB; counting its characters takes about
0.6 s a gigabyte, under the file's lock: the attempt's own prints wait meanwhile).
``sys.stdout``, ``sys.stderr`` or fd 1 or 2 given as a ``Popen``'s output is the log
too, and gets the file (``stderr=sys.stdout`` lost the child's stderr). A ``Popen``
whose output goes elsewhere (``PIPE``, ``DEVNULL``, a file) is left alone, and
so is a child ``os.system``, ``os.posix_spawn`` or ``os.fork`` starts: it still writes to
the log (``capture_windows``).
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import inspect
import os
import secrets
import subprocess
import threading
from collections.abc import Callable
from typing import Any

from . import live_output
from .attempt_output import MAX_CAPTURE, AttemptOutput
from .capture_windows import MAX_READ

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

    def pour(
        self, into: AttemptOutput, write: Callable[[str], None], *, final: bool = False
    ) -> None:
        """What the file gained since the last look, to ``write`` (``into``'s own); under
        ``lock``. Read up to its size as the look begins: a child writing faster than it is
        decoded kept the attempt's end reading for ever. Past ``MAX_READ`` gained, once
        ``into``'s head is full, all but the last ``MAX_READ`` is counted with its dropped
        middle undecoded (``AttemptOutput.skip``), as ``capture_windows.take`` reads the log."""
        if self.closed:
            return
        try:
            end = os.fstat(self.fd).st_size
        except OSError:
            end = self.upto
        while self.upto < end:
            if end - self.upto > MAX_READ and into.size >= MAX_CAPTURE // 2:
                self._skip_to(end - MAX_READ, into)
            try:
                data = os.pread(self.fd, min(CHUNK, end - self.upto), self.upto)
            except OSError:
                data = b""
            if not data:
                break
            self.upto += len(data)
            text = self.decoder.decode(data)
            if text:
                write(text)
        if final and (text := self.decoder.decode(b"", final=True)):
            write(text)

    def _skip_to(self, cut: int, into: AttemptOutput) -> None:
        """Read on from ``cut`` (or the character after it, one cut there being dropped
        whole: decoded from its middle it was a U+FFFD), what is skipped counted in
        characters into ``into``'s dropped middle: counted in bytes, a child's ``█`` bar
        or Japanese said three times as many dropped."""
        start = _character_start(self.fd, cut)
        pending, _ = self.decoder.getstate()  # a character begun before, ending in it
        into.skip(bool(pending) + _characters(self.fd, self.upto, start))
        self.upto = start
        self.decoder.reset()

    def close(self) -> None:
        """Under ``lock``, its output read whole: a child starting later writes to the log."""
        if not self.closed:
            self.closed = True
            with contextlib.suppress(OSError):
                os.close(self.fd)


#: The bytes that go on a UTF-8 character: each other byte begins one.
_CONTINUING = bytes(range(0x80, 0xC0))


def _character_start(fd: int, at: int) -> int:
    """``at``, or past the bytes there that end a character begun before it."""
    try:
        found = os.pread(fd, 3, at)  # (a character's at most 3 continuing bytes)
    except OSError:
        return at
    return at + len(found) - len(found.lstrip(_CONTINUING))


def _characters(fd: int, start: int, stop: int) -> int:
    """How many characters begin from byte ``start`` to ``stop`` of the file: a byte each
    that is not ``_CONTINUING``, the bytes read but not decoded (ASCII, most of what
    children write, a byte each at a glance). A byte unreadable counts as one."""
    count = 0
    while start < stop:
        try:
            data = os.pread(fd, min(MAX_READ, stop - start), start)
        except OSError:
            data = b""
        if not data:
            return count + stop - start
        count += len(data) if data.isascii() else len(data.translate(None, _CONTINUING))
        start += len(data)
    return count


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
            found.pour(self, super().write)
            super().write(text)

    def snapshot(self) -> str:
        self.take_children()
        return super().snapshot()

    def getvalue(self) -> str:
        """Its whole output, its children's last lines in it; their file is closed."""
        found = _files.get(self)
        if found is not None:
            with found.lock:  # (then a child starting meanwhile writes to the log)
                found.pour(self, super().write, final=True)
                found.close()
            with _lock:
                _files.pop(self, None)
        return super().getvalue()

    def take_children(self) -> None:
        found = _files.get(self)
        if found is not None:
            with found.lock:
                found.pour(self, super().write)


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
    to_log = [name for name in ("stdout", "stderr") if _to_log(given.get(name))]
    fd = None if buffer is None or bound is None or not to_log else _child_fd(buffer)
    if fd is None or bound is None:
        _popen_init(popen, *args, **kwargs)
        return
    try:
        for name in to_log:
            given[name] = fd
        _popen_init(*bound.args, **bound.kwargs)
    finally:
        os.close(fd)  # the child has its own (its fd 1 and 2)


def _to_log(target: object) -> bool:
    """Whether a ``Popen``'s ``stdout`` or ``stderr`` would write to the run's log: left to
    inherit, or fd 1 or 2 given as such or as a stream (``sys.stdout``, whose stand-in
    answers the real one's ``fileno()``)."""
    if target is None:
        return True
    if isinstance(target, int):
        return target in (1, 2)
    fileno = getattr(target, "fileno", None)
    try:
        return fileno is not None and fileno() in (1, 2)
    except (OSError, TypeError, ValueError):  # not a stream's: Popen says so
        return False


def _child_fd(buffer: AttemptOutput) -> int | None:
    """A descriptor of ``buffer``'s child file, made as its first child starts, for the
    ``Popen`` being made to close once started (a file the attempt's end closes
    meanwhile must not be reused as another's); None when none can be made."""
    with _lock:
        found = _files.get(buffer)
        if found is None:
            found = _made_for(buffer)
            if found is None:
                return None
        with found.lock:
            return None if found.closed else os.dup(found.fd)


def _made_for(buffer: AttemptOutput) -> ChildFile | None:
    """``buffer``'s child file, made under ``_lock``, if its attempt still runs once its
    class is swapped: an attempt ending just as a thread of its own starts a child read
    its output whole on the class before, and that file was never read nor closed. From
    there its output is followed (``live_output``), as a print's first write does."""
    try:
        found = _files[buffer] = ChildFile(_new_file())
    except OSError:  # (a full disk): its children write to the log, as before
        return None
    _with_children(buffer)  # (an output swapped stays so: with no file it is as before)
    if _buffer_here is None or _buffer_here() is not buffer:
        del _files[buffer]
        with found.lock:  # (its end may be reading it: the class was swapped first)
            found.close()
        return None
    live = buffer.live
    if live is not None:
        live_output.printed(buffer, *live)
    return found


def _new_file() -> int:
    """A file in the log's folder, private, appended to, unlinked at once: nothing is
    left of it by a run process killed, and it is gone once its last writer is. Made
    with ``os.open`` alone: ``fcntl`` to append broke every command on Windows."""
    path = os.path.join(str(_folder), f".children-{secrets.token_hex(8)}")
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.unlink(path)
    except OSError:
        os.close(fd)
        raise
    return fd


def _forked() -> None:
    """In a child forked from this process: its attempts' files are the parent's to read
    (its outputs, taken, take no more: ``capture._forked``)."""
    global _lock
    _lock = threading.Lock()
    for found in _files.values():
        found.close()
    _files.clear()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_forked)
