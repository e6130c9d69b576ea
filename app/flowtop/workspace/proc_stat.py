"""A process's ``/proc/PID/stat``, as the owner checks and the note of a dead run read it."""

from __future__ import annotations


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
