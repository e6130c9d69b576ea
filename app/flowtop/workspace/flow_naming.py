"""Which flow file of a folder a flow is in, guessed from the sources before any import.

Importing a folder's every file to run, or start, one of its flows costs the slowest
file's import: ``flowtop run DIR --flow NAME`` imports the file whose source names NAME
in its own process (``Loader.only_flow``), and ``--detach`` has its loader process
describe that one file only (``workspace_description.describe_workspace``). Both check that
the file defines NAME once imported; the guess only saves the other imports. Split out
of ``loader`` (at its 600 lines), which reads the same rules to pick what it imports.

That file is found by reading each file's syntax tree (``NameScan.file_defining``), not its
bytes: a file that only mentions the name (a subflow call, a log line, a settings key)
made the byte scan find "several" and the run import, and wait for, every file of the
folder, a hanging one's ``load_timeout`` included.

The files the scan cannot read a flow name of (``@flow(name=NAME)``) are the exception:
one may define NAME again, a duplicate the folder's load refuses naming both files, so
a run probes them (``NameScan.others_seen``) and ``--detach`` describes the folder.
"""

from __future__ import annotations

import ast
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..engine.ast_race import parse_python
from .code_trust import code_refusal
from .load_error import (
    FLOW_MARKERS,
    FLOW_OR_PREFECT_MARKERS,
    LoadError,
    mentions,
    readable_sources,
)


def file_naming(paths: list[Path], flow: str) -> Path | None:
    """The one file of ``paths`` whose source names ``flow`` (``"etl"``, ``'etl'``, or
    ``def etl(`` for a ``@flow`` function); None for none or several. A guess that spares
    the run of one flow of a folder a second import of its file; the load still checks
    that the file defines it, and the probes of the others find it where it is if not."""
    found = [path for path, data in readable_sources(paths) if _says(data, flow)]
    return found[0] if len(found) == 1 else None


def _says(data: bytes, flow: str) -> bool:
    """Whether the source ``data`` names ``flow`` as ``file_naming`` reads it."""
    quoted = flow.encode("utf-8", "surrogatepass")
    needles = (
        b'"' + quoted + b'"',
        b"'" + quoted + b"'",
        b"def " + quoted.replace(b"-", b"_") + b"(",
    )
    return any(needle in data for needle in needles)


#: What ``ast.parse`` raises on a source it cannot read as a syntax tree: besides a
#: syntax error and a null byte, a tree too deep for the parser (a generated
#: ``X = 1+1+…``: RecursionError, ``- - … 1``: MemoryError), which its import reports.
UNPARSABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


@dataclass(frozen=True)
class SourceNames:
    """What one file's source says of its flows: the names its syntax tree gives
    (``_named``, ``UNTOLD`` included; None when it cannot be read or parsed), and
    whether its bytes name the flow sought (``file_naming``'s guess)."""

    names: frozenset[str] | None
    says_flow: bool


class NameScan:
    """The flows each of ``paths`` defines as its source says, for a run of ``flow``.

    Each file is read and parsed once, for both the pick of the file to import
    (``file_defining``) and what the run then knows of the others (``told``,
    ``untold``): the scan parsed the others twice. Only the names are kept, not the
    trees nor the bytes (a folder's generated modules can be large).
    """

    def __init__(self, paths: list[Path], flow: str) -> None:
        self.flow = flow
        self.files = {path: _source_names(path, flow) for path in paths}

    def file_defining(self) -> Path | None:
        """The one file whose syntax tree defines a flow named ``flow`` (``_named``), or,
        when none does, the one whose source names it (``file_naming``: ``NAME = "etl"``
        … ``Flow(NAME)``); None when several do: the load then imports them all. A file
        that cannot be parsed defines none here (its import says what is wrong)."""
        defining = [p for p, read in self.files.items() if self.flow in (read.names or ())]
        if not defining:
            defining = [p for p, read in self.files.items() if read.says_flow]
        return defining[0] if len(defining) == 1 else None

    def told(self, leaving: Path | None) -> dict[Path, frozenset[str]]:
        """The files but ``leaving`` whose source names all their flows, with those names."""
        return {
            path: read.names
            for path, read in self.files.items()
            if path != leaving and read.names is not None and UNTOLD not in read.names
        }

    def untold(self, leaving: Path | None) -> list[Path]:
        """The files but ``leaving`` with a flow whose name their source does not say
        (``Flow(f"etl-{n}")``): the only ones that may define ``flow`` a second time
        beside ``leaving`` once it does, a duplicate the folder's load refuses."""
        return [
            path
            for path, read in self.files.items()
            if path != leaving and read.names is not None and UNTOLD in read.names
        ]

    def unparsed(self, leaving: Path | None) -> set[Path]:
        """The files but ``leaving`` that could not be read or parsed: their flows are
        unknown (their import fails: a run of another flow neither waits nor says it)."""
        return {p for p, read in self.files.items() if p != leaving and read.names is None}

    def others_seen(self, here: Path | None, probe: Prober, compat: bool) -> OthersSeen:
        """What a run of ``flow`` learns of the files but ``here`` once ``here`` is
        imported and defines it: the flows of each whose source names them all, unread;
        those whose source does not (``untold``) are probed (imported in a child, with
        ``compat``), and the ones that define ``flow`` too are for the run to import, so
        that its load refuses the second ``flow`` as the folder's load does."""
        untold = self.untold(here)
        probed = dict(probe(untold, compat)) if untold else {}
        failed = {path for path, (error, _) in probed.items() if error is not None}
        return OthersSeen(
            probed={path: (None, names) for path, names in self.told(here).items()} | probed,
            unread=self.unparsed(here) | failed | {p for p in untold if p not in probed},
            defining=[
                p for p, (error, names) in probed.items() if error is None and self.flow in names
            ],
        )


