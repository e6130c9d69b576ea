"""What a child that flowtop forks to import user code needs around it: to die with the
process that forked it, to keep none of that process's files open, and, on the parent's
side, to be read without waiting past its time and to be killed with what it started.

``loader_process`` forks one such child per flow file it tries (a loader child): these
helpers are its, kept here as ``loader_process`` reached its 600 lines. And a process a
flow file's own import forks (``forks_end_here``) ends as it comes back to flowtop, and
keeps none of the descriptors that tell the host's end (``closed_in_children``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import threading
from collections.abc import Iterator

#: ``prctl`` option: a signal for this process when its parent dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1


def single_threaded() -> bool:
    """Whether this process may fork without a fork server: it runs no other thread.
    The OS's count where it has one: ``threading`` misses threads a C library or a test
    runner (xdist's receiver) started, and a fork beside one may deadlock (Python 3.12+
    warns of it)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return threading.active_count() == 1


def ready_to_read(fds: list[int], timeout: float) -> set[int]:
    """Which of ``fds`` have data, or their end, to read within ``timeout`` seconds.

    ``poll``, not ``select``: ``select`` refuses a descriptor numbered 1024 or more
    (``filedescriptor out of range``), which a long-lived monitor or a process holding
    many files open hands its next pipe, and every flow file's load failed with it."""
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    return {fd for fd, _ in poller.poll(timeout * 1000)}


def kill_group(pid: int) -> None:
    """End a child that overran its time, and whatever it started in its process group."""
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def die_with(parent: int) -> None:
    """End this child when the process that forked it dies (Linux): its parent kills it
    at the timeout, so a parent killed first (a flow host the TUI stopped) must not leave
    an import looping forever behind it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(70)


def max_fd() -> int:
    """The highest file descriptor number this process may have open, plus one."""
    try:
        return int(os.sysconf("SC_OPEN_MAX"))
    except (OSError, ValueError):
        return 4096


def close_all_but(*kept: int) -> None:
    """Close every file descriptor from 3 up but ``kept``: a socket of the flow host's
    left open in a child would keep the TUI from seeing the host die while it imports."""
    start = 3
    for fd in sorted(kept):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, max_fd())


#: This process's descriptors a child forked from it must not keep (``closed_in_children``).
_kept_from_children: list[int] = []
_at_fork: list[bool] = []  # (registered once a process: a forked child inherits it)


def closed_in_children(*fds: int) -> None:
    """``fds`` (the flow host's socket to the monitor, a loader child's reply pipe) are
    not open in a child forked from here from now on, in place of those named before. A
    process a flow file's import forks that never comes back to flowtop (a daemon's loop,
    which ``forks_end_here`` cannot end) kept the host's socket open: the monitor saw no
    end of the host when it died. There each is /dev/null: its number stays taken, so a
    socket object closing it closes no file the child opened since."""
    _kept_from_children[:] = fds
    if not _at_fork and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_drop_in_child)
        _at_fork.append(True)


def _drop_in_child() -> None:
    """``os.fork``'s hook in the child: the descriptors named are /dev/null here, and a
    child of this one is left its own (``closed_in_children`` names them, if flowtop's)."""
    fds, _kept_from_children[:] = list(_kept_from_children), []
    if not fds:
        return
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_RDWR)
        for fd in fds:
            if fd != null:
                with contextlib.suppress(OSError):
                    os.dup2(null, fd, inheritable=False)
        if null not in fds:
            os.close(null)


@contextlib.contextmanager
def forks_end_here() -> Iterator[None]:
    """Around user code flowtop runs in its own process (a flow file's import): a copy of
    the process that code forked and that comes back here ends at once, ``os._exit``, as a
    process forked in a task does (``engine.user_call.end_forked_child``): status 0 when
    the code returned, 1 when it raised.

    ``os.fork()`` at a module's top level, both sides going on (a careless library, a
    "daemonize" helper), left a copy of the flow host reading the monitor's socket beside
    the host (hot reload of every file stopped, unsaid), two replies in a loader child's
    pipe (``flowtop list``: "the import ended the process (exit code 0)"), and two run
    processes running one run. Only the process that began the import goes on: the file
    loads as it would without the fork. Nothing of flowtop's runs in the copy: no exit
    handler, no ``finally`` (its news would go to the shared socket), no flush of output
    buffered before the fork (the process that began the import writes it). A process
    the import forks that does not come back (a daemon's loop) is the user's."""
    pid = os.getpid()
    code = 1
    try:
        yield
        code = 0
    finally:
        if os.getpid() != pid:
            os._exit(code)
