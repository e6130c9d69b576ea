"""A ``Flow`` node its function cannot be called with is refused once the flow is
defined, naming the flow, the task and the line that added it.

``flow.add_task(b)`` of ``def b(x)`` with no ``keyword_tasks`` for ``x`` was accepted:
the run started, ran ``b``'s upstream tasks, and then failed ``b`` with "b() missing 1
required positional argument: 'x'". A parameter the graph fills (``keyword_tasks``, a
result passed in a ``with Flow`` call) is bound as given, as before.
"""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path
from typing import Any

import pytest

from flowtop import Flow, task
from flowtop.engine.flow import ArgumentsRefused
from flowtop.engine.runner import Runner
from flowtop.workspace.loader import Loader

THIS_FILE = Path(__file__).name
ran: list[str] = []


@task
def a() -> int:
    ran.append("a")
    return 1


@task
def b(x: int) -> int:
    ran.append("b")
    return x


@task
def show(value: Any) -> Any:
    return value


@pytest.fixture(autouse=True)
def nothing_ran_yet() -> None:
    ran.clear()


def line_of(text: str) -> int:
    """The line of this file holding ``text`` (the line a refusal must name)."""
    lines = Path(__file__).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_a_task_added_without_its_argument_is_refused_before_anything_runs() -> None:
    flow = Flow("unbound")
    flow.add_task(a)
    flow.add_task(b)  # the refused line
    flow.set_dependencies(b, upstream_tasks=[a])  # ordering only: gives b no x
    with pytest.raises(ArgumentsRefused) as raised:
        flow.run(workers=2)
    line = line_of("flow.add_task(b)  # the refused line")
    said = str(raised.value)
    assert said.startswith("flow 'unbound': task 'b' (added at ")
    assert said.endswith(
        f"{THIS_FILE}, line {line}): missing a required argument: 'x'; the function is b(x: 'int') -> 'int';"
        " upstream_tasks only order tasks: pass results with set_dependencies('b',"
        " keyword_tasks={'x': …}), or call the task with its arguments inside a"
        " `with Flow` block"
    )
    assert isinstance(raised.value, TypeError)
    assert (raised.value.line, Path(raised.value.file or "").name) == (line, THIS_FILE)
    assert ran == []  # refused before a runs, not when b's attempt fails


def test_a_runner_refuses_it_too_and_so_does_every_later_run() -> None:
    flow = Flow("unbound-runner")
    flow.set_dependencies(b, upstream_tasks=[a])  # adds b here, with no arguments
    with Runner(workers=2) as runner:
        for _ in range(2):
            with pytest.raises(ArgumentsRefused, match="missing a required argument: 'x'"):
                runner.run(flow)
    assert ran == []


def test_a_task_passed_as_an_argument_in_a_with_flow_block_is_bound_too() -> None:
    """``show(b)`` adds ``b`` itself as a node (its result is ``show``'s argument)."""
    with Flow("task-as-argument") as flow:
        show(b)
    with pytest.raises(ArgumentsRefused, match=r"task 'b' \(added at .*: missing a required"):
        flow.check_arguments()


def test_add_call_binds_its_arguments() -> None:
    flow = Flow("add-call")
    flow.add_call(b, (1, 2), {})
    with pytest.raises(ArgumentsRefused, match=r"task 'b' .*: too many positional arguments"):
        flow.run()
    assert ran == []


def test_keyword_tasks_given_after_add_task_fill_the_argument() -> None:
    """Bound once the flow is complete: ``add_task`` first, ``keyword_tasks`` later."""
    flow = Flow("filled-later")
    flow.add_task(b)
    with pytest.raises(ArgumentsRefused):
        flow.check_arguments()  # b as it stands has no x
    flow.set_dependencies(b, keyword_tasks={"x": a})
    assert flow.run(workers=2)["b"].result == 1


def test_the_loader_refuses_the_file_at_the_line_that_added_the_task(tmp_path: Path) -> None:
    (tmp_path / "unbound.py").write_text(
        textwrap.dedent(
            """\
            from flowtop import Flow, task


            @task
            def a():
                return 1


            @task
            def b(x, y=0):
                return x


            flow = Flow("unbound")
            flow.add_task(a)
            flow.add_task(b)
            flow.set_dependencies(b, upstream_tasks=[a])
            """
        ),
        encoding="utf-8",
    )
    loader = Loader(tmp_path)
    try:
        outcome = loader.load_all()
    finally:
        loader.deactivate()
    [error] = outcome.errors
    assert (error.path.name, error.line) == ("unbound.py", 16)
    assert error.message.startswith(
        "TypeError: flow 'unbound': task 'b' (added at "
    ) and error.message.endswith(
        "unbound.py, line 16): missing a required argument: 'x'; the function is b(x, y=0);"
        " upstream_tasks only order tasks: pass results with set_dependencies('b',"
        " keyword_tasks={'x': …}), or call the task with its arguments inside a"
        " `with Flow` block"
    )
    assert "unbound" not in loader.flows


@task
def scaled(x: int, *, factor: int = 2) -> int:
    return x * factor


def test_a_call_in_a_with_flow_block_binds_its_arguments_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The call binds them (``Task.check_call``, a refusal in the flow's own line); the
    flow's check once it is complete (``check_arguments``) bound them again."""
    binds: list[tuple[Any, ...]] = []
    real_bind = inspect.Signature.bind

    def counted(self: inspect.Signature, *args: Any, **kwargs: Any) -> inspect.BoundArguments:
        binds.append(args)
        return real_bind(self, *args, **kwargs)

    monkeypatch.setattr(inspect.Signature, "bind", counted)
    with Flow("bound-once") as flow:
        scaled(a(), factor=3)  # a keyword: no shortcut, the call binds (``a()`` needs none)
    flow.check_arguments()
    assert len(binds) == 1
    assert flow.run(workers=2)["scaled"].result == 3
