"""``.flowtop/`` holds captured output and tracebacks, which may hold secrets: keep it private,
unless its owner shares it.

A new ``.flowtop`` is made 0700 whatever the umask, keeping the setgid bit it inherits
from a group's workspace folder (``chmod 2775``), so what is made in it keeps that group.
Every file or folder flowtop makes in it (or in a folder it made there: ``cache/``,
``logs/``) takes the permissions and the group of the folder it is made in, whatever the
umask: 0600 files and 0700 folders in a private one, 0660 and 2770 in one its owner
shares with a group (``chmod 2770 .flowtop``). So sharing ``.flowtop`` shares what any
user makes in it afterwards: a file one member made is not closed to the others. Files
that exist keep their mode: a user who chose to share them is not overruled.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from pathlib import Path

from .access import blocked, explain, group_name
from .history_records import HistoryError
from .load_error import display_path
from .places import STATE_DIR
from .store_trust import folder_refusal

log = logging.getLogger("flowtop.store")

FOLDER_MODE = 0o700
FILE_MODE = 0o600


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
    try:
        there = path.is_dir()
        if there and not os.access(path, os.X_OK):  # another user's private .flowtop
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
    except OSError as exc:  # a folder on the way this user may not look in
        why = explain(exc, path)
        shown = display_path(path)
        raise FolderError(why if why.startswith(shown) else f"cannot use {shown}: {why}") from None
    try:
        if there:
            if os.stat(path).st_mode & stat.S_IWOTH:
                # any local user could plant a result there, and results are pickles, which
                # run code when a rerun or a cached call reads them
                raise FolderError(
                    f"{path} is writable by every user: flowtop keeps results there, read "
                    f"back as pickles (code that runs); make it yours alone: chmod o-w {path}"
                )
            refused = folder_refusal(path)  # a stranger's, or in a .flowtop open to all
            if refused is not None and os.access(path, os.W_OK):  # (else: unwritable, said)
                raise FolderError(
                    f"{refused}: flowtop keeps results there, read back as pickles (code that "
                    "runs as you); run from a copy of the workspace"
                )
            return path
        inside = path.name != STATE_DIR and shares(path.parent)
        if inside:
            private_folder(path.parent)  # .flowtop first, private
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
    except FolderError:
        raise
    except OSError as exc:
        raise _cannot_make(path, exc) from None
    return path


def private_file(path: Path) -> Path:
    """Create an empty ``path`` when missing (before SQLite opens it), with the mode and
    group the folder gives (0600 in a private one); a ``FolderError`` saying why it
    cannot be made."""
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        return path
    except OSError as exc:
        raise _cannot_make(path, exc) from None
    try:
        take_permissions(fd, path.parent)
    finally:
        os.close(fd)
    return path
