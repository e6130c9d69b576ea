"""Reading what a program writes to a pseudo-terminal (or a pipe), for the tests of every
folder: one read-until with a deadline that fails saying what it read, and the command
started on a terminal of its own.

``tests/`` is not a package, but pytest puts it on ``sys.path`` for the packages under
it (as for ``cli_kit``), so a test module in any folder imports this by its plain name.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

#: For ``on_terminal``'s ``stdin`` and ``stdout``: the terminal itself.
TERMINAL = -100
#: How much of what was read a failure shows (its end): a monitor draws screens of it.
SHOWN = 4000


def read_until(fd: int, *wanted: bytes, seconds: float = 60.0, so_far: bytes = b"") -> bytes:
    """``so_far`` and what is written to ``fd`` (a pseudo-terminal's leader, or a pipe's
    read end) after it, read until each of ``wanted`` is in it; given none, until the
    other end closes (every process that had the terminal has ended). Fails, saying what
    it read, once ``seconds`` pass, or when the other end closes before ``wanted`` came."""
    said, deadline = so_far, time.monotonic() + seconds
    while missing := [w for w in wanted if w not in said] if wanted else ["the close"]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"waited {seconds:g} s for {missing}; read: {_shown(said)}")
        if not select.select([fd], [], [], left)[0]:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: a terminal's other end closed
            chunk = b""
        if not chunk:
            if wanted:
                raise AssertionError(f"closed before {missing} came; read: {_shown(said)}")
            return said
        said += chunk
    return said


def read_for(fd: int, seconds: float) -> bytes:
    """What is written to ``fd`` within ``seconds``, or until its other end closes: a
    terminal kept read meanwhile, as a real one is (never a failure)."""
    said, deadline = b"", time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([fd], [], [], left)[0]:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other end closed
            break
        if not chunk:
            break
        said += chunk
    return said


def _shown(said: bytes) -> str:
    if len(said) <= SHOWN:
        return repr(said)
    return f"({len(said)} bytes, the last {SHOWN}) {said[-SHOWN:]!r}"


@contextlib.contextmanager
def on_terminal(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: int = subprocess.DEVNULL,
    stdout: int = TERMINAL,
    size: tuple[int, int] | None = None,
    start_new_session: bool = False,
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``command`` started with its stderr (and ``stdout``, ``stdin``: ``TERMINAL``) on a
    new pseudo-terminal of ``size`` (rows, columns), this process keeping none of its
    follower end: the process and the terminal's leader, to read it (``read_until``) and
    type into it. The process is killed if it still runs after, and the leader closed.
    Without ``env``: this process's, less ``COLUMNS`` and ``LINES`` (which a program reads
    before its terminal's size), so that it reads the terminal's; an ``env`` a test
    gives is used as given."""
    if env is None:
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    leader, follower = pty.openpty()
    try:
        if size is not None:
            fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", *size, 0, 0))
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=follower if stdin == TERMINAL else stdin,
            stdout=follower if stdout == TERMINAL else stdout,
            stderr=follower,
            start_new_session=start_new_session,
        )
    except BaseException:
        os.close(leader)
        raise
    finally:
        os.close(follower)
    with process:
        try:
            yield process, leader
        finally:
            if process.poll() is None:
                process.kill()
            os.close(leader)
