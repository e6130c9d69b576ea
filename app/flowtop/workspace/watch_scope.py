"""Which folders of the workspace the watcher watches: those where a save can matter.

Of a workspace folder flowtop reads the flow files (its own top-level ``*.py``, never a
subfolder's), ``flowtop.toml``, ``.flowtop/overrides.toml``, and the helper modules the
flow files import. The folder is on ``sys.path`` while flows load, so a helper of the
workspace is a module an ``import`` names: ``util.py`` beside the flows, or
``lib/util.py``, ``lib/pkg/util.py`` in a package (``__init__.py`` or not: a namespace
package). Each part of that dotted name is a Python identifier, so a folder whose name is
not one (``year=2024``, ``2024``, ``raw-data``, ``v1.2``) cannot be a package and no
``import`` reaches anything below it. A data lake's partitions beside the flows
(``data/year=2024/month=01/day=01/…``, 27,000 folders of parquet files) cost 31,000
inotify watches, seconds before the monitor's first screen, and a walk at each new
partition, for files no flow can import.

So the watcher watches the workspace folder, ``.flowtop/``, and each real subfolder
reached through identifier names only (``data/`` is watched, ``data/year=2024/`` and all
below it are not); never a cache, a hidden folder, a virtualenv, a symlinked folder or one
this user may not list. A ``.py`` file created later below a folder not watched cannot be
imported by name from the workspace; one a flow loads by its path, or after putting that
folder on ``sys.path``, is like a helper outside the workspace: read afresh each time a
flow file that imports it reloads (``user_modules``). An identifier folder holding only
data is still watched (one watch each): a ``.py`` file written there is a namespace
package's module at once, and nothing but a watch would tell.
"""

from __future__ import annotations

import keyword
import os
from collections.abc import Iterable
from pathlib import Path

from watchfiles import Change

from .places import STATE_DIR

IGNORED_DIRS = frozenset(
    {
        "__pycache__",
        "node_modules",
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".idea",
        ".vscode",
    }
)


def package_name(name: str) -> bool:
    """Whether a folder named ``name`` could be a package an ``import`` names: an
    identifier, not a keyword, not a cache (``__pycache__``, ``node_modules``, ``venv``)."""
    return name.isidentifier() and not keyword.iskeyword(name) and name not in IGNORED_DIRS


def real_folder(path: Path) -> bool:
    try:
        return path.is_dir() and not path.is_symlink()
    except OSError:
        return False


def _listable(path: Path) -> bool:
    """Whether this user may list ``path``: a watch on one it may not (another user's
    database folder, mode 700) failed the whole watch, and hot reload stopped for every
    file ("File watching stopped: Permission denied")."""
    return os.access(path, os.R_OK | os.X_OK)


def _virtualenv(path: Path) -> bool:
    """Whether ``path`` is a virtualenv, whatever its name (``env/``): thousands of
    installed folders, watched one by one, and restarted on each ``pip install``."""
    return (path / "pyvenv.cfg").is_file()


def _in_scope(parts: tuple[str, ...]) -> bool:
    """Whether a folder at ``parts`` below the workspace is one to watch, by its names."""
    return parts == (STATE_DIR,) or (bool(parts) and all(package_name(p) for p in parts))


def watched_folders(root: Path) -> list[Path]:
    """The folders to watch: ``root``, ``.flowtop/`` and every real subfolder reached
    through package names only, not a virtualenv, that this user may list; symlinked
    folders are not followed (a link to ``/usr`` cost 15,000 watches, one to ``/`` stopped
    hot reload)."""
    folders = [root]
    for dirpath, dirnames, _ in os.walk(root, followlinks=False):
        here = Path(dirpath)
        if here != root and here.name == STATE_DIR:
            dirnames[:] = []  # only overrides.toml matters in .flowtop/
            continue
        dirnames[:] = [
            d
            for d in dirnames
            if (package_name(d) or (here == root and d == STATE_DIR))
            and real_folder(here / d)
            and _listable(here / d)
            and not _virtualenv(here / d)
        ]
        folders.extend(here / d for d in dirnames)
    return folders


def to_watch(root: Path, path: Path) -> bool:
    """Whether ``path``, a folder that just appeared, is one to watch (by its place:
    ``watched_folders`` checks the rest when it walks again)."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    return _in_scope(parts) and real_folder(path)


def new_folders(root: Path, changes: Iterable[tuple[Change, str]]) -> list[Path]:
    """The folders of ``changes`` that appeared and are to be watched."""
    return [
        Path(raw) for change, raw in changes if change == Change.added and to_watch(root, Path(raw))
    ]
