"""Under ``flowtop run`` (and ``--json``), what a process a task starts writes is that
attempt's output, as in a run a client launched (``capture_windows``).

A child (``subprocess.run(["dbt", "run"])``) writes to the descriptors it inherits, past
the stand-in streams (``capture``). In a launched run those are the run's log, which the
attempt's end reads; under ``flowtop run`` they were the command's terminal or pipe, and
the history kept none of a nightly ``flowtop run``'s ``make`` or ``dbt`` lines: the record
depended on the command that started the run. Now ``subprocess.Popen`` (so ``run``,
``call``, ``check_output``'s stderr), started on a thread that captures, gives the child a
pipe for each of stdout and stderr it would inherit (``install``); a reader thread puts
what comes into the attempt's output (a ``@flow`` body's: the run's, passed on to the
terminal as the body's prints are), and the attempt's end (``take``) reads what is left
in the pipes first (``subprocess.run`` returns once the child exited: all it wrote is
there). Once the attempt ended, a child still running writes through to the real streams.
The child's stdout is a pipe then, no terminal (as in a launched run: a tool's colours
and progress bars turn off). ``os.system`` and ``os.posix_spawn`` are not followed.
"""

from __future__ import annotations

import codecs
import contextlib
import inspect
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

#: What a thread writes into and its tee, a ``@flow`` body's (``capture._owner``), and
#: whether a buffer is still written into (``capture._owns``); given by ``install``.
_owner_here: Callable[[], tuple[Any, Any] | None] = type(None)
_owns: Callable[[Any], bool] = bool
_original_init: Callable[..., None] | None = None
_original_wait: Callable[..., Any] = subprocess.Popen.wait
_signature: inspect.Signature | None = None
#: The pipes of children started by each capture (by id) and not yet taken at its end.
_pipes: dict[int, list[_Pipe]] = {}
_lock = threading.Lock()
#: A ``Popen``'s pipes, on it.
_ATTRIBUTE = "_flowtop_pipes"


def install(owner_here: Callable[[], tuple[Any, Any] | None], owns: Callable[[Any], bool]) -> None:
    """From now on a child started where ``owner_here()`` names a capture writes into it
    (a flowtop command not launched by a client; not on Windows); once per process."""
    global _owner_here, _owns, _original_init, _signature
    _owner_here, _owns = owner_here, owns
    if _original_init is None and os.name == "posix":
        _original_init = subprocess.Popen.__init__
        _signature = inspect.signature(_original_init)
        subprocess.Popen.__init__ = _init  # type: ignore[method-assign]
        subprocess.Popen.wait = _wait  # type: ignore[method-assign]


def _init(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
    assert _original_init is not None
    assert _signature is not None
    owner = _owner_here()
    if owner is None:
        _original_init(self, *args, **kwargs)
        return
    try:
        bound = _signature.bind(self, *args, **kwargs)
    except TypeError:  # Popen's own error, as it words it
        _original_init(self, *args, **kwargs)
        return
    given = bound.arguments
    made: list[tuple[int, int, Any]] = []  # (read end, write end, the real stream)
    try:
        if given.get("stdout") is None:
            read, write = os.pipe()
            made.append((read, write, sys.stdout))
            given["stdout"] = write
        if given.get("stderr") is None:
            if made and _one_place():  # one pipe: its lines keep their order, as there
                given["stderr"] = made[0][1]
            else:
                read, write = os.pipe()
                made.append((read, write, sys.stderr))
                given["stderr"] = write
        _original_init(*bound.args, **bound.kwargs)
    except BaseException:
        for read, write, _ in made:
            for fd in (read, write):
                with contextlib.suppress(OSError):
                    os.close(fd)
        raise
    pipes = []
    for read, write, stream in made:
        os.close(write)  # the child's now: the pipe ends when it (and its children) exit
        pipe = _Pipe(read, owner, stream)
        pipes.append(pipe)
        with _lock:
            _pipes.setdefault(id(owner[0]), []).append(pipe)
        threading.Thread(target=pipe.follow, name="flowtop-child-output", daemon=True).start()
    setattr(self, _ATTRIBUTE, pipes)


def _wait(self: subprocess.Popen[Any], timeout: float | None = None) -> Any:
    """``Popen.wait`` (``run``, ``call``, ``communicate`` without pipes wait so): once the
    child exited, what it wrote is passed on here, before the code that waited goes on
    (its next ``print`` comes after the child's lines, not among them)."""
    code = _original_wait(self, timeout)
    for pipe in getattr(self, _ATTRIBUTE, ()):
        pipe.drain()
    return code


def _one_place() -> bool:
    """Whether this process's stdout and stderr are one file (a terminal, ``2>&1``)."""
    try:
        return os.path.samestat(os.fstat(1), os.fstat(2))
    except OSError:
        return False


class _Pipe:
    """One stream of one child: what comes is its capture's while that is written into,
    else the real stream's."""

    def __init__(self, fd: int, owner: tuple[Any, Any], stream: Any) -> None:
        self.fd = fd
        self.buffer: Any = owner[0]  # None once taken (``take``)
        self.body = owner[1] is not None  # a ``@flow`` body's: passed on as it comes
        self.stream = stream
        self.lock = threading.Lock()
        self.decoder = codecs.getincrementaldecoder(getattr(stream, "encoding", None) or "utf-8")(
            "replace"
        )
        os.set_blocking(fd, False)

    def follow(self) -> None:
        """On its reader thread: until the child (and whatever inherited the pipe) closed it."""
        import select

        while True:
            with contextlib.suppress(InterruptedError):
                select.select([self.fd], [], [])
            with self.lock:
                if not self._read(at_end=False):
                    break
        with self.lock:
            os.close(self.fd)
            self.fd = -1

    def _read(self, *, at_end: bool) -> bool:
        """What is in the pipe now, passed on (``at_end``: its capture's attempt's end
        reads it); False at the pipe's end."""
        while self.fd >= 0:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return True
            except OSError:
                return False
            text = self.decoder.decode(data, final=not data)
            if text:
                self._pass_on(text, at_end)
            if not data:
                return False
        return False

    def _pass_on(self, text: str, at_end: bool) -> None:
        buffer = self.buffer
        if buffer is not None and (at_end or _owns(buffer)) and not _taken(buffer):
            buffer.write(text)
            if not (buffer.echo or self.body):
                return
        real = getattr(self.stream, "past", None)
        with contextlib.suppress(OSError, ValueError):
            if real is not None:
                real(text)
            else:
                self.stream.write(text)
            getattr(self.stream, "original", self.stream).flush()

    def drain(self) -> None:
        """What the pipe holds now, passed on at once, on this thread."""
        with self.lock:
            self._read(at_end=False)

    def take(self) -> None:
        """Its capture's attempt ended: what the pipe holds now is its; the rest is not."""
        with self.lock:
            self._read(at_end=True)
            self.buffer = None


def _taken(buffer: Any) -> bool:
    """Whether the run took ``buffer``'s output for good (``AttemptOutput.taken``)."""
    taken = buffer.taken
    return taken is not None and bool(taken())


def take(buffer: Any) -> None:
    """At the end of ``buffer``'s attempt (its ``getvalue``): what its children wrote and
    the pipes hold is its output now."""
    if not _pipes:
        return
    with _lock:
        pipes = _pipes.pop(id(buffer), ())
    for pipe in pipes:
        if pipe.buffer is buffer:
            pipe.take()
