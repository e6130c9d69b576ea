"""A run store that moved away with its folder (``mv proj proj-old``): not deleted.

A process that has the store open (a run's, writing it; a monitor's, reading it) finds a
file other than its own at the store's path, or none, when the store was deleted, when
another file was put in its place, or when the folder it is in was renamed or moved. In
the last case nothing is lost: the open file is still linked (``st_nlink`` > 0), its runs
go on recording in it, and ``flowtop history NEWPATH`` reads them. Only a store no longer
linked (deleted), one another store took the place of (a backup moved in, ours left
under another name), or one renamed (``mv .flowtop .flowtop-old``, or ``history.db`` itself:
no flowtop opens it there at its workspace) puts a live run out of every flowtop's reach;
a renamed one is said so (``renamed_to``), not "deleted".

The file a process has open is found through ``/proc/self/fd`` (Linux), by its device
and inode, without opening it again: closing a second descriptor on an SQLite file drops
the POSIX locks the process's connections hold on it. Where that cannot be told (no
``/proc``), a store not at its path counts as deleted, as it always did.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..printable import printable_name
from .load_error import display_path
from .places import STATE_DIR, STORE_FILE
from .run_log import LogEvent, LogTail

#: Where the kernel lists the files this process has open, one link per descriptor.
OPEN_FILES = Path("/proc/self/fd")
#: Where the kernel lists every process, each one's open files in its ``fd`` folder.
PROCS = Path("/proc")
#: What the kernel adds to the name of an open file no longer linked.
_UNLINKED = " (deleted)"


@dataclass(frozen=True, slots=True)
class Moved:
    """The store this process has open is still linked, at ``where`` now (None: not
    told), not at the path it was opened by: its folder (or one above) moved."""

    where: Path | None

    def workspace(self) -> Path | None:
        """The workspace folder the store is in now: the folder of its ``.flowtop``; None
        when not known, or when the store is no ``.flowtop``'s (one opened by path)."""
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
    ``there``: another file is at ``path`` now. Ours still linked under its own name, in
    a folder of its folder's name (``.flowtop``), moved: a folder above it was renamed or
    moved (with another file at its path, a new run made a store where it was). One left
    under another name (``history-old.db``, a backup then moved in over its name), or in
    a folder renamed (``.flowtop-old``), is no store any flowtop reads at its workspace:
    renamed (``renamed_to``), as deleted, whichever moment it is looked at (read between
    the rename and the backup's move, it was taken for moved, and its runs went on where
    no monitor looks; ``.flowtop`` renamed was taken for moved for good)."""
    found = open_file(ours)
    if found is None or found[0] == 0:
        return None
    where = found[1]
    if where == path:  # (back at its path: not moved, and not ours at it either)
        return None
    if where is None:  # linked, but the kernel names it nowhere: moved, where unknown
        return None if there else Moved(None)
    if where.name != path.name or where.parent.name != path.parent.name:
        return None  # renamed (``renamed_to``): no flowtop opens it by that name
    return Moved(where)


def renamed_to(path: Path, ours: tuple[int, int] | None = None) -> Path | None:
    """Where the store ``path`` is now when it was renamed rather than moved: this
    process's open file ``ours`` still linked, under another name (``history-old.db``) or
    in a folder of another name (``mv .flowtop .flowtop-old``). No flowtop opens it there
    at its workspace: it counts as deleted (its runs are cancelled, saying so), but is
    said as what happened. Without ``ours`` (a monitor's words, ``store_went``), a store of
    this process in a sibling folder of ``.flowtop`` under the store's own name; None
    when none is known."""
    if ours is not None:
        found = open_file(ours)
        where = None if found is None else found[1]
        return None if where is None or where == path else where
    for where in _open_paths():
        beside = where.parent != path.parent and where.parent.parent == path.parent.parent
        if where.name == path.name and beside:
            return where
    return None


def renamed_said(path: Path, where: Path) -> str:
    """How the store ``path`` was renamed to ``where``: its folder (``… .flowtop was
    renamed to .flowtop-old``), or itself; the new name alone when it stayed beside."""
    old, new = (path.parent, where.parent) if where.name == path.name else (path, where)
    shown = new.name if new.parent == old.parent else printable_name(str(new))
    return f"{display_path(old)} was renamed to {shown}"


def _open_paths() -> list[Path]:
    """The paths of the files this process has open, still linked (``/proc/self/fd``)."""
    try:
        names = os.listdir(OPEN_FILES)
    except OSError:
        return []
    paths = []
    for name in names:
        with contextlib.suppress(OSError):  # closed meanwhile
            target = os.readlink(OPEN_FILES / name)
            if target.startswith("/") and not target.endswith(_UNLINKED):
                paths.append(Path(target))
    return paths


def moved_to(folder: Path) -> Path | None:
    """Where the workspace ``folder``, with no run store there now (none, or no folder),
    moved to with its store, as this user's live flowtop processes tell (another process
    than the one that has the store open: ``flowtop cancel OLDPATH``): one that names a
    path in ``folder`` (on its command line, absolute, as a launched run's flow file; or
    the folder it was started in, ``PWD``), where a ``.flowtop/history.db`` it has open
    elsewhere has the same path below its workspace. None when none tells (no run live,
    no ``/proc``), or when they tell more than one place."""
    old = Path(os.path.abspath(folder))
    places: set[Path] = set()
    try:
        pids = [name for name in os.listdir(PROCS) if name.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            named, stores = _process_paths(PROCS / pid)
        except OSError:  # ended meanwhile, or not this user's to read
            continue
        for place in named:
            if place != old and old not in place.parents:
                continue
            below = place.relative_to(old)
            places.update(ws for ws in stores if ws != old and os.path.lexists(ws / below))
    return places.pop() if len(places) == 1 else None


def _process_paths(proc: Path) -> tuple[list[Path], set[Path]]:
    """The paths a flowtop process names (``moved_to``), and the workspace folders of
    the stores it has open (none for a process not flowtop's, or not this user's)."""
    if os.stat(proc).st_uid != os.getuid():
        return [], set()
    args = [os.fsdecode(arg) for arg in (proc / "cmdline").read_bytes().split(b"\0") if arg]
    if not any("flowtop" in arg for arg in args):
        return [], set()
    stores: set[Path] = set()
    for fd in os.listdir(proc / "fd"):
        with contextlib.suppress(OSError):  # closed meanwhile
            target = os.readlink(proc / "fd" / fd)
            found = Path(target)
            linked = target.startswith("/") and not target.endswith(_UNLINKED)
            if linked and found.name == STORE_FILE and found.parent.name == STATE_DIR:
                stores.add(found.parent.parent)
    if not stores:
        return [], stores
    named = [Path(os.path.normpath(arg)) for arg in args if arg.startswith("/")]
    named.extend(
        Path(os.path.normpath(os.fsdecode(line[4:])))
        for line in (proc / "environ").read_bytes().split(b"\0")
        if line.startswith(b"PWD=/")
    )
    return named, stores


def moved_said(path: Path, went: Moved) -> str:
    """How a store that moved went, in a line's middle (``… moved to FOLDER``)."""
    return f"{display_path(path)} moved away with its folder{went.to()}"


