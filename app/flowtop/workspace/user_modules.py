"""The user's own modules that flow files imported, so a reload imports them afresh.

A saved flow file must load in the monitor as it loads in a fresh process (``flowtop
list``, a run): with the modules it imports as they are on disk now, not the copies an
earlier import left in ``sys.modules``. A helper outside the workspace (a folder a helper
put on ``sys.path``) is not watched, and a helper inside it may read a data file at import
(``CONFIG = tomllib.load(...)``): neither tells the loader it changed. So each reload first
evicts every module of the user's that importing a flow file brought in, wherever it lives,
and the flow files it imports bring in fresh copies of what they need; the flow modules
not reloaded keep the copies they hold.

The user's own is told by the module's file: a ``.py`` source that is not in Python's
standard library, in a ``site-packages`` (or ``dist-packages``) folder, nor flowtop's.
Installed libraries are not imported again (a second ``pandas`` per save would cost a
second each, and a compiled extension cannot be imported twice in one process); an
editable install of the user's own project is the user's code, as it is in a fresh process.
Only modules first imported while a flow file was imported are ever evicted: never one the
process itself imported (a test runner's, the host's).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from ..engine.flow_package import FLOW_PACKAGE
from ..engine.library_folders import library_folders

#: Folder names that hold installed distributions, wherever they are.
_INSTALLED = frozenset({"site-packages", "dist-packages"})
#: Top-level names never evicted: flowtop's own modules and the loader's flow modules.
_OURS = frozenset({"flowtop", FLOW_PACKAGE, "__main__"})


def _installed(file: str) -> bool:
    return file.startswith(library_folders()) or not _INSTALLED.isdisjoint(Path(file).parts)


def user_file(name: str, module: object) -> Path | None:
    """The source file of ``module`` (imported as ``name``) if it is the user's own."""
    if name.split(".", 1)[0] in _OURS:
        return None
    file = getattr(module, "__file__", None)
    if not isinstance(file, str) or not file.endswith(".py"):
        return None  # built in, frozen, a namespace package, compiled or bytecode only
    where = os.path.abspath(file)
    if _installed(where) or _installed(os.path.realpath(where)):
        return None
    return Path(where)


class UserModules:
    """The user's modules that importing flow files brought into ``sys.modules``."""

    def __init__(self) -> None:
        self.files: dict[str, Path] = {}  # module name -> its file

    def note(self, names: Iterable[str]) -> None:
        """Remember those of ``names`` (new in ``sys.modules`` since a flow file's import
        began) that are the user's."""
        for name in names:
            file = user_file(name, sys.modules.get(name))
            if file is not None:
                self.files[name] = file

    def evict(self) -> None:
        """Drop them from ``sys.modules`` (each still the module noted) so the next import
        of a flow file imports them afresh."""
        for name, file in self.files.items():
            module = sys.modules.get(name)
            found = getattr(module, "__file__", None)
            if isinstance(found, str) and os.path.abspath(found) == str(file):
                del sys.modules[name]
        self.files.clear()
