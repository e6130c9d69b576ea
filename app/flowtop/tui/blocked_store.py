"""A run store the monitor could not open, looked at until what stands at its path changes.

A monitor opened on a store it could not read (not a database, a newer flowtop's, a
link, a file where ``.flowtop`` goes) said "Cannot run flows" until it was restarted:
the file moved away, as its words advise, or a good store put in its place, was never
seen. The store's path and its folder are looked at once a second (an ``lstat`` each,
as the store client looks at a store it follows, ``StoreClient._look_at_store``), and
what stands there changed has the app try to open the store again
(``FlowtopApp._look_at_blocked_store``): gone, a new one is made there, as on a start.
"""

from __future__ import annotations

import os
from pathlib import Path

from flowtop.workspace.load_error import display_path

#: How often a store that could not be opened is looked at (seconds).
STORE_LOOK = 1.0

#: What stands at one path: its kind, file, size and times, or what kept it from view.
Stands = tuple[int, int, int, int, int, int] | str


def standing(db: Path) -> tuple[Stands, Stands]:
    """What stands at the store's folder (``.flowtop``) and at the store ``db``: a file
    moved away, replaced, or written in place (``cp good.db history.db``) changes it,
    as does a folder made, removed or opened up (``chmod``)."""
    return _stands(db.parent), _stands(db)


def _stands(path: Path) -> Stands:
    try:
        found = os.lstat(path)
    except OSError as exc:
        return type(exc).__name__
    return (
        found.st_mode,
        found.st_dev,
        found.st_ino,
        found.st_size,
        found.st_mtime_ns,
        found.st_ctime_ns,
    )


class BlockedStore:
    """The store ``db`` that could not be opened, as it stood after the last try (what
    that try left, such as a ``-shm``, is no change to try again for)."""

    def __init__(self, db: Path, known: Stands | None = None) -> None:
        self.db = db
        self.stood = standing(db)
        #: The store file as last seen whole (its folder closed, ``chmod 000``, hides it):
        #: the toast says "another file" only when it sees one, not a folder opened again.
        self.known = self.stood[1] if isinstance(self.stood[1], tuple) else known

    def changed(self) -> bool:
        """Whether what stands at the store's path is not what stood after the last try."""
        return standing(self.db) != self.stood

    def recovered(self) -> str:
        """What a toast says once the store opened after all: another file at its path
        (the one that could not be read moved away, and a new one made there, or a good
        one moved in: which, a look cannot tell, as anything reading the store may make
        it anew meanwhile), else the same file, written in place."""
        shown = display_path(self.db)
        before, now = self.known, _stands(self.db)
        if isinstance(before, tuple) and isinstance(now, tuple) and before[1:3] != now[1:3]:
            return (
                f"Flows can run again: the run store at {shown} is another file now "
                "(the one that could not be read is no longer there)"
            )
        return f"Flows can run again: the run store {shown} can be read now"
