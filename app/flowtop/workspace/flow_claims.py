"""Which module-level flows a flow file defines, and the line that binds each.

A flow file may import a flow from another flow file of its folder (Prefect's subflow
pattern: ``from child import child_flow``). That flow belongs to the file that defines
it: the importer neither lists it as its own (a run of the importer would start it as a
second top-level run) nor clashes with its owner over the name. A flow is the other
file's when that file's module holds the very same object at module level; a flow that
comes from a helper (a subfolder package, or a factory called here) is still claimed by
the flow file that binds it, as before.
"""

from __future__ import annotations

import ast
import os
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.flow import ArgumentsRefused, Flow
from ..engine.option_checks import same_name, two_spellings
from .entry_flows import BlockCall, main_block_calls
from .flow_source import LoadFailed
from .import_errors import same_file
from .load_error import LoadError
from .main_block_args import MainCall, bind_main_call
from .method_flows import method_flows, no_instance

#: Files of the folder that are never flow files.
#: Never flow files: a package's, and pytest's (a ``conftest.py`` importing ``Flow`` for
#: its fixtures was "a file that defines no flows", and ``flowtop run .`` exited 2).
SKIPPED_FILES = frozenset({"__init__.py", "__main__.py", "conftest.py"})


@dataclass
class FoundFlows:
    """A file's own module-level flows by name, the line binding each (when known), and
    those its ``if __name__ == "__main__":`` block calls (``entry_flows``), with how it
    calls each (``main_block_args``)."""

    flows: dict[str, Flow]
    lines: dict[str, int]
    main_block: dict[str, MainCall] = field(default_factory=dict)


def binding_lines(tree: ast.Module) -> dict[str, int]:
    """The line where each module-level name is bound, to point duplicate flows at it."""
    lines: dict[str, int] = {}

    def bind(target: ast.AST, lineno: int) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                lines.setdefault(node.id, lineno)

    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                bind(target, stmt.lineno)
        elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
            bind(stmt.target, stmt.lineno)
        elif isinstance(stmt, ast.With):
            for item in stmt.items:
                if item.optional_vars is not None:
                    bind(item.optional_vars, stmt.lineno)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            lines.setdefault(stmt.name, stmt.lineno)
    return lines


def flow_of(value: Any) -> Flow | None:
    if isinstance(value, Flow):
        return value
    if isinstance(value, types.ModuleType | type):
        return None
    try:
        marked = getattr(value, "__flowtop_flow__", None)
    except Exception:  # noqa: BLE001 - odd objects with a raising __getattr__
        return None
    return marked if isinstance(marked, Flow) else None


def is_flow_file(file: Path, root: Path) -> bool:
    """Whether ``file`` is one of the folder's own ``*.py`` files (a flow file's place)."""
    return (
        file.parent == root
        and file.suffix == ".py"
        and not file.name.startswith(".")
        and file.name not in SKIPPED_FILES
    )


def _other_flow_modules(path: Path, root: Path) -> Iterator[types.ModuleType]:
    """Modules imported from the folder's other flow files (``import child`` runs
    ``child.py`` as a plain module beside the loader's own copy)."""
    inside = str(root) + os.sep  # (``root`` is on ``sys.path`` as it is written)
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not isinstance(file, str) or not file.startswith(inside):
            continue
        where = Path(os.path.abspath(file))
        if where != path and is_flow_file(where, root):
            yield module


def _held_elsewhere(flows: list[Flow], path: Path, root: Path) -> set[int]:
    """The ids of ``flows`` that another flow file of ``root`` holds at module level."""
    wanted = {id(flow) for flow in flows}
    held: set[int] = set()
    for module in _other_flow_modules(path, root):
        for value in list(vars(module).values()):
            flow = value if id(value) in wanted else flow_of(value)
            if flow is not None and id(flow) in wanted:
                held.add(id(flow))
    return held


