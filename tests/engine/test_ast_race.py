"""flowtop parses flow files and formats tracebacks despite CPython 3.11's AST race.

Before CPython 3.11.8 the AST constructor's recursion counter was shared by every parse in
the interpreter (CPython gh-106905): a parse that another parse ran into midway (another
thread's, after a garbage collection let it run) raised ``SystemError: AST constructor
recursion depth mismatch``. Two tasks failing at once on two worker threads (tracebacks
parse each line for their ``^^^`` markers) could record flowtop's own ``SystemError`` as a
task's failure, and a flow file loading beside another could read as broken. Here the
other parse runs from a garbage-collection callback: the same collision, made certain.
"""

from __future__ import annotations

import ast
import gc
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ast_race_guard import guard_pytest_source_parsing
from flowtop.engine.ast_race import despite_ast_race, parse_python
from flowtop.engine.records import format_traceback
from flowtop.workspace.flow_source import parse_source

#: 3.11.8 and 3.12.2 gave each parse its own counter.
RACY_PYTHON = sys.version_info < (3, 11, 8) or (3, 12) <= sys.version_info < (3, 12, 2)
SOURCE = "\n".join(f"a{i} = [{i}, {i} + 1, f({i})]" for i in range(200))


@contextmanager
def another_parse_midway() -> Iterator[None]:
    """The third garbage collection from here runs a parse of its own: inside the next
    parse's conversion, which collects many times over (the threshold is low)."""
    collections = 0

    def parse_once(phase: str, info: dict[str, Any]) -> None:
        nonlocal collections
        if phase == "start":
            collections += 1
            if collections == 3:
                ast.parse("x = 1")

    threshold = gc.get_threshold()
    gc.callbacks.append(parse_once)
    gc.set_threshold(50)
    try:
        yield
    finally:
        gc.callbacks.remove(parse_once)
        gc.set_threshold(*threshold)


@pytest.mark.skipif(not RACY_PYTHON, reason="this Python gives each parse its own counter")
def test_the_collision_raises_on_this_python() -> None:
    """What the tests below guard against, shown happening (else they would prove nothing)."""
    with another_parse_midway(), pytest.raises(SystemError, match="recursion depth mismatch"):
        ast.parse(SOURCE)


def test_parse_python_tries_again() -> None:
    with another_parse_midway():
        tree = parse_python(SOURCE, "flow.py")
    assert len(tree.body) == 200


def test_a_flow_file_reads_despite_the_collision(tmp_path: Path) -> None:
    with another_parse_midway():
        tree = parse_source(tmp_path / "flow.py", SOURCE)
    assert len(tree.body) == 200


def test_pytest_reports_failures_despite_the_collision() -> None:
    """pytest shows a failing test's source by parsing its file (``tests/conftest.py`` hands
    its source module the retrying parse)."""
    import _pytest._code.source

    guard_pytest_source_parsing()
    with another_parse_midway():
        tree, _start, _end = _pytest._code.source.getstatementrange_ast(
            150, _pytest._code.source.Source(SOURCE)
        )
    assert isinstance(tree, ast.Module)


def test_a_task_failure_is_formatted_despite_the_collision(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The collision inside a traceback's formatting (where a parse places the ``^^^``
    markers) made the failure's record flowtop's own ``SystemError``."""
    format_stack = traceback.StackSummary.format
    collided = []

    def collide_once(self: traceback.StackSummary) -> list[str]:
        if not collided:
            collided.append(True)
            raise SystemError("AST constructor recursion depth mismatch (before=144, after=36)")
        return format_stack(self)

    monkeypatch.setattr(traceback.StackSummary, "format", collide_once)

    def fails_at_a_line_of_its_own() -> None:
        raise ValueError("flaky api")

    try:
        fails_at_a_line_of_its_own()
    except ValueError as exc:
        text = format_traceback(exc)
    assert collided
    assert "in fails_at_a_line_of_its_own" in text
    assert text.endswith("ValueError: flaky api\n")


def test_another_system_error_is_raised_at_once() -> None:
    calls = []

    def broken() -> None:
        calls.append(True)
        raise SystemError("something else")

    with pytest.raises(SystemError, match="something else"):
        despite_ast_race(broken)
    assert len(calls) == 1
