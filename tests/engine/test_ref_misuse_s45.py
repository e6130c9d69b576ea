"""A task's result used as a value inside a ``with Flow`` block is refused where it is used,
and ``set_dependencies`` binds its ``keyword_tasks`` as a call binds its arguments.

``fetch(f"/sales/{one()}")`` ran with the text "/sales/Ref(key='one')" and no dependency,
``"big" if r == 1 else "small"`` always chose "small", ``if r:`` blamed ``len()``, and
``r.get("a")`` named a class ``Ref`` the author never wrote. ``keyword_tasks={"y": a}``
of ``def b(x)`` failed in every attempt instead of where the flow is defined.
"""

from __future__ import annotations

import copy
import pickle
import textwrap
from pathlib import Path
from typing import Any

import pytest

from flowtop import Flow, task
from flowtop.engine.graph import Ref
from flowtop.workspace.loader import Loader


@task
def one() -> Any:
    return {"a": 1}


@task
def show(value: Any) -> Any:
    return value


@task
def pair(x: Any, y: Any) -> Any:
    return (x, y)


MISUSES: dict[str, tuple[str, str]] = {
    "f-string": ('show(f"/sales/{r}")', "turn the result of task 'one' into text"),
    "str() in +": ('show("/x/" + str(r))', "turn the result of task 'one' into text"),
    "%": ('show("%s" % r)', "turn the result of task 'one' into text"),
    "format()": ('show("{}".format(r))', "turn the result of task 'one' into text"),
    "==": ('show("big" if r == 1 else "small")', "compare the result of task 'one'"),
    "!=": ("show(r != 1)", "compare the result of task 'one'"),
    "in a list": ("show(1 in [r])", "compare the result of task 'one'"),
    "if": ("if r:\n    show(1)", "use the result of task 'one' as true or false"),
    "and": ("show(r and 1)", "use the result of task 'one' as true or false"),
    "not": ("show(not r)", "use the result of task 'one' as true or false"),
    ".get": ('show(r.get("a"))', "use .get on the result of task 'one'"),
    "in": ('show("a" in r)', "look into the result of task 'one' with `in`"),
    "len": ("show(len(r))", "take len() of the result of task 'one'"),
    "int": ("show(int(r))", "use the result of task 'one' as a number"),
    "float": ("show(float(r))", "use the result of task 'one' as a number"),
    "list index": ("show([1, 2][r])", "use the result of task 'one' as a number"),
    "range": ("show(list(range(r)))", "use the result of task 'one' as a number"),
    "<": ("show(r < 1)", "compare the result of task 'one'"),
    ">= reflected": ("show(1 <= r)", "compare the result of task 'one'"),
    "unpack": ("a, b = r", "iterate over or unpack the result of task 'one'"),
    "for": ("for item in r:\n    show(item)", "iterate over or unpack the result of task 'one'"),
    "|": ("show(r | {})", "use a bitwise operator (&, |, ^, ~) on the result of task 'one'"),
    "call": ("show(r())", "call the result of task 'one'"),
    "item assignment": ('r["a"] = 2', "assign an item of the result of task 'one'"),
    "+ (as before)": ("show(r + 1)", "do arithmetic with the result of task 'one'"),
}


@pytest.mark.parametrize("name", sorted(MISUSES))
def test_a_result_used_as_a_value_in_the_block_is_refused_saying_what_and_how(name: str) -> None:
    code, what = MISUSES[name]
    with Flow("misuse") as flow, pytest.raises((TypeError, AttributeError)) as raised:
        exec(code, {"r": one(), "show": show})
    message = str(raised.value)
    assert message.startswith(f"cannot {what}"), message
    assert "inside a `with Flow` block: it exists only when the flow runs; " in message
    assert "Ref" not in message  # a class the author never wrote
    assert "show" not in flow.nodes  # nothing was added with a misleading argument


def test_a_condition_on_a_result_says_to_decide_in_a_task_or_a_flow_function() -> None:
    with Flow("choose"), pytest.raises(TypeError) as raised:
        show("big" if bool(one()) else "small")
    assert str(raised.value).endswith(
        "to choose what runs from a result, decide inside a task, or write a @flow"
        " function, where task results are values"
    )