def find_flows(path: Path, module: types.ModuleType, tree: ast.Module, root: Path) -> FoundFlows:
    """Module-level flows ``module`` defines, by name; two flows with one name is an
    error, also spelt two ways (``same_name``). Flows another flow file of ``root``
    defines (imported from it) are left out."""
    found: dict[str, tuple[str, Flow]] = {}  # by ``same_name``
    lines = binding_lines(tree)
    bound = [
        (var, flow)
        for var, value in list(vars(module).items())
        if (flow := flow_of(value)) is not None
        and (flow.source is None or same_file(flow.source, path))
    ]
    foreign = _held_elsewhere([flow for _, flow in bound], path, root) if bound else set()
    calls = main_block_calls(tree, methods=True)
    kept = [flow.name for _, flow in bound if id(flow) not in foreign or flow.source]
    for method in method_flows(path, module, calls, kept):  # ``Cls.meth``: ``method_flows``
        bound.append((method.place, method.flow))
        if method.line is not None:
            lines[method.place] = method.line
    for var, flow in bound:
        if id(flow) in foreign and flow.source is None:  # one it claimed before stays its
            continue
        if (same := same_name(flow.name)) in found:
            first_var, first = found[same]
            if first is flow:
                continue
            at = f"{first_var} at line {lines.get(first_var, '?')} and {var}"
            spelt = "" if first.name == flow.name else f", {two_spellings(first.name, flow.name)}"
            why = f"two flows named {flow.name!r} ({at}){spelt}"
            if "." in var or "." in first_var:  # (a method's ``name=``: ``unclashed``)
                why += "; give one another name, @flow(name=...)"
            raise LoadFailed(LoadError(path, lines.get(var), None, why))
        found[same] = (var, flow)
    for var, flow in found.values():
        _check_arguments(path, flow, lines.get(var))
    return FoundFlows(
        {flow.name: flow for _, flow in found.values()},
        {flow.name: lines[var] for var, flow in found.values() if var in lines},
        _run_by_main_block(calls, vars(module), found, path),
    )


def no_flows(path: Path) -> LoadError:
    """A file that loaded but made no flow: both ways of making one are named, as a file
    of ``@task`` functions whose ``@flow`` was forgotten is the usual cause."""
    on_methods = no_instance(path)  # ``@flow`` on instance methods only: which, and why
    if on_methods is not None:
        return LoadError(path, on_methods[0], None, on_methods[1])
    why = (
        "defines no flows: no module-level flowtop.Flow and no @flow function; "
        "a helper module is fine once a flow module imports it"
    )
    return LoadError(path, None, None, why)


def _check_arguments(path: Path, flow: Flow, binding_line: int | None) -> None:
    """Refuse the file when a node of ``flow`` cannot be called with what the graph gives
    it (``Flow.check_arguments``): its ``keyword_tasks`` are all set once the file has
    run. The error points at the line that added the node, or else at the flow's own."""
    try:
        flow.check_arguments()
    except ArgumentsRefused as exc:
        line = exc.line if same_file(exc.file, path) else binding_line
        raise LoadFailed(LoadError(path, line, None, f"TypeError: {exc}")) from None


def _run_by_main_block(
    block: dict[str, BlockCall],
    namespace: dict[str, Any],
    found: dict[str, tuple[str, Flow]],
    path: Path,
) -> dict[str, MainCall]:
    """The names of ``found``'s flows that the module's ``__main__`` block calls, each
    with the arguments of its first call there: a name it calls that holds one of them
    once imported (a ``with_options`` copy bound to a name is the copy), or a class's
    flow it calls as ``Cls.meth`` (``method_flows``). A name the block binds itself
    holds nothing yet: it never ran."""
    ours = {id(flow): (flow.name, flow) for _, flow in found.values()}
    methods = {var: flow for var, flow in found.values() if "." in var}
    calls: dict[str, MainCall] = {}
    for var, call in block.items():
        flow = methods.get(var)
        if flow is None and var in namespace:
            flow = flow_of(namespace[var])
        if flow is not None and id(flow) in ours:
            name, own = ours[id(flow)]
            if name not in calls:  # two names for one flow: the first call, in order
                calls[name] = bind_main_call(own, call, str(path))
    return calls
