"""How a run's process ended, for the note of a run it left RUNNING.

A task that called ``os._exit(3)``, the OOM killer or a ``kill -9`` ended a run process
with nothing written, and its run read "its process … is gone", saying neither how the
process ended nor (``dead_runs_tasks``) the tasks that were running.

How a process ended (its exit status) goes to its parent alone, as it waits for it.
Until then the process is a zombie, and a reader of its host (and user) reads the status
in ``/proc/PID/stat`` (``how_ended``). A run the monitor launched stays one until the
monitor's ``ChildReaper`` waits for it, which notes the status here first
(``note_end``), so this process's readers say it once the zombie is gone too; it noted
the machine's OOM kills as it launched the run (``note_start``), for the "out of
memory?" hint. A run started from a shell (``flowtop run``), or detached (``--detach``:
its launcher exits, init waits for it), has no flowtop for a parent: once reaped, its
note says it "ended without a word", and why.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path

from .proc_stat import proc_stat

#: How many processes' starts and ends are kept (the newest): a monitor open for weeks
#: launches thousands of runs.
KEPT = 512

_lock = threading.Lock()
#: pid -> (its start in clock ticks since boot, the machine's OOM kills as it started).
_starts: dict[int, tuple[str, int | None]] = {}
#: (pid, start) -> how it ended, as ``Popen.returncode`` says it (-N: signal N).
_ends: dict[tuple[int, str], int] = {}
#: pid -> its run's launcher file (``launcher.LAUNCHER``) and log, for the processes
#: launched here.
_files: dict[int, tuple[Path, Path]] = {}


def _oom_kills() -> int | None:
    """The machine's OOM kills since boot (``process_backend.oom_kills``: a machine-wide
    count), imported only when asked: a run process pays every import at its start."""
    from ..engine.process_backend import oom_kills

    return oom_kills()


def note_file(pid: int, path: Path, log: Path) -> None:
    """The run process ``pid`` launched here has ``path`` for its launcher file: written
    if this process stays to wait for it (``note_start``, ``note_end``); ``log`` is its
    run's log, which goes once the run's end is recorded (``launcher.forget_log``)."""
    with _lock:
        _files[pid] = (path, log)
        while len(_files) > KEPT:
            _files.pop(next(iter(_files)))


def note_start(pid: int) -> None:
    """The process ``pid`` was just launched here, as a run's process, and this process
    will wait for it: noted with the machine's OOM kills, a "(out of memory?)" hint's
    base should it be killed, and this process named in its launcher file (if any)."""
    fields = proc_stat(pid)
    start = fields[19] if len(fields) > 19 else ""
    with _lock:
        _starts[pid] = (start, _oom_kills())
        while len(_starts) > KEPT:
            _starts.pop(next(iter(_starts)))
        path = _files.get(pid, (None, None))[0]
    if path is not None:
        from .ownership import Owner  # (it imports this module)
        from .private import open_private

        me = Owner.current()
        try:
            with open(open_private(path, os.O_WRONLY | os.O_TRUNC), "w") as out:
                out.write(f"{me.host} {me.pid} {me.boot or '-'} {me.start or '-'}\n")
        except OSError:  # (a full disk: a note may then say the status went to init)
            pass


def note_end(pid: int) -> bool:
    """Note how this process's child ``pid`` ended, once it has, without waiting for it
    (it stays a zombie, for the caller to wait for next); whether it has ended."""
    try:  # (WNOWAIT: its status stays for the wait that follows)
        ended = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except (AttributeError, ChildProcessError, OSError):  # not ours, or no waitid (macOS)
        return False
    if ended is None:
        return False
    code = -ended.si_status if ended.si_code in _SIGNALLED else ended.si_status
    with _lock:
        start = _starts.get(pid, ("", None))[0]
        _ends[(pid, start)] = code
        while len(_ends) > KEPT:
            _ends.pop(next(iter(_ends)))
        path, log = _files.pop(pid, (None, None))
    if path is not None and log is not None and not log.exists():
        # its end recorded, its log forgotten (maybe before ``note_start`` made the file)
        with contextlib.suppress(OSError):
            path.unlink()
    elif path is not None:  # before the wait: a client that finds it gone reads it there
        try:  # (no O_CREAT: a file its run's recorded end deleted stays deleted)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return True
        with open(fd, "w") as out:
            out.write(f"exit {code}\n")
    return True


#: ``waitid``'s codes for a child a signal ended (``CLD_KILLED``, ``CLD_DUMPED``).
_SIGNALLED = tuple(getattr(os, name) for name in ("CLD_KILLED", "CLD_DUMPED") if hasattr(os, name))


def _zombie_status(pid: int, start: str) -> int | None:
    """How ``pid`` ended, read from ``/proc`` while it is a zombie (its parent has yet to
    wait for it), as ``Popen.returncode`` says it; None for any other process, or one
    another user's (whose status ``/proc`` shows as 0)."""
    fields = proc_stat(pid)
    if len(fields) < 50 or fields[0] != "Z" or (start and fields[19] != start):
        return None
    try:
        if os.stat(f"/proc/{pid}").st_uid not in (os.getuid(), 0):
            return None
        return os.waitstatus_to_exitcode(int(fields[49]))
    except (OSError, ValueError):
        return None


def how_ended(pid: int, start: str) -> str | None:
    """How the process ``pid`` that started at ``start`` (clock ticks since boot, '' if
    unknown) ended, as a note says it beside its pid (``exit code 3``, ``killed by
    SIGKILL: out of memory?``), or None when no one here can tell."""
    with _lock:
        code = _ends.get((pid, start))
        base = _starts.get(pid, ("", None))
    if code is None:
        code = _zombie_status(pid, start)
    if code is None:
        return None
    return said(code, base[1] if base[0] == start else None)


def said(code: int, oom_before: int | None = None) -> str:
    """How a process ended, ``code`` as ``Popen.returncode`` says it, as a note says it;
    with "out of memory?" for a SIGKILL when the machine's OOM kills rose past
    ``oom_before``."""
    if code >= 0:
        return f"exit code {code}"
    try:
        how = signal.Signals(-code).name
    except ValueError:
        how = f"signal {-code}"
    oom = -code == signal.SIGKILL and oom_before is not None and (_oom_kills() or 0) > oom_before
    return f"killed by {how}" + (": out of memory?" if oom else "")
