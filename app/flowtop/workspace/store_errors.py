"""What to do about an error of the run store, said after it.

"Move it away and flowtop starts a new one" is right for a file that is not a store, and
wrong for a full disk or a lock held a moment too long: following it there loses the
history (most of it still in the write-ahead log). Each cause gets its own advice.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import NamedTuple

from .access import blocked
from .store_holder import stopped_holder
from .store_links import LinkedStore, open_unswapped, read_only_uri, refuse_linked_reader
from .store_schema import SCHEMA_VERSION

#: What went wrong, as SQLite's words say it (``cause``): each gets its own advice and note.
LOCKED, FULL, READ_ONLY = "locked", "full", "read-only"


def cause(error: object) -> str | None:
    """``LOCKED`` (another process holds the store), ``FULL`` (its disk), ``READ_ONLY``, or
    None, from an SQLite error or its text: the one reading of those words for the advice
    after an error, a reader's "(not marked: …)" and a closing store's note."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return LOCKED
    if "full" in text:
        return FULL
    return READ_ONLY if "readonly" in text else None


#: Less free space than this (bytes) is a full disk to the store: SQLite's shared-memory
#: file alone takes 32 KiB.
ROOM = 64 * 1024


def out_of_space(folder: Path) -> bool:
    """Whether the file system of ``folder`` is (all but) full."""
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < ROOM


def store_writable(path: Path) -> bool:
    """Whether SQLite can write ``path``: the file and its folder (for its -wal and -shm)."""
    return all(os.access(p, os.W_OK) for p in (path, path.parent) if p.exists())


def unreadable(exc: sqlite3.Error, path: Path) -> str:
    """A store that could not be read, said with its path and what to do: one wording for
    ``flowtop history``, the commands that find a run, and the TUI."""
    return f"{path}: cannot read the run store ({exc}); {store_advice(exc, path, writing=False)}"


class Writing(NamedTuple):
    """What writes the store, as said when it cannot (``a run``), and what only reads it."""

    who: str
    readers: str


A_RUN = Writing("a run", "flowtop history and watch only read it")
PRUNING = Writing("pruning", "flowtop history without --prune only reads it")


def no_write_access(path: Path, writer: Writing = A_RUN) -> str | None:
    """Why ``writer`` (``A_RUN``, ``PRUNING``) cannot write the store at ``path``: what
    needs write access where, and whose file or which mount is in the way; None when the
    store is writable. A prune was told "a run needs write access", which it is not."""
    if store_writable(path):
        return None
    who, readers = writer
    whose = blocked(path, write=True) or blocked(path.parent, write=True)
    return f"{who} needs write access to {path.parent} and its files ({readers})" + (
        f": {whose}" if whose else ""
    )


def store_advice(exc: sqlite3.Error, path: Path, *, writing: bool, writer: Writing = A_RUN) -> str:
    """The advice for ``exc`` on the store at ``path`` (``writing``: by ``writer``)."""
    text, why = str(exc), cause(exc)
    if why is None and "disk I/O error" in text and out_of_space(path.parent):
        why = FULL  # SQLite's word when it cannot create the -shm beside a closed store
    if why == LOCKED:
        return stopped_holder(path) or "another flowtop process holds it; try again in a moment"
    if why == FULL:
        said = f"the disk of {path.parent} is full: free some space (the runs recorded so far are kept)"
        return said + kept_logs(path.parent)
    refused = no_write_access(path, writer) if writing else None
    if refused is not None:
        return refused
    unreadable = blocked(path)  # another user's file, or folder, closed to this one
    if unreadable is not None:
        return unreadable
    older = _older_version(path) if "no such" in text else None
    if older is not None:  # not damaged: a store an older flowtop wrote, not migrated yet
        return (
            f"an older flowtop wrote it (schema version {older}) and it could not be upgraded "
            f"here: any flowtop command with write access to {path.parent} upgrades it"
        )
    if "not a database" in text or "malformed" in text or "no such table" in text:
        return "if it is not a flowtop store, or a damaged one, move it away and flowtop starts a new one"
    return f"the file system could not read or write it; check {path.parent}"


def kept_logs(state_dir: Path) -> str:
    """``; …/logs holds 1.4 MB of kept run logs …`` when the launched runs' logs in
    ``state_dir`` hold more than ``ROOM``, else "". A run's log goes once its end is
    recorded: one kept after a full disk kept the disk full, and the advice said only
    "free some space"."""
    from ..formats import size_text
    from .launcher import LOGS

    logs = state_dir / LOGS
    total = 0
    try:
        for entry in os.scandir(logs):
            if entry.name.endswith(".log"):
                with contextlib.suppress(OSError):
                    total += entry.stat(follow_symlinks=False).st_size
    except OSError:
        return ""
    if total <= ROOM:
        return ""
    return f"; {logs} holds {size_text(total)} of kept run logs: those of runs that ended may go"


def _older_version(path: Path) -> int | None:
    """The schema version of the store at ``path`` when an older flowtop wrote it, else None
    (also behind a link: ``refuse_linked_reader``, whose refusal the caller says)."""
    try:
        refuse_linked_reader(path)  # a reader writes the -shm: never one planted elsewhere
        conn = open_unswapped(
            path, lambda: sqlite3.connect(read_only_uri(path), uri=True), LinkedStore
        )
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except (sqlite3.Error, OSError):
        return None
    return version if 0 < version < SCHEMA_VERSION else None


def store_file(conn: sqlite3.Connection) -> Path | None:
    """The file of ``conn``'s main database, None for one in memory. Read as bytes, as
    the file system names it: a folder's name need not be UTF-8 text, which SQLite's
    ``file`` column of ``PRAGMA database_list`` could not be decoded as ("Could not
    decode to UTF-8 column 'file'")."""
    row = conn.execute(
        "SELECT CAST(file AS BLOB) FROM pragma_database_list WHERE name = 'main'"
    ).fetchone()
    return Path(os.fsdecode(row[0])) if row is not None and row[0] else None
