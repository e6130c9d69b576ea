"""``.flowtop/`` holds captured output and tracebacks, which may hold secrets: keep it private,
unless its owner shares it.

A new ``.flowtop`` is made 0700 whatever the umask, keeping the setgid bit it inherits
from a group's workspace folder (``chmod 2775``), so what is made in it keeps that group.
Every file or folder flowtop makes in it (or in a folder it made there: ``cache/``,
``logs/``) takes the permissions and the group of the folder it is made in, whatever the
umask: 0600 files and 0700 folders in a private one, 0660 and 2770 in one its owner
shares with a group (``chmod 2770 .flowtop``). So sharing ``.flowtop`` shares what any
user makes in it afterwards: a file one member made is not closed to the others. Files
that exist keep their mode: a user who chose to share them is not overruled. A copy made
for one user (``write_private``: ``y``'s error report) is theirs alone, 0600 everywhere.
Nothing here writes through a symbolic link: in a shared ``.flowtop`` any member of the
group may put one at a name flowtop writes to (``_planted_link``), at its own folders
(``cache/``, ``logs/``: ``private_folder``), at the run store or ``limits.db``, which
SQLite would open through it (``open_store``, ``refuse_linked_store``); in a shared
workspace, at ``.flowtop`` itself.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

from .access import blocked, explain, group_name
from .history_records import HistoryError
from .load_error import display_path
from .places import STATE_DIR
from .store_links import linked_store_part, open_unswapped, planted_link_said
from .store_trust import folder_refusal

log = logging.getLogger("flowtop.store")

FOLDER_MODE = 0o700
FILE_MODE = 0o600
#: Opened as the file named, never as what a symbolic link there points at.
_NO_LINK = os.O_NOFOLLOW | os.O_CLOEXEC
#: The workspace folders this process kept a ``.flowtop`` in: one missing now was moved
#: or deleted, and is not made again (a folder never seen is: a store opened by path).
_WORKSPACES: set[Path] = set()


def workspace_in_use(folder: Path) -> None:
    """Remember that this process works in the workspace ``folder`` (a TUI opened on a
    store that exists makes no ``.flowtop``): moved or deleted later, ``private_folder``
    says it is gone instead of making it again."""
    _WORKSPACES.add(folder)


class FolderError(HistoryError, OSError):
    """A state folder (or a file in it) that cannot be made: one line saying where and
    why, for the commands (a ``HistoryError``), and an ``OSError`` still for callers that
    catch those."""


def shares(folder: Path) -> bool:
    """Whether what is made in ``folder`` takes its permissions: ``.flowtop`` itself, or a
    folder in it. Elsewhere (a store opened by path) new files are private."""
    return STATE_DIR in (folder.name, folder.parent.name)


def file_mode(folder: Path) -> int:
    """The mode of a file made in ``folder``: its read and write bits (never writable by
    every user), 0600 outside a ``.flowtop``."""
    if not shares(folder):
        return FILE_MODE
    return os.stat(folder).st_mode & 0o664


def take_permissions(made: int | Path, folder: Path) -> None:
    """Give ``made`` (a file descriptor, or a folder just made) the permissions and the
    group of ``folder``, the folder it was made in (see the module's docstring)."""
    info = os.stat(folder)
    if isinstance(made, Path):
        os.chmod(made, info.st_mode & 0o2775)  # a setgid bit, never sticky nor o+w
        group = os.stat(made).st_gid
    else:
        os.fchmod(made, file_mode(folder))
        group = os.fstat(made).st_gid
    if shares(folder) and group != info.st_gid:  # a shared folder without its setgid bit
        try:
            if isinstance(made, Path):
                os.chown(made, -1, info.st_gid)
            else:
                os.fchown(made, -1, info.st_gid)
        except OSError:  # a group this user is not in: the group's bits would open it to
            private = stat.S_IRWXU if isinstance(made, Path) else FILE_MODE  # theirs instead
            if isinstance(made, Path):
                os.chmod(made, private)
            else:
                os.fchmod(made, private)
            log.warning(
                "%s: not shared with group %s, which you are not in: kept private to you",
                display_path(folder),
                group_name(info.st_gid),
            )


def _cannot_make(path: Path, exc: OSError) -> FolderError:
    """Why ``path`` cannot be made: whose folder shuts this user out, when one does."""
    if exc.errno in (errno.EACCES, errno.EPERM) and blocked(path, write=True) is not None:
        return FolderError(f"cannot create {path}: {explain(exc, path, write=True)}")
    if exc.errno == errno.EEXIST:  # a file where the folder (or one above it) should be
        where = display_path(exc.filename or path)
        return FolderError(f"cannot create {path}: {where} is a file, not a folder (move it aside)")
    return FolderError(
        f"cannot create {path} ({exc.strerror or exc}): flowtop records runs there, and "
        f"needs write access to {path.parent} (flowtop history and watch only read it)"
    )


def private_folder(path: Path) -> Path:
    """Create ``path`` (and parents) when missing, private or with the permissions of the
    ``.flowtop`` it is made in; return it. A folder that cannot be made (read-only, not
    ours), one every user may write in, or one this user may write in that a stranger
    could have written (``store_trust``: another user's, not shared with a group of this
    user's; root's own runs in a user's workspace), is a ``FolderError`` saying where and
    why."""
    inside = path.name != STATE_DIR and shares(path.parent)
    try:
        # .flowtop, cache/, logs/: what is made there would land in the link's target (a
        # folder of yours, another user's, or wherever a dangling one points)
        linked = (inside or path.name == STATE_DIR) and path.is_symlink()
        there = not linked and path.is_dir()
        if there and not os.access(path, os.X_OK):  # another user's private .flowtop
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
    except OSError as exc:  # a folder on the way this user may not look in
        why = explain(exc, path)
        shown = display_path(path)
        raise FolderError(why if why.startswith(shown) else f"cannot use {shown}: {why}") from None
    if linked:
        raise _planted_link(path, path, doing="use")
    try:
        if there:
            if os.stat(path).st_mode & stat.S_IWOTH:
                # any local user could plant a result there, and results are pickles, which
                # run code when a rerun or a cached call reads them
                raise FolderError(
                    f"{path} is writable by every user: flowtop keeps results there, read "
                    f"back as pickles (code that runs); make it yours alone: chmod -R o-w {path}"
                )
            refused = folder_refusal(path)  # a stranger's, or in a .flowtop open to all
            if refused is not None and os.access(path, os.W_OK):  # (else: unwritable, said)
                raise FolderError(
                    f"{refused}: flowtop keeps results there, read back as pickles (code that "
                    "runs as you); run from a copy of the workspace"
                )
            if path.name == STATE_DIR:
                workspace_in_use(path.parent)
            return path
        if inside:
            private_folder(path.parent)  # .flowtop first, private
        elif path.parent in _WORKSPACES and not path.parent.is_dir():
            # a workspace moved or deleted while a TUI was open on it: made again, it held
            # a new store and a run #1 of a flow file that is not there
            raise FolderError(
                f"the workspace folder {display_path(path.parent)} is gone (moved or deleted)"
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)  # the workspace's: as the umask says
        try:
            path.mkdir()
        except FileExistsError:  # another process made it a moment ago: theirs to set
            if path.is_dir():
                return path
            raise
        if inside:
            take_permissions(path, path.parent)
        else:  # .flowtop: 0700 (mkdir's mode is masked by the umask), an inherited setgid kept
            os.chmod(path, FOLDER_MODE | (os.stat(path).st_mode & stat.S_ISGID))
            if path.name == STATE_DIR:
                workspace_in_use(path.parent)
    except FolderError:
        raise
    except OSError as exc:
        raise _cannot_make(path, exc) from None
    return path


def _planted_link(path: Path, link: Path, doing: str = "write") -> FolderError:
    """A link (``link``: ``path``, or a folder on its way) where flowtop writes: in a
    ``.flowtop`` shared with a group, any member may have put it there, pointing at a file
    of yours (``~/.ssh/authorized_keys``) that a write through it would change as you, or
    at a folder of yours to make files in (``planted_link_said``)."""
    return FolderError(planted_link_said(path, link, doing))


def private_file(path: Path) -> Path:
    """Create an empty SQLite file ``path`` (the run store, ``limits.db``) when missing,
    before SQLite opens it, as ``_made_private`` makes a file; a link at its ``-wal`` or
    ``-shm``, or at the ``.flowtop`` it is in, is refused first (``refuse_linked_store``):
    SQLite said only "unable to open database file" of the one, and wrote through the
    other."""
    refuse_linked_store(path)
    return _made_private(path)


def _made_private(path: Path) -> Path:
    """Create an empty ``path`` when missing, with the mode and group the folder gives
    (0600 in a private one); a ``FolderError`` saying why it cannot be made, or that a
    symbolic link is in its place (``_planted_link``). To write in it, open it with
    ``open_private``, which follows no link planted meanwhile."""
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | _NO_LINK, FILE_MODE)
    except FileExistsError:  # O_EXCL: a link, even one to nothing, is never followed
        if path.is_symlink():
            raise _planted_link(path, path) from None
        return path
    except OSError as exc:
        raise _cannot_make(path, exc) from None
    try:
        take_permissions(fd, path.parent)
    finally:
        os.close(fd)
    return path


