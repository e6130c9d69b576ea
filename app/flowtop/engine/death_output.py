"""What an attempt in a worker process wrote before that process died, kept on disk.

A worker captures its attempt's output in memory and sends it back with the outcome
(``shipping.run_pickled``): a worker that died (``os._exit``, a segfault, the OOM
killer's SIGKILL) sent none, and all the attempt printed, what its user needs to see
why, was lost. So the process backend gives each worker a path in a private folder of
its own (:class:`Folder`, 0700), numbered per attempt (:func:`attempt_base`), and the
worker's capture writes the attempt's output there too as it comes (:class:`_Kept`):
each line as it ends (a partial line is lost with the process), nothing at all for an
attempt that prints nothing (the file is made at its first line). Once the outcome is
sent the files go unread (:func:`forget`); a worker that died has its attempt's files
read (:func:`read`) for its output, and every worker's are removed as it is killed
(:func:`remove`: a timeout, a cancel, a death), the folder as the backend closes.
A Dask worker keeps nothing on disk: it has no path (``keep_at``).

The files stay bounded as the capture is (``attempt_output.MAX_CAPTURE``): ``BASE.0``
holds the head, then ``BASE.1``, ``BASE.2`` … each as much, only the last two of them
kept; read back, the middle is dropped with the capture's note.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import TYPE_CHECKING

from . import capture
from .attempt_output import MAX_CAPTURE, AttemptOutput

if TYPE_CHECKING:
    import multiprocessing.util

#: Characters per file: the head is one, the tail kept is read from the last two.
SEGMENT = MAX_CAPTURE // 2
#: A piece this long, or this many pieces, are written though no line ended (a progress
#: bar of dots): what waits for its line's end stays small.
LINE_MOST = 4096
PIECES_MOST = 256
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


class _Files:
    """One attempt's output as written to ``BASE.N`` files, line by line. A file that
    cannot be written (a full disk, the folder gone at the coordinator's exit) ends
    it: the attempt goes on, its output kept in memory as ever."""

    __slots__ = ("base", "index", "room", "fd", "pending", "made", "over", "lock")

    def __init__(self, base: str) -> None:
        self.base = base
        self.index = -1  # the file written now (none yet)
        self.room = 0  # characters it takes still
        self.fd = -1
        self.pending: list[str] = []  # the line begun, not yet written
        self.made: list[int] = []  # the files there are
        self.over = False
        self.lock = threading.Lock()  # (a thread the attempt started writes too)

    def write(self, text: str) -> None:
        """``text`` written, up to its last line's end: a ``print`` writes each of its
        arguments apart, and only its line's end costs a write to the file. Appending
        takes no lock (a list's ``append`` is whole); a piece another thread appends
        just as a line is written may be missing from the file, never from the capture."""
        pending = self.pending
        pending.append(text)
        if "\n" in text or "\r" in text or len(text) >= LINE_MOST or len(pending) >= PIECES_MOST:
            self._flush()

    def _flush(self) -> None:
        with self.lock:
            pieces, self.pending = self.pending, []
            if self.over:
                return
            try:
                self._put("".join(pieces))
            except (OSError, ValueError):  # (a full disk, the folder gone)
                self.close()

    def _put(self, data: str) -> None:
        while data:
            if not self.room:
                self._next()
            if len(data) > self.room:
                part, data = data[: self.room], data[self.room :]
            else:
                part, data = data, ""
            self.room -= len(part)
            encoded = part.encode("utf-8", "surrogatepass")
            while encoded:
                encoded = encoded[os.write(self.fd, encoded) :]

    def _next(self) -> None:
        """On to the next file, removing the one before the last: the head stays."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        self.index += 1
        stale = self.index - 2
        if stale >= 1:
            with contextlib.suppress(OSError):
                os.unlink(f"{self.base}.{stale}")
            self.made.remove(stale)
        self.fd = os.open(f"{self.base}.{self.index}", _FLAGS, 0o600)
        self.made.append(self.index)
        self.room = SEGMENT

    def close(self) -> None:
        """No more writes (under ``lock``)."""
        self.over = True
        self.pending = []
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1

    def discard(self) -> None:
        with self.lock:
            self.close()
            for index in self.made:
                with contextlib.suppress(OSError):
                    os.unlink(f"{self.base}.{index}")
            self.made = []


class _Kept(capture.Captured):
    """A worker's capture whose writes go to its files too."""

    __slots__ = ("files",)

    def __init__(self, files: _Files) -> None:
        super().__init__()
        self.files = files

    def write(self, text: str) -> None:
        super().write(text)
        self.files.write(text)


# -- in the worker ----------------------------------------------------------------------
_base: str | None = None
_current: _Files | None = None


def keep_at(base: str) -> None:
    """In a worker process, as an attempt arrives: its output is kept at ``base`` (the
    worker's, then the attempt's number: ``attempt_base``)."""
    global _base
    _base = base


def attempt_base(worker: str, number: int) -> str:
    """Where the ``number``th attempt sent to the worker at ``worker`` keeps its output:
    one that died is read for its own output, never that of the attempt before it (its
    files are removed once its outcome is sent, the next attempt may come first)."""
    return f"{worker}.{number}"


def begin() -> capture.Captured:
    """``capture.begin()`` for an attempt shipped to this process; in a process worker,
    writing the output to its files too (``keep_at``)."""
    global _current
    if _base is None:
        return capture.begin()
    _current = _Files(_base)
    return capture.begin(into=_Kept(_current))


def forget() -> None:
    """The attempt's outcome was sent: its files are removed, unread."""
    global _current
    files, _current = _current, None
    if files is not None:
        files.discard()


# -- in the coordinator -----------------------------------------------------------------
def _segments(base: str) -> dict[int, str]:
    """The files at ``base`` (an attempt's) by their number, as paths."""
    folder, name = os.path.split(base)
    found = {}
    with contextlib.suppress(OSError):
        for entry in os.listdir(folder):
            stem, dot, number = entry.rpartition(".")
            if dot and stem == name and number.isdigit():
                found[int(number)] = os.path.join(folder, entry)
    return found


def _text(path: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return ""
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


def read(base: str) -> str:
    """What the attempt at ``base`` (``attempt_base``) wrote, as its capture would have
    said it (its middle dropped past ``MAX_CAPTURE``); "" when it wrote no whole line."""
    found = _segments(base)
    if not found:
        return ""
    output = AttemptOutput()
    tails = sorted(index for index in found if index)
    if 0 in found:
        output.write(_text(found[0]))
        if tails and tails[0] > 1:  # the files between were removed as it wrote
            output.skip((tails[0] - 1) * SEGMENT)
    for index in tails:
        output.write(_text(found[index]))
    return output.getvalue()


def remove(worker: str) -> None:
    """The files of every attempt of the worker at ``worker``, gone (it was killed)."""
    folder, name = os.path.split(worker)
    with contextlib.suppress(OSError):
        for entry in os.listdir(folder):
            if entry.startswith(name + "."):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(folder, entry))


def abandon(worker: str) -> None:
    """In a worker whose coordinator is gone (killed: nothing of it removes its folder):
    its files gone, and the folder once it is the last worker's to go."""
    forget()
    remove(worker)
    with contextlib.suppress(OSError):  # another worker's files are there still
        os.rmdir(os.path.dirname(worker))


class Folder:
    """The private folder (0700) of a process backend's workers' files, made with its
    first worker and removed as it closes (else as it is collected, or at the
    interpreter's exit)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._path: str | None = None
        self._count = 0
        self._remove: multiprocessing.util.Finalize | None = None

    def base(self) -> str:
        """A new worker's base (``attempt_base``)."""
        # (imported only here: shipping imports this module in every process, one whose
        # folder holds a ``multiprocessing.py`` too: ``process_backend`` is imported late)
        import multiprocessing.util
        import shutil
        import tempfile

        with self._lock:
            if self._path is None:
                self._path = tempfile.mkdtemp(prefix="flowtop-output-")  # 0700
                # At the interpreter's exit after the workers were killed (their
                # ``Finalize`` comes first), so that none of them writes there after it.
                self._remove = multiprocessing.util.Finalize(
                    self,
                    shutil.rmtree,
                    args=(self._path,),
                    kwargs={"ignore_errors": True},
                    exitpriority=-1,
                )
            self._count += 1
            return os.path.join(self._path, f"w{self._count}")

    def close(self) -> None:
        with self._lock:
            remove, self._remove, self._path = self._remove, None, None
        if remove is not None:
            remove()
