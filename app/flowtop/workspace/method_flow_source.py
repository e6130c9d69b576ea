"""The ``@flow`` instance methods of a flow file that flowtop cannot run, read from its
source (``method_flows`` makes the others' instances once the file is imported).

Such a flow needs its instance, which flowtop makes only as the ``__main__`` block makes
it from literals: ``Pipeline("sales").run(3)``, or ``p = Pipeline("sales")`` then
``p.run(3)`` (``entry_flows``). A file with no other flow "defines no flows flowtop can
run" (``no_instance``, its load error). A file with other flows listed them and left the
method out without a word: ``left_out`` says which, where, and why, as ``flowtop list``
and the monitor say it (a note: the file's other flows load and run).

Read with ``ast`` alone, never imported: the monitor's process says it too, and it runs
no user code.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .entry_flows import BlockCall, main_block_calls
from .load_error import LoadError


def literal_call(call: ast.Call) -> tuple[list[Any], dict[str, Any]] | None:
    """The arguments of ``Cls(...)`` when each is a literal; None when one is not."""
    try:
        args = [ast.literal_eval(arg) for arg in call.args]
        if any(keyword.arg is None for keyword in call.keywords):
            return None
        kwargs = {str(kw.arg): ast.literal_eval(kw.value) for kw in call.keywords}
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return args, kwargs


def no_instance(path: Path) -> tuple[int, str] | None:
    """The line and why the file at ``path`` has no flow flowtop can run when its flows
    are on instance methods the ``__main__`` block makes no instance for (read from its
    source: ``flow_claims.no_flows`` has only the path); None when it has none."""
    tree = _tree(path)
    methods = _instance_flows(tree) if tree is not None else []
    if tree is None or not methods:
        return None
    cls, first = methods[0]
    named = ", ".join(f"{owner}.{item.name}" for owner, item in methods)
    return first.lineno, (
        f"defines no flows flowtop can run: {named} "
        f"{'is a @flow' if len(methods) == 1 else 'are @flows'} on an instance method, and "
        f"flowtop has no instance to call it on: {_how_made(cls, first.name, _calls(tree))}"
    )


def left_out(paths: Iterable[Path]) -> list[LoadError]:
    """For each of ``paths`` (flow files that loaded), the ``@flow`` instance methods its
    ``__main__`` block makes no instance for from literals: not listed, as ``no_instance``
    says of a file with no other flow; one line each, at the method's ``def``."""
    notes: list[LoadError] = []
    for path in dict.fromkeys(paths):
        tree = _tree(path, b"class")  # (a file with no class is not parsed)
        if tree is None:
            continue
        calls = _calls(tree)
        for cls, item in _instance_flows(tree):
            if not _made(calls.get(f"{cls}.{item.name}")):
                why = _how_made(cls, item.name, calls)
                said = (
                    f"{cls}.{item.name} is not listed: a @flow on an instance method, and "
                    f"flowtop has no instance to call it on: {why}"
                )
                notes.append(LoadError(path, item.lineno, None, said))
    return notes


def left_out_note(notes: Iterable[LoadError]) -> str:
    """The notes as one line (the monitor's toast): ``pipeline.py:12: Pipeline.run is
    not listed: …``; "" for none."""
    return "; ".join(map(str, notes))


def _made(call: BlockCall | None) -> bool:
    """Whether the block makes the instance, as ``method_flows`` makes it: from literals."""
    receiver = call.receiver if call is not None else None
    return receiver is not None and literal_call(receiver) is not None


def _how_made(cls: str, method: str, calls: Mapping[str, BlockCall]) -> str:
    """Why flowtop has no instance of ``cls`` for ``method``, and what to do."""
    call = calls.get(f"{cls}.{method}")
    receiver = call.receiver if call is not None else None
    if call is not None and receiver is not None:
        made = (
            f"the __main__ block makes it at line {receiver.lineno} as "
            f"{ast.unparse(receiver)}, with arguments flowtop cannot read without running "
            "the file (literals only)"
        )
    else:
        made = (
            f"it makes one only as the __main__ block does, from literals: "
            f"{cls}(<literal arguments>).{method}(...), or obj = {cls}(<literal arguments>) "
            f"then obj.{method}(...)"
        )
    return f"{made}; make it a @staticmethod or @classmethod, or call it from a module-level @flow"


def _tree(path: Path, holding: bytes = b"") -> ast.Module | None:
    """The file's syntax tree; None when it cannot be read, or does not hold ``holding``."""
    try:
        source = path.read_bytes()
        return ast.parse(source) if holding in source else None
    except (OSError, SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _calls(tree: ast.Module) -> dict[str, BlockCall]:
    return main_block_calls(tree, methods=True)


def _instance_flows(tree: ast.Module) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """``(class, def)`` of each ``@flow`` on an instance method of a module-level class."""
    return [
        (node.name, item)
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for item in node.body
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(_names(d) == "flow" for d in item.decorator_list)
        and not any(_names(d) in ("classmethod", "staticmethod") for d in item.decorator_list)
    ]


def _names(decorator: ast.expr) -> str:
    """The name a decorator ends in: ``flow`` of ``@prefect.flow(retries=2)``."""
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    if isinstance(decorator, ast.Attribute):
        return decorator.attr
    return decorator.id if isinstance(decorator, ast.Name) else ""
