"""Flows defined on a class of a flow file: ``@flow`` on a method, a classmethod or a
staticmethod, which Prefect's docs show (``MyClass().my_instance_method()``,
``MyClass.my_class_method()``) and which flowtop binds as Prefect does (``binding``).

They are not module-level names, so the file "defined no flows" (saying there was no
``@flow`` function) and its ``__main__`` block's calls of them were not honoured. Here a
class's flows are found as ``Cls.meth`` (Prefect's own name for such a flow's place in an
entrypoint, ``file.py:Cls.meth``): a classmethod's bound to its class, a staticmethod's as
it is. A flow on an instance method needs the instance: it is made as the ``__main__``
block makes it, ``Cls(<literals>).meth(...)`` (``Pipeline("sales").run(3)``), when the
file is loaded; one the block does not make so is not listed, and a file left with no
flow says which method needs what (``no_instance``).
"""

from __future__ import annotations

import ast
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.flow import Flow
from .entry_flows import BlockCall
from .flow_source import LoadFailed
from .load_error import LoadError


@dataclass(frozen=True)
class MethodFlow:
    """A flow of a class of the file: its place (``Cls.meth``), the flow as called
    there (bound), and the line of its ``def``."""

    place: str
    flow: Flow
    line: int | None


def method_flows(
    path: Path, module: types.ModuleType, calls: Mapping[str, BlockCall]
) -> list[MethodFlow]:
    """The flows of the classes ``module`` defines that can be run: a classmethod's, a
    staticmethod's, and an instance method's whose instance ``calls`` (the ``__main__``
    block's) makes from literals. An instance whose ``__init__`` raises refuses the file,
    at the block's line, as ``python FILE`` fails there."""
    found: list[MethodFlow] = []
    for var, cls, attr, flow in _class_flows(module):
        place = f"{var}.{attr}"
        line = _def_line(flow)
        if isinstance(getattr(flow, "fn", None), classmethod | staticmethod):
            found.append(MethodFlow(place, getattr(cls, attr), line))
            continue
        call = calls.get(place)
        receiver = call.receiver if call is not None else None
        given = _literal_call(receiver) if receiver is not None else None
        if call is None or receiver is None or given is None:
            continue
        args, kwargs = given
        try:
            instance = cls(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the user's __init__: the file's error
            why = (
                f"{place} is a @flow on an instance method; the instance the __main__ block "
                f"makes, {ast.unparse(receiver)}, raised {type(exc).__name__}: {exc}"
            )
            raise LoadFailed(LoadError(path, call.line, None, why)) from None
        found.append(MethodFlow(place, getattr(instance, attr), line))
    return found


def no_instance(path: Path) -> tuple[int, str] | None:
    """The line and why the file at ``path`` has no flow flowtop can run when its flows
    are on instance methods the ``__main__`` block makes no instance for (read from its
    source: ``flow_claims.no_flows`` has only the path); None when it has none."""
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return None
    methods = [
        (node.name, item)
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for item in node.body
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(_names(d) == "flow" for d in item.decorator_list)
        and not any(_names(d) in ("classmethod", "staticmethod") for d in item.decorator_list)
    ]
    if not methods:
        return None
    cls, first = methods[0]
    named = ", ".join(f"{owner}.{item.name}" for owner, item in methods)
    return first.lineno, (
        f"defines no flows flowtop can run: {named} "
        f"{'is a @flow' if len(methods) == 1 else 'are @flows'} on an instance method, and "
        f"flowtop has no instance to call it on: it makes one only as the __main__ block "
        f"calls {cls}(<literal arguments>).{first.name}(...); make it a @staticmethod or "
        "@classmethod, or call it from a module-level @flow"
    )


def _class_flows(module: types.ModuleType) -> Iterator[tuple[str, type, str, Flow]]:
    """``(var, cls, attr, flow)`` of each flow in the body of a class ``module`` defines."""
    for var, cls in list(vars(module).items()):
        if not isinstance(cls, type) or getattr(cls, "__module__", None) != module.__name__:
            continue
        if cls.__qualname__ != var:  # (an alias, or a class made elsewhere: its own name)
            continue
        for attr, value in list(vars(cls).items()):
            if isinstance(value, Flow) and hasattr(value, "fn"):
                yield var, cls, attr, value


def _def_line(flow: Flow) -> int | None:
    fn: Any = getattr(flow, "fn", None)
    fn = getattr(fn, "__func__", fn)
    code = getattr(fn, "__code__", None)
    return code.co_firstlineno if code is not None else None


def _literal_call(call: ast.Call) -> tuple[list[Any], dict[str, Any]] | None:
    """The arguments of ``Cls(...)`` when each is a literal; None when one is not."""
    try:
        args = [ast.literal_eval(arg) for arg in call.args]
        if any(keyword.arg is None for keyword in call.keywords):
            return None
        kwargs = {str(kw.arg): ast.literal_eval(kw.value) for kw in call.keywords}
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return args, kwargs


def _names(decorator: ast.expr) -> str:
    """The name a decorator ends in: ``flow`` of ``@prefect.flow(retries=2)``."""
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    if isinstance(decorator, ast.Attribute):
        return decorator.attr
    return decorator.id if isinstance(decorator, ast.Name) else ""
