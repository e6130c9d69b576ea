"""Whose files flowtop imports: importing a flow file, or a helper module beside it, runs it.

As ssh's StrictModes reads no key another user could change, flowtop imports no file a
stranger could have written or put there:

* never another user's file that every user may write to (one of yours is: a mount that
  shows every file as ``0777``, WSL's ``/mnt/c`` or a VirtualBox share, would otherwise
  load nothing, and only you can change its mode);
* from a folder every user may write in (``flowtop list`` in ``/tmp``), only files of
  yours or root's, in folders of yours or root's below it: there any user may add a file
  that mentions ``Flow``, or a ``requests.py`` or ``__pycache__`` that a flow's
  ``import`` would run in place of the real one.

A flow file refused is a load error saying whose it is and why (``Loader``); a helper
module refused is an ``ImportError`` saying the same, raised by :class:`TrustedImports`,
an import finder put before Python's own for each such folder while a loader has it on
``sys.path``. A folder not writable by every user that another user owns (a team's
checkout) is imported from as before: only its owner, or its group, could change it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import stat
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from ..printable import printable_name
from .access import mode_and_owner, user_name
from .load_error import display_path
from .store_trust import everyone_writes, yours


def _folders(path: Path, root: Path) -> list[Path]:
    """The folders from ``root`` down to ``path``'s (only ``path``'s when it is not in
    ``root``)."""
    folder = path.parent
    if not folder.is_relative_to(root):
        return [folder]
    parts = folder.relative_to(root).parts
    return [root / Path(*parts[:depth]) for depth in range(len(parts) + 1)]


def code_refusal(path: Path, root: Path, info: os.stat_result | None = None) -> str | None:
    """Why the file ``path`` (``info``: its status as opened, else looked up) of the flows
    folder ``root`` must not be imported (see the module's docstring), else None; None
    too for one that cannot be looked at (its import says why)."""
    why = distrusted(path, root, info)
    return None if why is None else f"not imported: {why}"


def distrusted(path: Path, root: Path, info: os.stat_result | None = None) -> str | None:
    """``code_refusal``'s reason alone, for a file that is read rather than imported
    (the settings, ``Workspace``): whose the file is and who else could have written it."""
    try:
        info = info or os.stat(path)
    except OSError:
        return None
    shown = display_path(path)
    if everyone_writes(info) and not stat.S_ISDIR(info.st_mode) and not yours(info.st_uid):
        return (
            f"{shown} is {user_name(info.st_uid)}'s and writable by every user "
            f"({mode_and_owner(info)}), who could put code in it: ask them to chmod o-w {shown}"
        )
    open_folder: tuple[Path, os.stat_result] | None = None
    for folder in _folders(path, root):
        try:
            here = os.stat(folder)
        except OSError:
            return None
        if open_folder is not None and not yours(here.st_uid):
            return _stranger(folder, here, open_folder)
        if open_folder is None and everyone_writes(here):
            open_folder = (folder, here)
    if open_folder is not None and not yours(info.st_uid):
        return _stranger(path, info, open_folder)
    return None


def _stranger(path: Path, info: os.stat_result, open_folder: tuple[Path, os.stat_result]) -> str:
    folder, folder_info = open_folder
    return (
        f"{display_path(path)} is {user_name(info.st_uid)}'s "
        f"({mode_and_owner(info)}), in {printable_name(str(folder))}, which every user may write in "
        f"({stat.filemode(folder_info.st_mode)}): only files of yours or root's are imported "
        "from there"
    )


class TrustedImports(importlib.abc.MetaPathFinder):
    """Refuses a module of a guarded folder (one every user may write in) that
    ``code_refusal`` refuses: its source, its package folder or its cached bytecode.
    Finds nothing itself: a module it lets pass is found by Python's finders as before."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._roots: dict[Path, int] = {}  # guarded folder -> how many loaders guard it

    def guard(self, root: Path) -> None:
        with self._lock:
            self._roots[root] = self._roots.get(root, 0) + 1
            if self not in sys.meta_path:  # before Python's path finder, after builtins
                path_finder = importlib.machinery.PathFinder
                at = next(
                    (i for i, f in enumerate(sys.meta_path) if f is path_finder),
                    len(sys.meta_path),
                )
                sys.meta_path.insert(at, self)

    def unguard(self, root: Path) -> None:
        with self._lock:
            left = self._roots.get(root, 0) - 1
            if left > 0:
                self._roots[root] = left
                return
            self._roots.pop(root, None)
            if not self._roots and self in sys.meta_path:
                sys.meta_path.remove(self)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        for root in list(self._roots):
            if path is None:
                where = [str(root)] if str(root) in sys.path else []
            else:
                where = [entry for entry in path if _inside(entry, root)]
            if not where:
                continue
            spec = importlib.machinery.PathFinder.find_spec(fullname, where)
            if spec is None:
                continue
            places = [spec.origin if spec.has_location else None, spec.cached]
            places += list(spec.submodule_search_locations or [])
            for place in places:
                if not place or not os.path.exists(place):
                    continue
                why = code_refusal(Path(os.path.abspath(place)), root)
                if why is not None:
                    raise ImportError(f"{fullname}: {why}", name=fullname, path=place)
        return None


def _inside(entry: str, root: Path) -> bool:
    try:
        return Path(os.path.abspath(entry)).is_relative_to(root)
    except (OSError, ValueError):
        return False


#: The one finder of this process (each guarded folder is one of its roots).
GUARD = TrustedImports()