def moved_toast(path: Path, went: Moved, *, new_store: bool) -> str:
    """A monitor's words for its store moved away (``StoreGone``): its runs went with
    it, to where they go on, not into nothing; ``new_store``: one is at its path now.
    With the workspace folder gone from its place (moved), no run starts here: flowtop
    makes no folder again (its `r` says the folder is gone); one made again there (a
    new checkout) has its next run make a new store."""
    there = (
        f"open the monitor in {printable_name(str(folder))}"
        if (folder := went.workspace()) is not None
        else "open the monitor where it is now"
    )
    workspace = path.parent.parent
    if new_store:
        shown = "the runs of the new one here are shown"
    elif path.parent.name == STATE_DIR and not os.path.isdir(workspace):
        shown = f"{display_path(workspace)} is gone: runs start there, not here"
    else:
        shown = "the next run here makes a new one"
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
    showed live ended there (``RunInterrupted``). A store renamed (``.flowtop`` to
    ``.flowtop-old``) goes as one deleted, said as renamed where this process tells."""
    if went is not None:
        return (
            moved_said(path, went),
            moved_toast(path, went, new_store=new_store),
            moved_why(path, went),
        )
    shown = display_path(path)
    gone = f"{shown} was {'replaced' if new_store else 'deleted'}"
    after = "the runs of the new one are shown" if new_store else "the next run makes a new one"
    how = f"{shown} was deleted or replaced"
    where = renamed_to(path)
    if where is not None:  # (and maybe another made in its place since)
        gone = how = renamed_said(path, where)
    why = (
        f"its run store {how} while it ran, so "
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
