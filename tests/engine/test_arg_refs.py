"""The futures in a ``@flow`` task call's arguments, found as before in one walk of each.

What the walk finds (the call's upstream, refs nested inside containers, ``allow_failure``
keys) and what the task is given are pinned for nested structures; and the walk reads an
argument once per call: it read each one three times (making the refs, finding them, then
again to ask whether one was nested), 1.7–2.9 s per million list items.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from typing import Any

from flowtop import allow_failure, flow, opaque, quote, task, unmapped
from flowtop.engine import Runner
from flowtop.engine.graph import Node, Ref, fields_of, find_refs

Point = namedtuple("Point", "x y")


@dataclass
class Params:
    rate: Any
    label: str = "p"


class Items(list[Any]):
    """A list subclass: given to the task as a plain list, as before."""


@task
def number(x: int) -> int:
    return x


@task
def show(*args: Any, **kwargs: Any) -> str:
    return repr((args, kwargs))


def _node_of_each_call(body: Any) -> tuple[dict[str, Node], dict[str, frozenset[str]], Any]:
    """Run ``body`` (a flow whose futures are ``number(1)`` as "number" and ``number(2)``
    as "number-2"): its nodes by key, their ``allow_failure`` keys, and its value."""
    with Runner() as runner:
        run = runner.start(flow(body, name="walked"))
        result = run.final_result(10)
        assert result.is_completed(), result.error
        return dict(run.flow.known_nodes), dict(run._tolerant), result.value


def test_refs_nested_in_containers_dataclasses_and_annotations_are_found_as_before() -> None:
    inline = number.submit(9)  # outside any flow: run at once, given as its result

    def body() -> list[str]:
        a, b = number.submit(1), number.submit(2)
        c = number.submit(3)
        return [
            show(a),  # show
            show([a, (b, {"k": a, "n": None})], key=[1, "x"]),  # show-2
            show(Point(a, 1), Params(b), Items([a, 2])),  # show-3
            show([[[[a]]]], [[[[[b]]]]]),  # show-4: the fifth level is not looked into
            show(quote([a]), opaque([b]), opaque(a), unmapped([b])),  # show-5
            show(allow_failure([a, (b,)]), c),  # show-6
            show({a}, frozenset([b])),  # show-7
            show([inline], {"i": (inline,)}),  # show-8
        ]

    nodes, tolerant, value = _node_of_each_call(body)
    ra, rb = Ref("number"), Ref("number-2")
    expected: dict[str, tuple[tuple[Any, ...], dict[str, Any], list[str], frozenset[int | str]]] = {
        "show": ((ra,), {}, ["number"], frozenset()),
        "show-2": (
            ([ra, (rb, {"k": ra, "n": None})],),
            {"key": [1, "x"]},
            ["number", "number-2"],
            frozenset({0}),
        ),
        "show-3": (
            (Point(ra, 1), Params(rb), [ra, 2]),
            {},
            ["number", "number-2"],
            frozenset({0, 1, 2}),
        ),
        "show-4": (([[[[ra]]]], nodes["show-4"].args[1]), {}, ["number"], frozenset({0})),
        "show-6": (
            ([ra, (rb,)], Ref("number-3")),
            {},
            ["number", "number-2", "number-3"],
            frozenset({0}),
        ),
        "show-8": (([9], {"i": (9,)}), {}, [], frozenset()),
    }
    for key, (args, kwargs, upstream, nested) in expected.items():
        node = nodes[key]
        assert (node.args, node.kwargs, node.upstream, node.nested) == (
            args,
            kwargs,
            upstream,
            nested,
        ), key
    assert type(nodes["show-3"].args[2]) is list  # the subclass was given as a plain list
    deepest = nodes["show-4"].args[1][0][0][0][0][0]
    assert type(deepest).__name__ == "TaskFuture"  # given as it was, not waited for
    quoted, searched_not, resolved, unwrapped = nodes["show-5"].args
    assert type(quoted[0]).__name__ == "TaskFuture" and quoted[0].key == "number"
    assert type(searched_not[0]).__name__ == "TaskFuture" and searched_not[0].key == "number-2"
    assert (resolved, unwrapped) == (ra, [rb])
    assert (nodes["show-5"].upstream, nodes["show-5"].nested) == (
        ["number", "number-2"],
        frozenset({3}),
    )
    assert tolerant == {"show-6": frozenset({"number", "number-2"})}
    for key, refs in (("show-7", ({ra}, frozenset([rb]))),):
        assert nodes[key].args == refs and sorted(nodes[key].upstream) == ["number", "number-2"]
        assert nodes[key].nested == {0, 1}
    assert value[1] == repr((([1, (2, {"k": 1, "n": None})],), {"key": [1, "x"]}))
    assert value[2] == repr(((Point(1, 1), Params(2), [1, 2]), {}))
    assert value[5] == repr((([1, (2,)], 3), {}))


def test_plain_arguments_reach_the_task_as_the_very_objects_given() -> None:
    """As in Prefect (checked with 3.9.1): a container with no future inside reaches the
    task as it is, its type too, so what the task changes in it the flow sees. They were
    copied (a list the task appended to stayed the flow's as it was, every ``is`` false)."""
    given: list[Any] = [1, "a", (2.5, b"b"), {"k": [None, True]}, {3}, Items([4])]
    rows, flat = [(1, "a"), (2, "b")], {"x": 1.5, "y": None}
    got: list[Any] = []

    @task
    def keep(*args: Any, **kwargs: Any) -> None:
        got.extend([*args, kwargs])

    mapping = {"a": given}

    def body() -> None:
        keep(given, rows, flat, Items([5, 6]), mapping=mapping)

    nodes, _, _ = _node_of_each_call(body)
    assert nodes["keep"].upstream == [] and not nodes["keep"].nested
    items, got_rows, got_flat, sub, kwargs = got
    assert items is given and got_rows is rows and got_flat is flat
    assert type(sub) is Items and sub == [5, 6]
    assert kwargs["mapping"] is mapping


@dataclass
class Counted:
    """Counts the reads of its field ``rate``: how often the walk looks inside it (in a
    list that is no field, so a copy the walk made would share it)."""

    rate: Any

    def __post_init__(self) -> None:
        self.reads: list[str] = []

    def __getattribute__(self, name: str) -> Any:
        if name == "rate":
            object.__getattribute__(self, "reads").append(name)
        return object.__getattribute__(self, name)


def test_each_argument_is_looked_into_once_per_call() -> None:
    """A dataclass argument's fields were read by three walks; one look reads them once."""
    one_look = Counted(0)
    fields_of(one_look)
    plain, in_list = Counted(1), Counted(2)

    @task
    def take(*_: Any) -> None:
        pass

    def body() -> None:
        take(plain, [in_list, 3])

    _node_of_each_call(body)
    once = len(one_look.reads)
    assert once > 0
    assert (len(plain.reads), len(in_list.reads)) == (once, once)  # it was (3 * once, 3 * once)


def test_a_with_flow_block_finds_the_refs_nested_in_its_arguments_as_before() -> None:
    a, b, c = Ref("a"), Ref("b"), Ref("c")
    value = [a, (1, {"k": b, "n": [(1, "x")]}), [(2, "y")], Items([c]), [[[b]]], [[[[c]]]]]
    assert [ref.key for ref in find_refs(value)] == ["a", "b", "c", "b"]  # four levels
    assert list(find_refs([(1, "x")] * 3)) == [] and list(find_refs({"k": 1})) == []
