"""Parsing Python and formatting tracebacks on threads, despite a CPython 3.11 race.

Before CPython 3.11.8 and 3.12.2 the AST constructor kept its recursion counter per
interpreter, not per call (CPython gh-106905): when a garbage collection inside one
thread's ``ast.parse`` ran Python code and let another thread parse meanwhile, the first
raised ``SystemError: AST constructor recursion depth mismatch``. Tracebacks parse each
line to place their ``^^^`` markers, so two tasks failing at once on two worker threads
could meet it — one task's failure recorded as flowtop's own ``SystemError``, a flow file
read as broken while another file loaded. The race lasts one conversion: a second try holds.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TypeVar

_T = TypeVar("_T")

_MISMATCH = "AST constructor recursion depth mismatch"
#: Each try fails only if another thread's parse lands inside it again.
_TRIES = 3


def despite_ast_race(call: Callable[[], _T]) -> _T:
    """``call()``, tried again when CPython's AST race (above) made it raise."""
    for _ in range(_TRIES - 1):
        try:
            return call()
        except SystemError as error:
            if _MISMATCH not in str(error):
                raise
    return call()


def parse_python(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse(source, filename)``, safe from CPython's AST race on a thread."""
    return despite_ast_race(lambda: ast.parse(source, filename))
