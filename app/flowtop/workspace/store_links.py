"""Links where flowtop opens an SQLite file of a ``.flowtop`` (the run store,
``limits.db``): found before anything opens it, to read or to write.

In a workspace shared with a group, any member may put a link at ``.flowtop`` itself or
at a file in it (README "Where the data lives, and what is safe to share"); SQLite
follows one at the store's name, writing as you into the file it points at and making
its ``-wal`` and ``-shm`` beside that file. A hard link is no better: a second name of a
file elsewhere (yours, that the member may read and write, or a store of another
workspace: ``cp -al``), which a write under either name changes. No flowtop file has two
names, so one that has is refused as a symbolic link is. This module sits below both the writers'
guard (``private``, whose ``FolderError`` is a ``HistoryError``, whose module imports
``run_log``) and the readers' connection (``run_log.connect_reader``): each asks it,
with no import cycle between them.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

from .load_error import display_path
from .places import STATE_DIR

#: The files of a store, by the name SQLite gives them: the store, and the write-ahead
#: log, its index and the rollback journal SQLite keeps beside it.
STORE_FILES = ("", "-wal", "-shm", "-journal")


def linked_store_part(path: Path) -> Path | None:
    """The first link among what opening the store ``path`` goes through: the
    ``.flowtop`` folder it is in when a symbolic link (to another user's folder, or to
    nothing: SQLite made the store there), the store itself or a file SQLite keeps beside
    it when a symbolic link or a hard link (``hard_links``). None when there is none. A
    folder this user may not look in raises (``Path.is_symlink``), as the open would fail
    there too."""
    if path.parent.name == STATE_DIR and path.parent.is_symlink():
        return path.parent
    for suffix in STORE_FILES:
        name = path.with_name(f"{path.name}{suffix}")
        if name.is_symlink() or hard_links(name) > 1:
            return name
    return None


def hard_links(path: Path) -> int:
    """How many names the regular file ``path`` has (``st_nlink``): 1 for a file of its
    own, more for one that is also a file elsewhere; 0 when it is missing or no regular
    file (a symbolic link: ``linked_store_part`` says those)."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return 0
    return found.st_nlink if stat.S_ISREG(found.st_mode) else 0


def planted_link_said(path: Path, link: Path, doing: str = "write") -> str:
    """One line: flowtop will not ``doing`` ``path`` because ``link`` (``path`` itself, or
    a file or folder on the way) is a symbolic link, or a hard link (a file with other
    names: ``hard_links``), who may have put it there, and how to get rid of it."""
    shown = display_path(link)
    shared = "workspace" if link.name == STATE_DIR else STATE_DIR
    names = 0 if link.is_symlink() else hard_links(link)
    if names > 1:
        own = display_path(link.with_name(f"{link.name}.own"))  # a copy, renamed over it
        keep = f", or to keep a copy: cp {shown} {own} && mv {own} {shown}" if link == path else ""
        return (
            f"cannot {doing} {display_path(path)}: {shown} is a hard link (one file with "
            f"{names} names), which flowtop never writes through (in a shared {shared} another "
            f"user may have made it): rm {shown}{keep}"
        )
    return (
        f"cannot {doing} {display_path(path)}: {shown} is a symbolic link, which flowtop "
        f"never writes through (in a shared {shared} another user may have made it): rm {shown}"
    )


class LinkedStore(sqlite3.OperationalError):
    """A store a reader will not open: a link is on the way (``linked_store_part``; a
    reader writes too, in the ``-shm`` SQLite shares between readers). An
    ``sqlite3.OperationalError``, as SQLite's own refusal of a link at ``-wal`` is:
    every reader already handles the store that cannot be opened."""


def refuse_linked_reader(path: Path) -> None:
    """A ``LinkedStore`` saying which link, when opening ``path`` would go through one."""
    link = linked_store_part(path)
    if link is not None:
        raise LinkedStore(planted_link_said(path, link, doing="open"))


def read_only_uri(path: Path, options: str = "mode=ro") -> str:
    """The URI SQLite opens the store ``path`` by, read-only: its folder made absolute,
    not its own name, which resolving would follow a link put there after the caller
    looked for one."""
    return f"{(path.parent.resolve() / path.name).as_uri()}?{options}"


def open_unswapped(
    path: Path,
    connect: Callable[[], sqlite3.Connection],
    refusal: Callable[[str], Exception],
) -> sqlite3.Connection:
    """``connect()``'s connection to the store ``path``, checked (``refusal``, a line, when
    not) to be on the file that was at ``path`` before it was made. The caller refused a
    link found there before; one a member of a shared ``.flowtop`` put at its name after
    that check, as SQLite opened it, is found here: the file SQLite opened (``PRAGMA
    database_list``, which names it with every link resolved and reads no page, so makes
    no ``-shm`` beside it) is not the one that was there. The connection is closed unused,
    before a read made SQLite's ``-wal`` and ``-shm`` beside the file the link points at."""
    try:
        before: os.stat_result | None = os.lstat(path)
    except OSError:  # missing (SQLite makes it), or out of reach (SQLite says why)
        before = None
    conn = connect()
    try:
        opened = opened_file(conn)
        try:
            swapped = before is not None and not os.path.samestat(before, os.stat(opened))
        except OSError:  # what SQLite opened is gone already: not the store named
            swapped = True
        if swapped or os.path.islink(path):
            raise refusal(
                f"cannot open {display_path(path)}: another file or a symbolic link took its "
                "place as it opened (in a shared .flowtop another user may have put it "
                f"there); check {display_path(path)} and try again"
            )
    except BaseException:
        conn.close()
        raise
    return conn


def opened_file(conn: sqlite3.Connection) -> bytes:
    """The file SQLite opened as ``conn``'s main database (``PRAGMA database_list``, which
    reads no page), as the bytes the file system names it by; ``b""`` for one in memory.
    Never decoded: as text it failed for a folder whose name is not UTF-8 (``lat\\xe9
    dir``: "Could not decode to UTF-8 column 'file'"), and ``os.stat`` of it, decoded,
    failed where the file system encoding is ASCII (``LC_ALL=C PYTHONUTF8=0``) for one
    that is not ASCII. For a connection just made, that no other thread uses yet: its
    ``text_factory`` is ``bytes`` while it reads (a ``CAST`` would need a ``SELECT``,
    which reads the schema)."""
    factory = conn.text_factory
    conn.text_factory = bytes
    try:
        rows = conn.execute("PRAGMA database_list").fetchall()
    finally:
        conn.text_factory = factory
    return next((bytes(file or b"") for _, name, file in rows if name == b"main"), b"")