#: What a probe (an import in a child) found of a file: its error, or its flows' names.
Probed = tuple[LoadError | None, frozenset[str]]
#: Probes the files given, in drop-in mode or not (``Loader.probe``).
Prober = Callable[[list[Path], bool], Mapping[Path, Probed]]


@dataclass(frozen=True)
class OthersSeen:
    """``NameScan.others_seen``: each file's flows as its source or its probe says them,
    the files whose flows neither says, and the files to import (they define the flow)."""

    probed: dict[Path, Probed]
    unread: set[Path]
    defining: list[Path]


def _source_names(path: Path, flow: str) -> SourceNames:
    """``SourceNames`` of the file ``path``, read once (unreadable: no names, not named)."""
    try:
        data = path.read_bytes()
    except OSError:
        return SourceNames(None, says_flow=False)
    return SourceNames(names_given(data, path), says_flow=_says(data, flow))


def names_given(data: bytes, path: Path) -> frozenset[str] | None:
    """The flow names the source ``data`` (of ``path``) gives literally (``_named``:
    ``UNTOLD`` for one an expression gives); None when Python cannot parse it."""
    try:
        return frozenset(_named(parse_python(data, str(path))))
    except UNPARSABLE:
        return None


#: What ``_named`` holds for a flow whose name is an expression (a flow's is never empty).
UNTOLD = ""


def _named(tree: ast.Module) -> set[str]:
    """The flow names a module's source gives literally: ``@flow`` on ``def etl_job``
    (``etl-job``: each ``_`` a ``-``, as ``dynamic.flow_name``), ``@flow(name="etl")``,
    ``Flow("etl")``, ``flow(etl_job)``, ``flow(fn, name="etl")`` and a flow's
    ``.with_options(name="etl")`` (not a task's: ``Bindings``); ``UNTOLD`` for each flow
    whose name an expression gives (``Flow(f"etl-{n}")``): the import finds it."""
    decorators = {
        decorator
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for decorator in node.decorator_list
    }
    bindings = Bindings(tree)
    names: set[str | None] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.update(
                _decorated_name(decorator, node.name)
                for decorator in node.decorator_list
                if _called(decorator) == "flow"
            )
        elif isinstance(node, ast.Call) and node not in decorators:
            names.add(_made_name(node, bindings))
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


def _made_name(call: ast.Call, bindings: Bindings) -> str | None:
    """The name of the flow ``call`` makes (``UNTOLD``: not said); None: it makes none
    (a ``with_options`` copy that keeps its flow's name is that flow; a task's copy,
    ``load.with_options(name="etl")``, is no flow)."""
    maker = _called(call.func)
    if maker not in ("Flow", "flow", "with_options") or isinstance(call.func, ast.Call):
        return None  # (``flow(name="etl")(fn)``: the inner call names it)
    if maker == "with_options" and bindings.copies_no_flow(call):
        return None
    given = _name_given(call)
    if given is not None:
        return _string(given) or UNTOLD
    first = call.args[0] if call.args else None
    if maker == "Flow":
        return _string(first) or UNTOLD
    if maker == "flow":
        return _function_flow_name(first.id) if isinstance(first, ast.Name) else UNTOLD
    return None


#: Who a name or call is when ``Bindings`` reads it: a flow, no flow, or unknown (None).
Kind = bool | None


