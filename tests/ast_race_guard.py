"""pytest's own failure reports, safe from CPython's AST race (``flowtop.engine.ast_race``).

To show a failing test's source, pytest parses the test's file on the main thread. On
CPython before 3.11.8, a parse on another thread landing inside it (a task of a flow the
test left running, formatting its traceback) made that parse raise ``SystemError: AST
constructor recursion depth mismatch``, and pytest stopped the whole run with an
INTERNALERROR (seen in CI, reporting an expected failure). Only the module pytest
parses with sees the retrying ``parse``: the tests of flowtop's own guard keep the real one.
"""

from __future__ import annotations

import ast
import types
from typing import Any

from flowtop.engine.ast_race import parse_python


class _RetryingAst(types.ModuleType):
    """The ``ast`` module, with a ``parse`` that tries again after the race."""

    def __init__(self) -> None:
        super().__init__("ast")

    def __getattr__(self, name: str) -> Any:
        return getattr(ast, name)

    @staticmethod
    def parse(source: str | bytes, filename: str = "<unknown>", mode: str = "exec") -> Any:
        if mode == "exec":
            return parse_python(source, filename)
        return ast.parse(source, filename, mode)


def guard_pytest_source_parsing() -> None:
    """Let pytest's source module parse through ``_RetryingAst``."""
    import _pytest._code.source

    if getattr(_pytest._code.source, "ast", None) is ast:
        _pytest._code.source.ast = _RetryingAst()  # type: ignore[assignment]
