"""Where the run store a process has open is now, for what it does by path at the end.

A store that moved away with its folder while a run lived (``mv proj proj-old``,
``store_moved``) goes on being written where it is now, but what the process did by the
path it opened the store by came to nothing there: a launched run's log was deleted at
the old place (``launcher.forget_log``), and SQLite deleted ``-wal`` and ``-shm`` by the
name its connections opened the store by, both gone. All three were left at the new
place, where a run in a folder that did not move leaves none. So with a ``.flowtop``
renamed (``mv .flowtop .flowtop-old``): its runs are cancelled, their ends recorded in it
there, and their logs were left in it. A store at its path costs one ``stat`` here, no
more (no ``/proc`` listing, no connection).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from .history_records import HistoryError
from .reaper import connect
from .store_moved import moved, renamed_to

log = logging.getLogger("flowtop.history")


class StorePlace:
    """The store ``path`` this process opened, and where it is now (``moved``)."""

    def __init__(self, path: Path) -> None:
        """Made once the store is open: ``path`` is then the file this process has open."""
        self.path = path
        self.file_id = _file_id(path)

    def moved(self) -> Path | None:
        """Where the store is now when it moved away with its folder, or went with its
        folder renamed (``.flowtop-old``: its logs with it), else None (at its path, or
        deleted, replaced, renamed alone: nothing of it to tidy there). Asked while this
        process has the store open: the kernel names where the open file is now."""
        ours = self.file_id
        if ours is None:
            return None
        now = _file_id(self.path)
        if now == ours:
            return None
        went = moved(self.path, ours, there=now is not None)
        if went is not None:
            return went.where
        where = renamed_to(self.path, ours)
        return where if where is not None and where.name == self.path.name else None

    def workspace_moved(self) -> Path | None:
        """Where the workspace folder is now when the store moved away with it (``mv
        proj proj-old``), else None (not moved, or ``.flowtop`` renamed alone)."""
        where = self.moved()
        if where is None or where.parent.name != self.path.parent.name:
            return None
        return where.parent.parent

    def folder(self) -> Path:
        """The store's folder now (``.flowtop``): where it moved, else the one it was in."""
        return (self.moved() or self.path).parent


def _file_id(path: Path) -> tuple[int, int] | None:
    """The file at ``path`` as (device, inode); None when none is there (or no telling)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def let_go_there(where: Path | None) -> None:
    """The last close of the store, by the path ``where`` it moved to (``StorePlace.moved``,
    asked before this process's connections closed): a read there and a close, after
    which SQLite, this being the last connection to it, folds ``-wal`` in and deletes it
    and ``-shm`` by this name (another process still reading it keeps them, as anywhere).
    Nothing when the store did not move."""
    if where is None:
        return
    try:
        with closing(connect(where, create=False)) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except (sqlite3.Error, HistoryError, OSError) as exc:  # (gone again, locked: left as was)
        log.debug("%s: the moved store's -wal and -shm are left: %s", where, exc)
