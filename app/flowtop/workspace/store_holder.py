"""Who holds the run store's write lock, when a process stopped holding it is why.

A `flowtop run` stopped with Ctrl+Z (or ``kill -STOP``) in the middle of a write keeps
the lock: every other flowtop process waits its 5 s for it and is refused, told "another
flowtop process holds it; try again in a moment", which never comes true. The kernel's
list of file locks (``/proc/locks``) names the process that holds SQLite's write lock,
and its ``/proc/PID/stat`` whether it is stopped: that is said, with the ``kill -CONT``
that lets it go on.
"""

from __future__ import annotations

import os
from pathlib import Path

from .proc_stat import proc_stat

#: The byte of the store's ``-shm`` file that SQLite locks to write in WAL mode
#: (``WAL_WRITE_LOCK``: the first of its locks, which start at byte 120).
WRITE_LOCK_BYTE = 120

LOCKS = Path("/proc/locks")


def write_lock_holder(store: Path, locks: Path = LOCKS) -> int | None:
    """The pid of the process holding the write lock of the store ``store``; None when
    none does, or it cannot be known (no ``/proc``, no ``-shm`` file, an open-file lock,
    which names no process)."""
    try:
        shm = os.stat(f"{store}-shm")
        listed = locks.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # ``1: POSIX  ADVISORY  WRITE 4242 fe:00:2340258 120 120``; a waiter's line has ``->``
    file = f"{os.major(shm.st_dev):02x}:{os.minor(shm.st_dev):02x}:{shm.st_ino}"
    for line in listed.splitlines():
        fields = line.split()
        if len(fields) < 8 or fields[1:4] != ["POSIX", "ADVISORY", "WRITE"]:
            continue
        if fields[5] == file and int(fields[6]) <= WRITE_LOCK_BYTE <= _end(fields[7]):
            pid = int(fields[4])
            return pid if pid > 0 else None
    return None


def _end(field: str) -> int:
    """The last byte a lock covers: ``EOF`` for one to the end of the file."""
    return 2**63 if field == "EOF" else int(field)


def stopped_holder(store: Path) -> str | None:
    """Why the store ``store`` stays locked when the process holding it is stopped (state
    ``T``: Ctrl+Z, ``kill -STOP``; ``t``: a debugger), said with its pid; None otherwise
    (one that runs lets go in a moment)."""
    pid = write_lock_holder(store)
    if pid is None or pid == os.getpid():
        return None
    state = proc_stat(pid)[:1]
    if state == ["T"]:
        return f"process {pid} holds it and is stopped (paused: kill -CONT {pid} resumes it)"
    if state == ["t"]:
        return f"process {pid} holds it and is stopped (held by a debugger or tracer)"
    return None
