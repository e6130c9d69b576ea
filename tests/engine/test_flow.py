"""Building flows both ways (SPEC §2) and refusing broken ones before they reach the runner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from flowtop import Flow, task


@task
def extract() -> list[int]:
    return [1, 2, 3]


@task
def double(values: list[int]) -> list[int]:
    return [v * 2 for v in values]


@task
def total(values: list[int], *, offset: int = 0) -> int:
    return sum(values) + offset


def test_functional_block_passes_results() -> None:
    with Flow("etl") as flow:
        raw = extract()
        doubled = double(raw)
        total(doubled, offset=100)

    assert list(flow.nodes) == ["extract", "double", "total"]
    assert flow.nodes["total"].upstream == ["double"]
    result = flow.run()
    assert result["double"].result == [2, 4, 6]
    assert result["total"].result == 112


def test_calling_a_task_twice_gives_numbered_keys() -> None:
    with Flow("twice") as flow:
        a = extract()
        double(a)
        double(double(a))

    assert list(flow.nodes) == ["extract", "double", "double-2", "double-3"]
    assert flow.run()["double-3"].result == [4, 8, 12]


def test_keyword_arguments_carry_results_too() -> None:
    @task
    def combine(*, left: list[int], right: list[int]) -> list[int]:
        return left + right

    with Flow("kw") as flow:
        combine(left=extract(), right=double(extract()))

    assert flow.nodes["combine"].upstream == ["extract", "double"]
    assert flow.nodes["double"].upstream == ["extract-2"]
    assert flow.run()["combine"].result == [1, 2, 3, 2, 4, 6]


def test_block_does_not_leak_outside() -> None:
    with Flow("inner"):
        pass
    assert double([1]) == [2]


def test_add_task_is_idempotent_and_explicit_keys_must_be_unique() -> None:
    flow = Flow("f")
    first = flow.add_task(extract)
    assert flow.add_task(extract) is first
    second = flow.add_task(extract, key="extract-again")
    assert second.key == "extract-again"
    with pytest.raises(ValueError, match=r"flow 'f': duplicate task key 'extract-again'"):
        flow.add_task(extract, key="extract-again")


def test_add_task_refuses_a_plain_function() -> None:
    with pytest.raises(TypeError, match=r"flow 'f': add_task needs a @task"):
        Flow("f").add_task(print)  # type: ignore[arg-type]


def test_upstream_tasks_only_order_and_keyword_tasks_pass_results() -> None:
    order: list[str] = []

    @task
    def first() -> str:
        order.append("first")
        return "first-result"

    @task
    def second(*args: object, **kwargs: object) -> tuple:
        order.append("second")
        return args, kwargs

    @task
    def third(data: str) -> str:
        order.append("third")
        return data.upper()

    flow = Flow("imperative")
    flow.set_dependencies(second, upstream_tasks=[first])
    flow.set_dependencies(third, upstream_tasks=[second], keyword_tasks={"data": first})

    result = flow.run(workers=4)
    assert order == ["first", "second", "third"]
    assert result["second"].result == ((), {})  # ordering only, nothing passed
    assert result["third"].result == "FIRST-RESULT"
    assert flow.nodes["third"].upstream == ["second", "first"]


def test_set_dependencies_accepts_keys() -> None:
    flow = Flow("f")
    flow.add_task(extract)
    flow.add_task(double)
    flow.set_dependencies("double", keyword_tasks={"values": "extract"})
    assert flow.run()["double"].result == [2, 4, 6]


@pytest.mark.parametrize("where", ["task", "upstream", "keyword"])
def test_unknown_task_names_are_refused_naming_the_key(where: str) -> None:
    flow = Flow("f")
    flow.add_task(extract)
    kwargs = {
        "task": {"task": "nope"},
        "upstream": {"task": "extract", "upstream_tasks": ["nope"]},
        "keyword": {"task": "extract", "keyword_tasks": {"x": "nope"}},
    }[where]
    with pytest.raises(ValueError, match=r"flow 'f': .*unknown task 'nope'"):
        flow.set_dependencies(**kwargs)


def test_non_task_dependency_is_a_type_error() -> None:
    flow = Flow("f")
    with pytest.raises(TypeError, match="upstream_tasks must hold tasks"):
        flow.set_dependencies(extract, upstream_tasks=[42])  # type: ignore[list-item]


def test_cycle_is_refused_naming_the_cycle_and_leaves_the_flow_intact() -> None:
    @task
    def a() -> None: ...

    @task
    def b() -> None: ...

    @task
    def c() -> None: ...

    flow = Flow("loop")
    flow.set_dependencies(b, upstream_tasks=[a])
    flow.set_dependencies(c, upstream_tasks=[b])
    with pytest.raises(ValueError, match=r"flow 'loop': dependency cycle") as info:
        flow.set_dependencies(a, upstream_tasks=[c])
    message = str(info.value)
    assert all(name in message for name in ("a", "b", "c"))
    assert message.count("->") == 3
    assert flow.nodes["a"].upstream == []  # the refused edge was not added
    assert flow.run().is_completed()


def test_self_dependency_is_a_cycle() -> None:
    flow = Flow("self")
    with pytest.raises(ValueError, match=r"dependency cycle extract -> extract"):
        flow.set_dependencies(extract, upstream_tasks=[extract])


@pytest.mark.parametrize("name", ["", "   ", None, 3])
def test_flow_needs_a_name(name: object) -> None:
    with pytest.raises(ValueError, match="Flow name"):
        Flow(name)  # type: ignore[arg-type]


def test_downstream_of() -> None:
    with Flow("d") as flow:
        raw = extract()
        double(raw)
        total(double(raw))
    assert flow.downstream_of(["double"]) == {"double"}
    assert flow.downstream_of(["double-2"]) == {"double-2", "total"}
    assert flow.downstream_of(["extract"]) == set(flow.nodes)


def test_a_result_from_another_flow_is_refused_naming_both() -> None:
    with Flow("a") as first:
        rows = extract()
    with (  # noqa: PT012 - the error comes from inside the flow's with block
        pytest.raises(
            ValueError,
            match=r"flow 'b': task 'double' was given the result of 'extract' of flow 'a'",
        ),
        Flow("b") as second,
    ):
        extract()  # a task of the same name here must not silently take its place
        double(rows)
    assert list(second.nodes) == ["extract"]
    with pytest.raises(
        ValueError, match=r"flow 'c': upstream_tasks was given the result of 'extract' of flow 'a'"
    ):
        Flow("c").set_dependencies(double, upstream_tasks=[rows])
    assert first.run()["extract"].result == [1, 2, 3]


def test_a_node_from_another_flow_is_refused() -> None:
    other = Flow("other")
    foreign = other.add_task(extract)
    flow = Flow("mine")
    flow.add_task(extract)  # same key, different node
    with pytest.raises(
        ValueError, match=r"flow 'mine': upstream_tasks was given node 'extract', not a task"
    ):
        flow.set_dependencies(double, upstream_tasks=[foreign])
    with (
        pytest.raises(
            ValueError, match=r"flow 'mine': argument node 'extract' is not a task of this flow"
        ),
        flow,
    ):
        double(foreign)
    own = flow.nodes["extract"]
    flow.set_dependencies(double, upstream_tasks=[own])
    assert flow.nodes["double"].upstream == ["extract"]


@pytest.mark.parametrize(
    ("use", "words"),
    [
        (lambda r: r + 1, "cannot do arithmetic with"),
        (lambda r: 2 * r, "cannot do arithmetic with"),
        (lambda r: r > 3, "cannot compare"),
        (lambda r: r[0], "cannot index"),
        (lambda r: tuple(r), "cannot iterate over or unpack"),
        (lambda r: len(r), "cannot take len() of"),
    ],
)
def test_using_a_result_before_the_flow_runs_says_so_naming_the_task(
    use: Callable[[Any], object], words: str
) -> None:
    with Flow("early") as flow, pytest.raises(TypeError) as raised:
        use(extract())
    assert str(raised.value).startswith(
        f"{words} the result of task 'extract' inside a `with Flow`"
    )
    assert list(flow.nodes) == ["extract"]  # the flow is as it was; only that line failed


def test_each_task_s_state_is_stamped_when_it_took_that_state() -> None:
    """Every final State carried the run's end as its timestamp; each is the time of
    the task's own last state change, as its event says."""
    from flowtop.engine import Runner
    from flowtop.engine.events import TaskStateChanged

    events: list[object] = []
    with Flow("stamps") as flow:
        total(double(extract()))
    with Runner(2, sinks=[events.extend]) as runner:
        result = runner.run(flow)
        assert runner.bus.flush(5)
    last = {e.task: e.ts for e in events if isinstance(e, TaskStateChanged)}
    assert {key: result[key].timestamp for key in last} == last
    assert result["extract"].timestamp <= result["double"].timestamp <= result["total"].timestamp
