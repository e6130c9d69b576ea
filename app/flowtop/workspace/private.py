"""``.flowtop/`` holds captured output and tracebacks, which may hold secrets: keep it private.

The folder is created 0700 and the files flowtop creates in it 0600, whatever the umask,
so other local users can't read what a task printed. Files that exist keep their mode:
a user who chose to share them (a group-readable store) is not overruled.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .history_records import HistoryError

FOLDER_MODE = 0o700
FILE_MODE = 0o600


class FolderError(HistoryError, OSError):
    """A state folder that cannot be made: one line saying where and why, for the commands
    (a ``HistoryError``), and an ``OSError`` still for callers that catch those."""


def private_folder(path: Path) -> Path:
    """Create ``path`` (and parents) with mode 0700 when missing; return it. A folder
    that cannot be made (read-only, not ours), or one every user may write in, is a
    ``FolderError`` saying where."""
    if path.is_dir():
        if os.stat(path).st_mode & stat.S_IWOTH:
            # any local user could plant a result there, and results are pickles, which
            # run code when a rerun or a cached call reads them
            raise FolderError(
                f"{path} is writable by every user: flowtop keeps results there, read back "
                f"as pickles (code that runs); make it yours alone: chmod o-w {path}"
            )
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, FOLDER_MODE)  # mkdir's mode is masked by the umask
    except OSError as exc:
        raise FolderError(
            f"cannot create {path} ({exc.strerror or exc}): flowtop records runs there, "
            f"and needs write access to {path.parent} (flowtop history and watch only read)"
        ) from None
    return path


def private_file(path: Path) -> Path:
    """Create an empty ``path`` with mode 0600 when missing (before SQLite opens it)."""
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        return path
    os.close(fd)
    return path
