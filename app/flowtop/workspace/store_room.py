"""Whether the run store's disk has room, as a monitor asks when a due retry has not started.

A run's process that cannot write the store (its disk full) goes on running its tasks,
keeping their events in memory (``History``): a monitor reading the store sees nothing
more of it, and a retry due meanwhile read ``⟳ Overdue``, waiting for "its run's
process, which has reported nothing since the retry was due (stopped or busy)". Its heartbeat
cannot be written either, so the store holds no word of the cause: the monitor looks at
the store's file system itself (``os.statvfs``, no write), at most once a ``LOOK_EVERY``.
"""

from __future__ import annotations

import os
from pathlib import Path

from .store_errors import ROOM

#: The most often a ``StoreRoom`` asks the file system (seconds of the caller's clock).
LOOK_EVERY = 1.0


def free_bytes(folder: Path) -> int | None:
    """The bytes an unprivileged writer may still use on the file system of ``folder``
    (None: it cannot be asked, such as a folder not made yet, or tells no size, as some
    FUSE file systems: none of their room is known to be used up)."""
    try:
        stats = os.statvfs(folder)
    except OSError:
        return None
    return stats.f_bavail * stats.f_frsize if stats.f_blocks else None


class StoreRoom:
    """The store folder ``folder``'s file system, looked at no more than once a
    ``LOOK_EVERY`` (at the times ``full`` is given): a screen asks on every redraw."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._looked: float | None = None
        self._said = ""

    def full(self, now: float) -> str:
        """``the disk of /w/.flowtop is full (12,288 bytes free)`` when the store there
        cannot be written for want of room (``store_errors.ROOM``), else ""."""
        if self._looked is None or not 0 <= now - self._looked < LOOK_EVERY:
            self._looked = now
            free = free_bytes(self.folder)
            self._said = (
                f"the disk of {self.folder} is full ({free:,} bytes free)"
                if free is not None and free < ROOM
                else ""
            )
        return self._said
