"""Flows defined on a class of a flow file: ``@flow`` on a method, a classmethod or a
staticmethod, which Prefect's docs show (``MyClass().my_instance_method()``,
``MyClass.my_class_method()``) and which flowtop binds as Prefect does (``binding``).

They are not module-level names, so the file "defined no flows" (saying there was no
``@flow`` function) and its ``__main__`` block's calls of them were not honoured. Here a
class's flows are found as ``Cls.meth`` (Prefect's own name for such a flow's place in an
entrypoint, ``file.py:Cls.meth``): a classmethod's bound to its class, a staticmethod's as
it is, either decorator above ``@flow`` or below it (Prefect runs both orders). A flow on
an instance method needs the instance: it is made as the ``__main__`` block makes it,
``Cls(<literals>).meth(...)`` (``Pipeline("sales").run(3)``, or
``p = Pipeline("sales")`` then ``p.run(3)``), when the file is loaded; one the block does
not make so is not listed, said as a note (``method_flow_source.left_out``), and a file
left with no flow says which method needs what (``no_instance``).

Such a flow is listed under its name, Prefect's (its function's: ``run``); one whose
default name another flow of the file has too (``Sales.run`` and ``Marketing.run``, each
a ``run``, which Prefect tells apart only by entrypoint) is listed under its place,
``Cls.meth``, rather than refusing the file (``unclashed``): run and recorded so, also
when another flow calls it as a subflow, while ``flow_run.flow_name`` says ``run``.
"""

from __future__ import annotations

import ast
import types
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.binding import unwrapped
from ..engine.dynamic import flow_name
from ..engine.flow import Flow
from ..engine.option_checks import same_name
from ..engine.runtime_reads import PREFECT_NAME
from .entry_flows import BlockCall
from .flow_source import LoadFailed
from .load_error import LoadError
from .method_flow_source import literal_call
from .method_flow_source import no_instance as no_instance  # (``flow_claims``'s, as before)


@dataclass(frozen=True)
class MethodFlow:
    """A flow of a class of the file: its place (``Cls.meth``), the flow as called
    there (bound), the line of its ``def``, and the flow as its class holds it (what a
    call of it in another flow's body binds)."""

    place: str
    flow: Flow
    line: int | None
    own: Flow


def method_flows(
    path: Path,
    module: types.ModuleType,
    calls: Mapping[str, BlockCall],
    others: Iterable[str] = (),
) -> list[MethodFlow]:
    """The flows of the classes ``module`` defines that can be run: a classmethod's, a
    staticmethod's, and an instance method's whose instance ``calls`` (the ``__main__``
    block's) makes from literals. An instance whose ``__init__`` raises refuses the file,
    at the block's line, as ``python FILE`` fails there. ``others``: the names of the
    file's module-level flows (``unclashed``)."""
    return unclashed(_method_flows(path, module, calls), others)


def unclashed(found: list[MethodFlow], others: Iterable[str]) -> list[MethodFlow]:
    """``found``, each flow whose name is its function's default (``run``) and is the
    name of another flow of the file (of ``found`` or ``others``) renamed to its place,
    ``Cls.meth``: two classes' ``run`` flows are two flows, as Prefect's entrypoints
    ``file.py:Sales.run`` and ``file.py:Marketing.run`` are. A name given (``@flow(name=
    "x")``) is kept: two such stay a clash, which ``find_flows`` refuses.

    The class's own flow is renamed too, so a subflow call of it (``Sales("eu").run()``
    in another flow) is recorded as it is listed; each keeps Prefect's name for the
    runtime (``runtime_reads.PREFECT_NAME``)."""
    count = Counter(same_name(name) for name in others)
    count.update(same_name(method.flow.name) for method in found)
    renamed: list[MethodFlow] = []
    for method in found:
        flow = method.flow
        if count[same_name(flow.name)] > 1 and _named_by_default(flow):
            _rename(method.own, method.place)
            if flow is not method.own:  # (a bound copy: made before its class's was renamed)
                _rename(flow, method.place)
        renamed.append(method)
    return renamed


def _rename(flow: Flow, name: str) -> None:
    setattr(flow, PREFECT_NAME, flow.name)
    flow.name = name


def _named_by_default(flow: Flow) -> bool:
    """Whether ``flow``'s name is its function's (no ``name=`` other than that)."""
    fn: Any = unwrapped(getattr(flow, "fn", None))
    fn = getattr(fn, "__func__", fn)  # (a bound method's function)
    return fn is not None and flow.name == flow_name(fn, None)


def _method_flows(
    path: Path, module: types.ModuleType, calls: Mapping[str, BlockCall]
) -> list[MethodFlow]:
    found: list[MethodFlow] = []
    for var, cls, attr, flow in _class_flows(module):
        place = f"{var}.{attr}"
        line = _def_line(flow)
        if isinstance(getattr(flow, "fn", None), classmethod | staticmethod):
            found.append(MethodFlow(place, getattr(cls, attr), line, flow))
            continue
        above = vars(cls)[attr]  # ``@classmethod`` above ``@flow``: bound as Prefect runs it
        if isinstance(above, classmethod | staticmethod):
            held: Any = flow  # (a ``@flow`` function: it binds, ``FlowFunction.__get__``)
            if isinstance(above, classmethod):  # a staticmethod's is the flow as it is
                held = held.__get__(cls, type(cls))
            found.append(MethodFlow(place, held, line, flow))
            continue
        call = calls.get(place)
        receiver = call.receiver if call is not None else None
        given = literal_call(receiver) if receiver is not None else None
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
            raise LoadFailed(LoadError(path, receiver.lineno, None, why)) from None
        found.append(MethodFlow(place, getattr(instance, attr), line, flow))
    return found


def _class_flows(module: types.ModuleType) -> Iterator[tuple[str, type, str, Flow]]:
    """``(var, cls, attr, flow)`` of each flow in the body of a class ``module`` defines."""
    for var, cls in list(vars(module).items()):
        if not isinstance(cls, type) or getattr(cls, "__module__", None) != module.__name__:
            continue
        if cls.__qualname__ != var:  # (an alias, or a class made elsewhere: its own name)
            continue
        for attr, value in list(vars(cls).items()):
            if isinstance(value, classmethod | staticmethod):  # written above ``@flow``
                value = value.__func__
            if isinstance(value, Flow) and hasattr(value, "fn"):
                yield var, cls, attr, value


def _def_line(flow: Flow) -> int | None:
    fn: Any = getattr(flow, "fn", None)
    fn = getattr(fn, "__func__", fn)
    code = getattr(fn, "__code__", None)
    return code.co_firstlineno if code is not None else None
