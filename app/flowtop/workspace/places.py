"""Where a workspace keeps things: one definition for every process that opens one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SETTINGS_FILE = "flowtop.toml"
STATE_DIR = ".flowtop"
OVERRIDES_FILE = "overrides.toml"
#: The ``with_options`` copies the latest runs of each ``@flow`` called (``task_copies``).
COPIES_FILE = "task_copies.json"
STORE_FILE = "history.db"
#: The slots of the workspace's concurrency limits (``concurrency.slots``).
LIMITS_FILE = "limits.db"


@dataclass(frozen=True)
class Places:
    """The folder opened (or a flow file's folder) and the files flowtop reads there."""

    path: Path  # what was opened, absolute
    root: Path  # the workspace folder
    only: Path | None  # the one flow file, when a file was opened

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> Places:
        """Raises ``FileNotFoundError`` or ``ValueError`` naming ``path``."""
        given = Path(path)
        if not given.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        # The workspace is the folder that was opened: a symlinked flow file (or folder)
        # takes its settings and history from here, not from wherever the link points.
        opened = Path(os.path.abspath(given))
        if opened.is_dir():
            return cls(opened, opened, None)
        if opened.suffix == ".py" and opened.is_file():
            return cls(opened, opened.parent, opened)
        raise ValueError(f"{path}: not a folder or a .py file")

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def overrides_path(self) -> Path:
        return self.state_dir / OVERRIDES_FILE

    @property
    def store_path(self) -> Path:
        return self.state_dir / STORE_FILE


def folder_in_the_way(state: Path) -> str | None:
    """Why ``.flowtop`` (``state``) cannot be kept: a file stands at its name. Said this
    way by every command and the monitor: each stopped there anyway, saying ``[Errno 20]
    Not a directory: …/history.db`` (or of ``overrides.toml``), which sent the user looking
    for a store or a settings file. (os.path's checks: a folder this user cannot look
    into is another check's to say.)"""
    if os.path.exists(state) and not os.path.isdir(state):
        return f"{state} is a file, where flowtop keeps its folder: move it away"
    return None


def unread_settings(root: Path, here: Path | None = None) -> str | None:
    """Why the ``flowtop.toml`` of the folder flowtop runs from is not read, when it is
    not: the workspace (``./flows`` by default) has its own and lacks one. A settings
    file put beside ``flows/`` was ignored without a word."""
    here = Path.cwd() if here is None else here
    stray = here / SETTINGS_FILE
    if root == here or not stray.is_file() or (root / SETTINGS_FILE).exists():
        return None
    return (
        f"{stray} is not read: the workspace is {root}, whose settings are "
        f"{root / SETTINGS_FILE} (move the file there)"
    )


def real_path(path: str | os.PathLike[str]) -> Path:
    """``path`` with its symlinks followed, as ``Path.resolve()`` would, for comparing two
    paths to a file; a symlink loop (``ln -s loop.py loop.py``) is left as it is, absolute.
    Python 3.11's ``resolve()`` raises ``RuntimeError`` on a loop, and one such file in the
    workspace closed every monitor open on it at the next save."""
    return Path(os.path.realpath(path))
