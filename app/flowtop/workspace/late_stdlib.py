"""Standard modules flowtop imports late, imported before a flow folder can shadow them.

A folder's modules go first on ``sys.path`` (``Loader.activate``) so that ``import
helpers`` works. A standard module flowtop (or a library of its) imports only after that
was then served from the folder when it had one of the same name: its ``secrets.py``,
which no flow imported, became flowtop's own (``flowtop run`` failed with its KeyError),
its ``multiprocessing.py`` broke ``--executor process``.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import os
import sys
from pathlib import Path

#: Standard modules flowtop or its libraries import once the folder is on ``sys.path``
#: (not with ``flowtop.workspace.loader``), with those they import in turn.
LATE_STDLIB = (
    *("argparse", "array", "asyncio", "ctypes", "fcntl", "multiprocessing", "runpy"),
    *("secrets", "select", "selectors", "shlex", "signal", "socket", "sqlite3"),
    *("subprocess", "termios", "tomllib", "unicodedata", "multiprocessing.connection"),
    *("multiprocessing.forkserver", "multiprocessing.spawn", "concurrent.futures.process"),
)


def late_stdlib_first(root: Path) -> None:
    """Import ``LATE_STDLIB`` (from the standard library) before ``root`` goes first on
    ``sys.path``, when the folder has a module named like a standard one: its ``secrets.py``
    that no flow imports became flowtop's own (``flowtop run`` failed with its KeyError),
    its ``multiprocessing.py`` broke ``--executor process``. Python gives a flow file such
    a module of its own only while nothing imported the standard one: as with ``os``."""
    missing = [name for name in LATE_STDLIB if name not in sys.modules]
    try:
        shadows = missing and any(
            entry.partition(".")[0] in sys.stdlib_module_names for entry in os.listdir(root)
        )
    except OSError:
        return
    if not shadows:
        return
    saved = sys.path[:]
    sys.path[:] = [p for p in saved if os.path.abspath(p or os.curdir) != str(root)]
    try:
        for name in missing:
            with contextlib.suppress(ImportError):  # (fcntl, termios: POSIX only)
                importlib.import_module(name)
    finally:
        sys.path[:] = saved


def found_elsewhere(name: str, root: Path) -> bool:
    """Whether ``import name`` (a top-level name) in this process gets a module from
    outside the folder ``root`` though ``root`` has a file of that name, as Python resolves
    it while flows load (``root`` first on ``sys.path``): a built-in or frozen module is
    found before any folder, and a module already imported is served from ``sys.modules``
    (every flowtop process imports ``logging``, ``json``, ``random``... before a flow file,
    and ``late_stdlib_first`` the rest it needs). A standard module nothing imported yet
    (``csv``) is the folder's file then, as under ``python flow.py``."""
    if name in sys.builtin_module_names:
        return True
    if name in sys.modules:  # (None there, a blocked import, imports no file either)
        return not from_folder(sys.modules[name], root)
    try:
        return importlib.machinery.FrozenImporter.find_spec(name) is not None
    except ImportError:
        return False


def from_folder(module: object, root: Path) -> bool:
    """Whether ``module`` was imported from a file inside the folder ``root``."""
    file = getattr(module, "__file__", None)
    if not isinstance(file, str):
        return False
    return Path(os.path.abspath(file)).is_relative_to(os.path.abspath(root))


def shadowing_modules(root: Path) -> dict[str, Path]:
    """The standard library's names this process imported from the folder ``root`` (its
    ``csv.py`` in place of the standard ``csv``), with the file each came from."""
    found = {}
    for name in sys.stdlib_module_names & sys.modules.keys():
        module = sys.modules.get(name)
        if from_folder(module, root):
            found[name] = Path(os.path.abspath(getattr(module, "__file__", "")))
    return found
