"""An exception raised while importing a flow file, as the line in the user's file.

flowtop's own frames are left out (they say nothing the message doesn't), a failure in a
helper names the helper's line, and a relative import (``from .helpers import x``) is
said to be unsupported in a flow file: flow files are top-level modules, and Python's
own message named the package the loader imports them under (``flowtop_flows``).
A ``SystemExit`` at import says what the file wrote to stderr last (argparse's reason:
``import_as_script``).
"""

from __future__ import annotations

import ast
import os
import sys
import traceback
from pathlib import Path

from ..engine.ast_race import parse_python
from ..engine.errors import FlowCalledAtImport, Retry
from ..engine.value_text import error_text
from .late_stdlib import shadowing_modules
from .load_error import LoadError, display_path, unread_prefect_hint
from .places import real_path

_FLOWTOP_PACKAGE = Path(__file__).resolve().parent.parent
#: Said under a ``Retry`` raised while a flow file is imported: no task is running there.
RETRY_AT_IMPORT = (
    "Retry retries the task that raises it: raise it inside a @task function;"
    " a @flow retries with retries=N"
)


def same_file(a: str | None, b: Path) -> bool:
    if not a:
        return False
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(str(b))


def _inside(filename: str, folder: Path) -> bool:
    try:
        return real_path(filename).is_relative_to(folder)
    except (OSError, ValueError):
        return False


def import_error(
    path: Path,
    exc: BaseException,
    *,
    prefect_compat: bool,
    tree: ast.Module | None = None,
    root: Path | None = None,
    stderr: str = "",
) -> LoadError:
    """Point an exception raised while importing ``path`` at the line in ``path``;
    ``stderr`` is the last line the import wrote there, the reason for a ``SystemExit``."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not _inside(frame.filename, _FLOWTOP_PACKAGE)
    ]
    line = None
    for frame in frames:
        if same_file(frame.filename, path):
            line = frame.lineno
    relative = _relative_import(path, exc, frames, tree, root)
    if relative is not None:
        return LoadError(path, line, None, relative)
    message = error_text(exc)
    if isinstance(exc, FlowCalledAtImport):  # says itself what to do: no class name
        message = str(exc)
    if isinstance(exc, SyntaxError) and exc.filename and not same_file(exc.filename, path):
        message = f"SyntaxError in {display_path(exc.filename)}:{exc.lineno}: {exc.msg}"
    elif (
        frames
        and not same_file(frames[-1].filename, path)
        and not frames[-1].filename.startswith("<")
    ):
        message += f" (raised in {display_path(frames[-1].filename)}:{frames[-1].lineno})"
    if isinstance(exc, SystemExit) and stderr:
        message += f": {stderr}"
    if isinstance(exc, Retry):  # a @flow body's Retry says as much (``RETRY_IN_BODY``)
        message += f" ({RETRY_AT_IMPORT})"
    missing = (exc.name or "") if isinstance(exc, ModuleNotFoundError) else ""
    if not prefect_compat and missing.split(".")[0] == "prefect":
        message += "; " + unread_prefect_hint([path.name])  # drop-in mode would provide it
    shadow = _shadowing(exc, path, root or path.parent, frames)
    if shadow is not None:
        message += f"; {shadow} in the folder hides the standard library's module: rename it"
    return LoadError(path, line, None, message)


def _shadowing(
    exc: BaseException, flow_file: Path, root: Path, frames: list[traceback.FrameSummary]
) -> str | None:
    """The folder's file named like a standard module that ``exc`` came of, else None.

    An import failing on a standard name the folder has (``email.py``: "No module named
    'email.parser'; 'email' is not a package", from deep in ``requests``, with nothing
    saying whose ``email`` it was); or, when the folder's file was imported in its place
    (``csv.py``, a standard module flowtop had not imported: ``late_stdlib``), a missing
    name of that module ("module 'csv' has no attribute 'reader'") or an error raised in
    the file as a library imported it."""
    name = getattr(exc, "name", None) if isinstance(exc, ImportError) else None
    top = (name or "").partition(".")[0]
    if top in sys.stdlib_module_names:
        for shadow in (f"{top}.py", top):
            if (root / shadow).exists():
                return shadow if shadow.endswith(".py") else f"{shadow}/"
    missing_from = getattr(exc, "obj", None) if isinstance(exc, AttributeError) else None
    for module_name, file in sorted(shadowing_modules(root).items()):
        if missing_from is not None and missing_from is sys.modules.get(module_name):
            return _top_entry(str(file), root)
    for frame in reversed(frames):  # (a module that failed is out of sys.modules)
        shown = None if same_file(frame.filename, flow_file) else _top_entry(frame.filename, root)
        if shown and shown.removesuffix("/").removesuffix(".py") in sys.stdlib_module_names:
            return shown
    return None


def _top_entry(file: str, root: Path) -> str | None:
    """The entry of the folder ``root`` that holds ``file``: ``csv.py`` itself, or
    ``email/`` for ``email/parser.py``; None outside it."""
    try:
        place = Path(os.path.abspath(file)).relative_to(os.path.abspath(root))
    except ValueError:
        return None
    return f"{place.parts[0]}/" if len(place.parts) > 1 else place.name


def _relative_import(
    path: Path,
    exc: BaseException,
    frames: list[traceback.FrameSummary],
    tree: ast.Module | None,
    root: Path | None,
) -> str | None:
    """What to say when ``exc`` is a relative import failing in a flow file: ``path``
    itself, or another flow file of ``root`` that ``path`` imports."""
    last = frames[-1] if frames else None
    if not isinstance(exc, ImportError) or last is None or last.lineno is None:
        return None
    line = last.lineno
    where = Path(os.path.abspath(last.filename))
    if same_file(last.filename, path):
        source = tree
    elif root is not None and where.parent == root and where.suffix == ".py":
        source = _parse(where)
    else:
        return None  # a helper package's relative imports work; its error is its own
    statement = _relative_at(source, line) if source is not None else None
    if statement is None:
        return None
    shown = f"from {'.' * statement.level}{statement.module or ''} import …"
    module = statement.module
    instead = f"from {module} import …" if module else f"import {statement.names[0].name}"
    place = "" if same_file(last.filename, path) else f" (in {display_path(where)}:{line})"
    return (
        f"relative imports are not supported in a flow file{place}: flow files are "
        f"top-level modules, so write {instead!r} instead of {shown!r}"
    )


def _relative_at(tree: ast.Module, line: int) -> ast.ImportFrom | None:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.level > 0
            and node.lineno <= line <= (node.end_lineno or node.lineno)
        ):
            return node
    return None


def _parse(file: Path) -> ast.Module | None:
    try:
        return parse_python(file.read_bytes(), str(file))
    except (OSError, SyntaxError, ValueError):
        return None
