"""Whether a ``Flow`` node's function can be called with what the graph gives it.

A node added with ``add_task`` (or only ordered with ``upstream_tasks``) gets no arguments
unless ``keyword_tasks`` give them later, so it cannot be bound when it is added: the flow
binds each new node once it is complete (``Flow.check_arguments``, when the loader has
imported the flow file and when a run starts). ``def b(x)`` added with nothing for ``x``
failed in its attempt, after its upstream tasks had run, with "b() missing 1 required
positional argument: 'x'"; it is refused instead, naming the line that added it.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from ..printable import printable_name
from .graph import Node
from .library_folders import FLOWTOP_FOLDER

#: A file and a line of the flow author's code.
Place = tuple[str, int]


class ArgumentsRefused(TypeError):
    """A node its function cannot be called with; ``file`` and ``line`` are where the
    flow author added it (None when unknown), for the loader to point at."""

    def __init__(self, message: str, place: Place | None) -> None:
        super().__init__(message)
        self.file: str | None = place[0] if place is not None else None
        self.line: int | None = place[1] if place is not None else None


def caller_place() -> Place | None:
    """The flow author's line that is calling into flowtop (the first frame outside it)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(FLOWTOP_FOLDER):
        frame = frame.f_back
    if frame is None or frame.f_lineno is None:
        return None
    return frame.f_code.co_filename, frame.f_lineno


def shown_place(place: Place) -> str:
    """``etl.py, line 12``: the file relative to the current folder when it is inside it."""
    file, line = place
    try:
        relative = os.path.relpath(file)
    except ValueError:  # on another drive
        relative = os.pardir
    shown = file if relative.startswith(os.pardir) else relative
    return f"{printable_name(shown)}, line {line}"  # a name holding a newline stays on its line


#: What binding a node's arguments depends on: its function, how many positional
#: arguments it has and the names of its keyword arguments, never their values.
Shape = tuple[int, int, tuple[str, ...]]
#: Why a shape does not bind (``Signature.bind``'s words) and the required arguments
#: ``keyword_tasks`` could still give.
Problem = tuple[str, list[str]]


class Binder:
    """Binds the nodes of one ``Flow.check_arguments``, once per function and shape: a
    5,000-node fan-out of one task called alike reads one signature and binds once."""

    def __init__(self) -> None:
        self._signatures: dict[int, inspect.Signature | None] = {}
        self._problems: dict[Shape, Problem | None] = {}

    def refusal(self, flow_name: str, node: Node, place: Place | None) -> ArgumentsRefused | None:
        """Why ``node`` cannot be called with its arguments (its refs stand for the
        results the graph passes), as ``inspect.Signature.bind`` says it; None when it can."""
        fn = node.task.fn
        signature = self._signature(fn)
        if signature is None:
            return None
        shape = (id(fn), len(node.args), tuple(node.kwargs))
        if shape not in self._problems:
            self._problems[shape] = _bind_problem(signature, node)
        problem = self._problems[shape]
        if problem is None:
            return None
        said, missing = problem
        added = f" (added at {shown_place(place)})" if place is not None else ""
        message = (
            f"flow {flow_name!r}: task {node.key!r}{added}: {said};"
            f" the function is {node.task.name}{signature}"
        )
        if missing:
            wanted = ", ".join(f"{name!r}: …" for name in missing)
            message += (
                "; upstream_tasks only order tasks: pass results with"
                f" set_dependencies({node.key!r}, keyword_tasks={{{wanted}}}),"
                " or call the task with its arguments inside a `with Flow` block"
            )
        return ArgumentsRefused(message, place)

    def _signature(self, fn: Callable[..., Any]) -> inspect.Signature | None:
        """``fn``'s signature, None when it has none to read (a builtin without one)."""
        if id(fn) not in self._signatures:
            try:
                self._signatures[id(fn)] = inspect.signature(fn)
            except (TypeError, ValueError):
                self._signatures[id(fn)] = None
        return self._signatures[id(fn)]


def _bind_problem(signature: inspect.Signature, node: Node) -> Problem | None:
    try:
        signature.bind(*node.args, **node.kwargs)
    except TypeError as exc:
        return str(exc), _missing_keywords(signature, node)
    return None


def _missing_keywords(signature: inspect.Signature, node: Node) -> list[str]:
    """The required arguments ``keyword_tasks`` could give that the node has no value
    for; empty when the arguments are wrong some other way (one too many, a name the
    function does not take), which no ``keyword_tasks`` mend."""
    try:
        given = signature.bind_partial(*node.args, **node.kwargs).arguments
    except TypeError:
        return []
    keywords = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [
        name
        for name, parameter in signature.parameters.items()
        if parameter.kind in keywords and parameter.default is parameter.empty and name not in given
    ]
