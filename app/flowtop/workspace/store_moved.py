"""A run store that moved away with its folder (``mv proj proj-old``): not deleted.

A process that has the store open (a run's, writing it; a monitor's, reading it) finds a
file other than its own at the store's path, or none, when the store was deleted, when
another file was put in its place, or when the folder it is in was renamed or moved. In
the last case nothing is lost: the open file is still linked (``st_nlink`` > 0), its runs
go on recording in it, and ``flowtop history NEWPATH`` reads them. Only a store no longer
linked (deleted) or one another store took the place of (a backup moved in, ours left
under another name) puts a live run out of every flowtop's reach.

The file a process has open is found through ``/proc/self/fd`` (Linux), by its device
and inode, without opening it again: closing a second descriptor on an SQLite file drops
the POSIX locks the process's connections hold on it. Where that cannot be told (no
``/proc``), a store not at its path counts as deleted, as it always did.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..printable import printable_name
from .load_error import display_path
from .places import STATE_DIR
from .run_log import LogEvent, LogTail

#: Where the kernel lists the files this process has open, one link per descriptor.
OPEN_FILES = Path("/proc/self/fd")
#: What the kernel adds to the name of an open file no longer linked.
_UNLINKED = " (deleted)"


@dataclass(frozen=True, slots=True)
class Moved:
    """The store this process has open is still linked, at ``where`` now (None: not
    told), not at the path it was opened by: its folder (or one above) moved."""

    where: Path | None

    def workspace(self) -> Path | None:
        """The workspace folder the store is in now: the folder of its ``.flowtop``; None
        when not known, or when the store is no ``.flowtop``'s now (``.flowtop`` itself
        renamed: no monitor opens on it)."""
        if self.where is None or self.where.parent.name != STATE_DIR:
            return None
        return self.where.parent.parent

    def to(self) -> str:
        """`` to FOLDER`` (or `` to FILE``, a store no ``.flowtop`` holds now) when its new
        place is known, else nothing: the whole path (the current folder may be the one
        that moved, which a relative path names ``.``)."""
        where = self.workspace() or self.where
        return "" if where is None else f" to {printable_name(str(where))}"


def open_file(file_id: tuple[int, int]) -> tuple[int, Path | None] | None:
    """The file ``file_id`` (device, inode) as this process has it open: how many names
    it has (``st_nlink``: 0 once deleted) and the path it is at now, when the kernel names
    one; None when this process has no descriptor on it or cannot tell (no ``/proc``)."""
    try:
        names = os.listdir(OPEN_FILES)
    except OSError:
        return None
    for name in names:
        fd = OPEN_FILES / name
        try:
            found = os.stat(fd)  # (the open file itself, deleted or moved)
        except OSError:  # closed meanwhile (the listing's own descriptor)
            continue
        if (found.st_dev, found.st_ino) != file_id:
            continue
        try:
            target = os.readlink(fd)
        except OSError:
            target = ""
        named = target.startswith("/") and not target.endswith(_UNLINKED)
        return found.st_nlink, Path(target) if named and found.st_nlink else None
    return None


def moved(path: Path, ours: tuple[int, int], *, there: bool) -> Moved | None:
    """Whether the store ``path``, which was the file ``ours`` when this process opened
    it and is not now, moved away with its folder (``Moved``), rather than being deleted
    or replaced (None, as when this process has the file open no more, or cannot tell).
    ``there``: another file is at ``path`` now. Ours still linked under its own name,
    with nothing at its path, moved (its folder, or ``.flowtop`` itself, renamed); with
    another file there, it moved only if it is found in a ``.flowtop`` folder of its own
    elsewhere (the workspace moved, and a new run made a store where it was). One left
    under another name (``history-old.db``, a backup then moved in over its name) is no
    store any flowtop reads: deleted or replaced, whichever moment it is looked at (read
    between the rename and the backup's move, it was taken for moved, and its runs went
    on where no monitor looks)."""
    found = open_file(ours)
    if found is None or found[0] == 0:
        return None
    where = found[1]
    if where == path:  # (back at its path: not moved, and not ours at it either)
        return None
    if where is None:  # linked, but the kernel names it nowhere: moved, where unknown
        return None if there else Moved(None)
    if where.name != path.name or (there and where.parent.name != path.parent.name):
        return None
    return Moved(where)


def moved_said(path: Path, went: Moved) -> str:
    """How a store that moved went, in a line's middle (``… moved to FOLDER``)."""
    return f"{display_path(path)} moved away with its folder{went.to()}"


def moved_toast(path: Path, went: Moved, *, new_store: bool) -> str:
    """A monitor's words for its store moved away (``StoreGone``): its runs went with
    it, to where they go on, not into nothing; ``new_store``: one is at its path now."""
    there = (
        f"open the monitor in {printable_name(str(folder))}"
        if (folder := went.workspace()) is not None
        else "open the monitor where it is now"
    )
    shown = (
        "the runs of the new one here are shown"
        if new_store
        else "the next run here makes a new one"
    )
    return (
        f"The run store {moved_said(path, went)}, and the runs it recorded with it: they go "
        f"on there ({there} to follow them); {shown}"
    )


def moved_why(path: Path, went: Moved) -> str:
    """Why a run a monitor showed live ended there: its store moved away, and it runs on."""
    return (
        f"its run store {moved_said(path, went)} while it ran: it goes on there, and is "
        "followed and cancelled from a monitor opened there"
    )


def store_went(path: Path, went: Moved | None, *, new_store: bool) -> tuple[str, str, str]:
    """What a monitor says of the store ``path`` it followed, gone from there: deleted
    (or replaced: ``new_store``, another at its path now) or moved away (``went``). Three
    ways: how it went (``… was deleted``), the toast (``StoreGone``), and why the runs it
    showed live ended there (``RunInterrupted``)."""
    if went is not None:
        return (
            moved_said(path, went),
            moved_toast(path, went, new_store=new_store),
            moved_why(path, went),
        )
    shown = display_path(path)
    gone = f"{shown} was {'replaced' if new_store else 'deleted'}"
    after = "the runs of the new one are shown" if new_store else "the next run makes a new one"
    why = (
        f"its run store {shown} was deleted or replaced while it ran, so "
        "it can no longer be followed or cancelled from here (its process cancels it)"
    )
    return gone, f"The run store {gone}, and the runs it recorded with it: {after}", why


class ParkedTail(LogTail):
    """A monitor's tail once its store moved away: it reads nothing, neither the store
    that moved (its runs go on there, followed by a monitor opened there; here they were
    shown again after they were said ended) nor the path, until the look at the store
    finds one there again and reads it anew (``StoreClient._look_at_store``): a tail
    reading a new store from its first id handed its runs twice."""

    def read(
        self, limit: int = 64, run_id: str | None = None, upto: int | None = None
    ) -> list[LogEvent]:
        return []