class Bindings:
    """What each name of a module is bound to (a ``def``, a class, an assigned value, an
    import), anywhere in it: enough to tell a flow's ``with_options`` from a task's.

    Where the source cannot tell (an imported name, a parameter, an attribute such as
    ``other_module.etl``, a name bound to different things), the copy counts as a flow:
    a task counted so only matters when its name is the one a run asks for, and then
    the run imports every file (slower, still right); a flow missed could hide a second
    flow of that name, a duplicate the folder's load refuses.
    """

    def __init__(self, tree: ast.Module) -> None:
        self.bound: dict[str, list[ast.AST | None]] = {}
        for node in ast.walk(tree):
            for name, value in _bound_by(node):
                self.bound.setdefault(name, []).append(value)
        #: Each name's kind once told (None while it is being told: ``x = x.with_options()``
        #: says nothing of ``x``), so that each name is read once however often it is used.
        self.kinds: dict[str, Kind] = {}

    def copies_no_flow(self, call: ast.Call) -> bool:
        """Whether ``call`` (``X.with_options(...)``) is known to copy something else than
        a flow: ``X`` a task (``@task``, ``task(...)``), a plain function or a class."""
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        return receiver is not None and self.kind(receiver) is False

    def kind(self, node: ast.expr) -> Kind:
        """Whether ``node`` is a flow: a name bound here (only) to flows, or a call of
        ``Flow``, ``flow`` or a flow's ``with_options``; False for tasks and the like."""
        if isinstance(node, ast.Name):
            if node.id not in self.kinds:
                self.kinds[node.id] = None
                kinds = {self._kind_of(value) for value in self.bound.get(node.id, [None])}
                self.kinds[node.id] = kinds.pop() if len(kinds) == 1 else None
            return self.kinds[node.id]
        if not isinstance(node, ast.Call):
            return None
        maker = _called(node.func)
        if maker in ("Flow", "flow"):
            return True
        if maker in ("Task", "task"):
            return False
        if maker == "with_options" and isinstance(node.func, ast.Attribute):
            return self.kind(node.func.value)
        return None

    def _kind_of(self, value: ast.AST | None) -> Kind:
        """``kind`` of what a name is bound to (None: imported, a parameter, unbound)."""
        if isinstance(value, ast.FunctionDef | ast.AsyncFunctionDef):
            decorators = {_called(decorator) for decorator in value.decorator_list}
            if "flow" in decorators:
                return True
            return False if decorators <= {"task"} else None  # (another decorator: unknown)
        if isinstance(value, ast.ClassDef):
            return False
        return self.kind(value) if isinstance(value, ast.expr) else None


def _bound_by(node: ast.AST) -> Iterator[tuple[str, ast.AST | None]]:
    """Each name ``node`` binds, with what to (None: unknown: an import, a parameter,
    unpacking)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name, node
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        arguments = node.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        yield from ((argument.arg, None) for argument in every)
    elif isinstance(node, ast.Assign):
        for target in node.targets:
            yield from _targets(target, node.value)
    elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr | ast.For | ast.AsyncFor):
        value = node.value if isinstance(node, ast.AnnAssign | ast.NamedExpr) else None
        yield from _targets(node.target, value)
    elif isinstance(node, ast.With | ast.AsyncWith):
        for item in node.items:
            if item.optional_vars is not None:
                yield from _targets(item.optional_vars, item.context_expr)
    elif isinstance(node, ast.Import | ast.ImportFrom):
        yield from ((alias.asname or alias.name.split(".")[0], None) for alias in node.names)


def _targets(target: ast.expr, value: ast.AST | None) -> Iterator[tuple[str, ast.AST | None]]:
    """The names an assignment to ``target`` binds: to ``value`` for a plain name, to
    something unknown when unpacked (``a, *b = ...``); none for ``x.a =`` or ``x[0] =``."""
    if isinstance(target, ast.Name):
        yield target.id, value
    elif isinstance(target, ast.Tuple | ast.List | ast.Starred):
        inner = target.elts if isinstance(target, ast.Tuple | ast.List) else [target.value]
        for element in inner:
            yield from _targets(element, None)


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
    whose source defines ``flow`` (``NameScan.file_defining``); None when no single one does,
    or when another's source hides a flow's name: that flow may be a second ``flow``, a
    duplicate only the folder's load refuses (``run --detach`` describes one path)."""
    wanted = [p for p in files if imported_by_a_load(p, root, prefect_compat=prefect_compat)]
    scan = NameScan(wanted, flow)
    alone = scan.file_defining()
    return None if scan.untold(alone) else alone


def imported_by_a_load(path: Path, root: Path, *, prefect_compat: bool) -> bool:
    """Whether a load of the folder ``root`` would import its file ``path``: it mentions
    flowtop (or prefect, in drop-in mode) and is no stranger's (``code_trust``)."""
    markers = FLOW_OR_PREFECT_MARKERS if prefect_compat else FLOW_MARKERS
    return will_import(path, False, markers) and code_refusal(path, root) is None