def open_private(path: Path, flags: int) -> int:
    """A descriptor on ``path`` (made first as ``private_file`` makes it), opened with
    ``flags`` (``os.O_WRONLY | os.O_APPEND``) and never through a symbolic link: one
    another user of a shared ``.flowtop`` put there after it was made is refused
    (``_planted_link``), not written through. Another ``OSError`` is raised as it is."""
    _made_private(path)
    try:
        return os.open(path, flags | _NO_LINK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _planted_link(path, path) from None
        raise  # the caller says what it could not do


def write_private(path: Path, text: str) -> None:
    """Put ``text`` (UTF-8) in ``path``, a file for this user alone (0600, even in a
    ``.flowtop`` shared with a group: a copy made for you), never through a link. A link
    at the name, which any member of the group may plant (to your ``authorized_keys``),
    was written through as you; here the text goes to a new file of a name no one knew
    (``O_EXCL``: made by this call, so no link), which then takes the name's place: a link
    there is replaced, not followed. The folder is opened as itself too, so a link in its
    place is refused (``_planted_link``). A ``FolderError`` says why it cannot be written."""
    folder = private_folder(path.parent)
    try:
        where = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | _NO_LINK)
    except OSError as exc:
        if folder.is_symlink():
            raise _planted_link(path, folder) from None
        raise FolderError(f"cannot write {display_path(path)}: {explain(exc, folder)}") from None
    temporary = f".{path.name}.{secrets.token_hex(8)}.tmp"
    try:
        made = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_LINK
        fd = os.open(temporary, made, FILE_MODE, dir_fd=where)
        try:
            with os.fdopen(fd, "wb") as out:
                os.fchmod(fd, FILE_MODE)  # whatever the umask left or the folder would give
                out.write(text.encode("utf-8"))
            os.replace(temporary, path.name, src_dir_fd=where, dst_dir_fd=where)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=where)
            raise
    except OSError as exc:
        raise FolderError(
            f"cannot write {display_path(path)}: {explain(exc, path, write=True)}"
        ) from None
    finally:
        os.close(where)


def refuse_linked_store(path: Path) -> None:
    """A ``FolderError`` when the SQLite store ``path``, a file SQLite keeps beside it, or
    the ``.flowtop`` it is in is a symbolic link (``store_links.linked_store_part``),
    before anything opens it, to read or write. SQLite follows a link at the store's own
    name: it wrote, as you, into the file the link points at (and made a dangling one's
    target), and put its ``-wal`` and ``-shm`` beside that file. A link at those it
    refuses (``O_NOFOLLOW``), saying only "unable to open database file": here the link
    is named, with what to do."""
    link = linked_store_part(path)
    if link is not None:
        raise _planted_link(path, link, doing="open")


def open_store(path: Path, connect: Callable[[], sqlite3.Connection]) -> sqlite3.Connection:
    """``connect()``'s connection to the store ``path``, never one through a symbolic link
    (``refuse_linked_store``), nor through one put at its name after that check, as SQLite
    opened it (``store_links.open_unswapped``: the folder is a shared ``.flowtop``'s, any
    member may swap its files)."""
    refuse_linked_store(path)
    return open_unswapped(path, connect, FolderError)
