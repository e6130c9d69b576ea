"""Which flow file of a folder a flow is in, guessed from the sources before any import.

Importing a folder's every file to run, or start, one of its flows costs the slowest
file's import: ``flowtop run DIR --flow NAME`` imports the file whose source names NAME
in its own process (``Loader.only_flow``), and ``--detach`` has its loader process
describe that one file only (``loader_process.describe_workspace``). Both check that
the file defines NAME once imported; the guess only saves the other imports. Split out
of ``loader`` (at its 600 lines), which reads the same rules to pick what it imports.

That file is found by reading each file's syntax tree (``file_defining_name``), not its
bytes: a file that only mentions the name (a subflow call, a log line, a settings key)
made the byte scan find "several" and the run import, and wait for, every file of the
folder, a hanging one's ``load_timeout`` included.
"""

from __future__ import annotations

import ast
import os
import re
import stat
from pathlib import Path

from ..engine.ast_race import parse_python
from .code_trust import code_refusal
from .load_error import FLOW_MARKERS, FLOW_OR_PREFECT_MARKERS, mentions, readable_sources


def file_naming(paths: list[Path], flow: str) -> Path | None:
    """The one file of ``paths`` whose source names ``flow`` (``"etl"``, ``'etl'``, or
    ``def etl(`` for a ``@flow`` function); None for none or several. A guess that spares
    the run of one flow of a folder a second import of its file; the load still checks
    that the file defines it, and the probes of the others find it where it is if not."""
    quoted = flow.encode("utf-8", "surrogatepass")
    needles = (
        b'"' + quoted + b'"',
        b"'" + quoted + b"'",
        b"def " + quoted.replace(b"-", b"_") + b"(",
    )
    found = [path for path, data in readable_sources(paths) if any(n in data for n in needles)]
    return found[0] if len(found) == 1 else None


#: What ``ast.parse`` raises on a source it cannot read as a syntax tree: besides a
#: syntax error and a null byte, a tree too deep for the parser (a generated
#: ``X = 1+1+…``: RecursionError, ``- - … 1``: MemoryError), which its import reports.
UNPARSABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


def file_defining_name(paths: list[Path], flow: str) -> Path | None:
    """The one file of ``paths`` whose syntax tree defines a flow named ``flow``
    (``flow_names``), or, when none does, the one whose source names it (``file_naming``:
    ``NAME = "etl"`` … ``Flow(NAME)``); None when several do: the load then imports them
    all. A file that cannot be parsed defines none here (its import says what is wrong)."""
    defining = []
    for path, data in readable_sources(paths):
        try:
            tree = parse_python(data, str(path))
        except UNPARSABLE:
            continue
        if flow in flow_names(tree):
            defining.append(path)
    if not defining:
        return file_naming(paths, flow)
    return defining[0] if len(defining) == 1 else None


def flow_names(tree: ast.Module) -> set[str]:
    """The flow names a module's source gives literally: ``@flow`` on ``def etl_job``
    (``etl-job``: each ``_`` a ``-``, as ``dynamic.flow_name``), ``@flow(name="etl")``,
    ``Flow("etl")``, ``flow(etl_job)``, ``flow(fn, name="etl")`` and
    ``.with_options(name="etl")``. A name an expression gives (``Flow(f"etl-{n}")``) is
    not found: the import finds it."""
    return _named(tree) - {UNTOLD}


def told_flows(paths: list[Path]) -> tuple[dict[Path, frozenset[str]], set[Path]]:
    """The flows of each of ``paths`` whose source names them all (``every_flow_name``),
    and the files whose source cannot: what a run of one flow knows of the files it
    leaves unread (a settings table may name their flows, or misspell one)."""
    told, untold = {}, set()
    for path in paths:
        names = every_flow_name(path)
        if names is None:
            untold.add(path)
        else:
            told[path] = frozenset(names)
    return told, untold


def every_flow_name(path: Path) -> set[str] | None:
    """``flow_names`` of the file ``path`` when they are all its flows, as far as its
    source can tell (no flow is named by an expression); None when they may not be, or
    the file cannot be read or parsed."""
    try:
        names = _named(parse_python(path.read_bytes(), str(path)))
    except (OSError, *UNPARSABLE):
        return None
    return None if UNTOLD in names else names


#: What ``_named`` holds for a flow whose name is an expression (a flow's is never empty).
UNTOLD = ""


def _named(tree: ast.Module) -> set[str]:
    """``flow_names``, with ``UNTOLD`` for each flow whose name the source does not say."""
    decorators = {
        decorator
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for decorator in node.decorator_list
    }
    names: set[str | None] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.update(
                _decorated_name(decorator, node.name)
                for decorator in node.decorator_list
                if _called(decorator) == "flow"
            )
        elif isinstance(node, ast.Call) and node not in decorators:
            names.add(_made_name(node))
    return {name for name in names if name is not None}


def _called(node: ast.expr) -> str | None:
    """The last name of what ``node`` is or calls: ``flow`` for ``flow``, ``prefect.flow``
    and ``flow(name=...)``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _name_given(call: ast.Call) -> ast.expr | None:
    """The ``name=`` keyword's value of ``call``."""
    return next((k.value for k in call.keywords if k.arg == "name"), None)


def _decorated_name(decorator: ast.expr, function: str) -> str:
    """The name ``@flow`` or ``@flow(...)`` gives ``function`` (``UNTOLD``: not said)."""
    if isinstance(decorator, ast.Call) and _name_given(decorator) is not None:
        return _string(_name_given(decorator)) or UNTOLD
    return _function_flow_name(function)


def _function_flow_name(function: str) -> str:
    """The name ``@flow`` gives the function ``function`` by default: each ``_`` a ``-``,
    as ``engine.dynamic.flow_name`` makes it when the flow is made."""
    return function.replace("_", "-")


def _made_name(call: ast.Call) -> str | None:
    """The name of the flow ``call`` makes (``UNTOLD``: not said); None: it makes none
    (a ``with_options`` copy that keeps its flow's name is that flow)."""
    maker = _called(call.func)
    if maker not in ("Flow", "flow", "with_options") or isinstance(call.func, ast.Call):
        return None  # (``flow(name="etl")(fn)``: the inner call names it)
    given = _name_given(call)
    if given is not None:
        return _string(given) or UNTOLD
    first = call.args[0] if call.args else None
    if maker == "Flow":
        return _string(first) or UNTOLD
    if maker == "flow":
        return _function_flow_name(first.id) if isinstance(first, ast.Name) else UNTOLD
    return None


def will_import(path: Path, force: bool, markers: re.Pattern[bytes]) -> bool:
    """Whether loading ``path`` would execute it (a regular file that mentions a marker,
    or any regular file with ``force``)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        return force or mentions(markers, path.read_bytes())
    except OSError:
        return False


def file_defining(files: list[Path], flow: str, root: Path, *, prefect_compat: bool) -> Path | None:
    """Of the flow files ``files`` of the folder ``root``, the one a load would import
    whose source defines ``flow`` (``file_defining_name``); None when no single one does."""
    wanted = [p for p in files if imported_by_a_load(p, root, prefect_compat=prefect_compat)]
    return file_defining_name(wanted, flow)


def imported_by_a_load(path: Path, root: Path, *, prefect_compat: bool) -> bool:
    """Whether a load of the folder ``root`` would import its file ``path``: it mentions
    flowtop (or prefect, in drop-in mode) and is no stranger's (``code_trust``)."""
    markers = FLOW_OR_PREFECT_MARKERS if prefect_compat else FLOW_MARKERS
    return will_import(path, False, markers) and code_refusal(path, root) is None