def test_a_result_keeps_what_flowtop_and_debugging_need() -> None:
    """repr (tracebacks, debuggers), equality and hashing between results (nodes'
    arguments are compared, refs kept in sets), copy, pickle, and the lookups of
    private and dunder names that ``copy``, ``pickle`` and rich make."""
    with Flow("kept") as flow:
        r, again = one(), one()
    assert repr(r) == "Ref(key='one')" and f"{r!r}" == "Ref(key='one')"
    assert r == copy.copy(r) and r.flow is copy.copy(r).flow is flow
    alone = Ref("one")  # a @flow run's (a static flow's refs hold their flow)
    assert alone == r == copy.deepcopy(alone) == pickle.loads(pickle.dumps(alone))
    assert r != again and hash(r) == hash(copy.copy(r)) and len({r, copy.copy(r)}) == 1
    assert getattr(r, "__rich__", None) is None and not hasattr(r, "_fields")
    assert not hasattr(r, "get")  # an AttributeError: getattr(r, "x", default) works
    assert r.key == "one" and r.flow is flow


def test_a_flow_of_refs_in_a_set_runs_with_their_results() -> None:
    @task
    def number(n: int) -> int:
        return n

    @task
    def total(values: set[int]) -> int:
        return sum(values)

    with Flow("set-of-results") as flow:
        added = total({number(1), number(2)})
    assert flow.run(workers=2)[added.key].result == 3


@task
def a() -> int:
    return 1


@task
def b(x: int) -> int:
    return x


@task
def c(x: int, z: int = 0) -> int:
    return x + z


def test_keyword_tasks_the_function_does_not_take_are_refused_when_the_flow_is_defined() -> None:
    flow = Flow("missing-kw")
    with pytest.raises(TypeError) as raised:
        flow.set_dependencies(b, keyword_tasks={"y": a})
    assert str(raised.value) == (
        "flow 'missing-kw': set_dependencies of task 'b': got an unexpected keyword"
        " argument 'y'; the function is b(x: 'int') -> 'int'"
    )
    assert flow.nodes["b"].upstream == [] and flow.nodes["b"].kwargs == {}  # left as it was


def test_a_required_argument_left_out_of_keyword_tasks_is_refused() -> None:
    flow = Flow("missing-x")
    with pytest.raises(TypeError, match=r"missing a required argument: 'x'.* in one call$"):
        flow.set_dependencies(pair, keyword_tasks={"y": a})


def test_an_argument_given_twice_is_refused() -> None:
    with Flow("twice") as flow:
        node = show(a())
    with pytest.raises(TypeError, match="multiple values for argument 'value'"):
        flow.set_dependencies(node.key, keyword_tasks={"value": a})


def test_keyword_tasks_that_fit_and_ordering_alone_are_accepted_and_run() -> None:
    flow = Flow("fits")
    flow.set_dependencies(b, upstream_tasks=[a])  # ordering only: not bound
    flow.set_dependencies(b, keyword_tasks={"x": a})
    flow.set_dependencies(c, keyword_tasks={"x": b})  # z has a default
    result = flow.run(workers=2)
    assert (result["b"].result, result["c"].result) == (1, 1)


def test_the_loader_names_the_line_of_a_misuse(tmp_path: Path) -> None:
    (tmp_path / "ref2.py").write_text(
        textwrap.dedent(
            """\
            from flowtop import Flow, task


            @task
            def one():
                return "eu"


            @task
            def fetch(path):
                return path


            with Flow("ref2") as f:
                fetch(f"/sales/{one()}")
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "kw.py").write_text(
        "from flowtop import Flow, task\n\n\n@task\ndef a():\n    return 1\n\n\n"
        "@task\ndef b(x):\n    return 2\n\n\nflow = Flow('kw')\n"
        "flow.set_dependencies(b, keyword_tasks={'y': a})\n",
        encoding="utf-8",
    )
    loader = Loader(tmp_path)
    try:
        outcome = loader.load_all()
    finally:
        loader.deactivate()
    said = sorted(f"{error.path.name}:{error.line}: {error.message}" for error in outcome.errors)
    assert said == [
        "kw.py:15: TypeError: flow 'kw': set_dependencies of task 'b': got an unexpected"
        " keyword argument 'y'; the function is b(x)",
        "ref2.py:15: TypeError: cannot turn the result of task 'one' into text (str(), an"
        " f-string, %) inside a `with Flow` block: it exists only when the flow runs;"
        " pass it to a task that does this",
    ]
