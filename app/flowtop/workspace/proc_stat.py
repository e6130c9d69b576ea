"""A process's ``/proc/PID/stat``, as the owner checks and the note of a dead run read it,
and the files it holds open (``/proc/PID/fd``): whether it writes a given store."""

from __future__ import annotations

import os


def proc_stat(pid: int) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the command name (its state first, field 3);
    [] when unknown (no such process, no ``/proc``)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return []
    # The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat[stat.rfind(")") + 2 :].split()


def open_files(pid: int) -> dict[tuple[int, int], str] | None:
    """The files ``pid`` holds open, as (device, inode) -> the path ``/proc/PID/fd`` names
    it by (a file moved since names its new path); None when that cannot be read (another
    user's process, no ``/proc``)."""
    folder = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(folder)
    except OSError:
        return None
    files: dict[tuple[int, int], str] = {}
    for fd in fds:
        try:
            target = os.readlink(f"{folder}/{fd}")
            found = os.stat(f"{folder}/{fd}")  # (the file itself, wherever it is now)
        except OSError:
            continue  # closed meanwhile
        files[(found.st_dev, found.st_ino)] = target
    return files
