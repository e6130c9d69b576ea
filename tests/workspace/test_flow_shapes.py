"""Flow shapes: what the TUI knows of a flow without importing it (issue 13 item 3)."""

from __future__ import annotations

from flowtop import Flow, flow, task
from flowtop.engine.flow import Node
from flowtop.engine.layers import Layer
from flowtop.engine.policy import RetryPolicy
from flowtop.workspace.flow_shapes import ShapeMaker, shapes_from_json, shapes_to_json


def code_policy(flow: Flow, node: Node) -> RetryPolicy:
    return node.task.policy


def test_a_thousand_calls_of_one_task_share_one_policy_and_json_sends_it_once() -> None:
    @task(max_retries=2, retry_delay=[1, 5])
    def fetch(i: int) -> int:
        return i

    other = task(lambda: 0, name="other", max_retries=2, retry_delay=[1, 5])  # alike: shared too
    with Flow("many") as many:
        for i in range(1000):
            fetch(i)
        other()
    shapes = {"many": ShapeMaker(code_policy).shape(many)}
    views = {id(node.policy) for node in shapes["many"].nodes.values()}
    assert len(views) == 1
    data = shapes_to_json(shapes)
    assert len(data["policies"]) == 1
    assert shapes_from_json(data) == shapes  # what the TUI rebuilds is what was sent


def test_a_settings_key_gets_its_own_policy_and_layers_survive_json() -> None:
    @task(max_retries=1)
    def step() -> None:
        pass

    with Flow("pair") as pair:
        step()
        step()

    def policy_for(flow: Flow, node: Node) -> RetryPolicy:
        policy = node.task.policy
        return (
            policy.with_values(Layer.OVERRIDES, max_retries=9) if node.key == "step-2" else policy
        )

    shape = shapes_from_json(
        shapes_to_json({"pair": ShapeMaker(policy_for, lambda f: ["step-2"]).shape(pair)})
    )["pair"]
    first, second = shape.nodes["step"].policy, shape.nodes["step-2"].policy
    assert first.summary.startswith("1×") and second.summary.startswith("9×")
    assert second.layers["max_retries"] == ("9", Layer.OVERRIDES)
    assert second.texts["max_retries"] == "9"


@task(max_retries=4)
def crawl(url: str) -> str:
    return url


@flow
def crawler() -> list[str]:
    return [crawl(u) for u in ("a", "b")]


def test_a_flow_function_has_no_graph_but_a_policy_for_every_key_its_runs_may_use() -> None:
    def policy_for(flow: Flow, node: Node) -> RetryPolicy:
        policy = node.task.policy
        return policy.with_values(Layer.TOML, max_retries=0) if node.key == "crawl-3" else policy

    shape = ShapeMaker(policy_for, lambda f: ["crawl-3"]).shape(crawler)
    assert shape.dynamic and not shape.nodes
    assert shape.node("crawl").policy.summary.startswith("4×")
    assert shape.node("crawl-2").policy.summary.startswith("4×")  # no table: the task's
    assert shape.node("crawl-3").policy.summary.startswith("0×")  # its own table
    assert shape.node("nope") is None


def test_a_policy_that_cannot_be_built_falls_back_to_the_codes() -> None:
    @task(max_retries=3)
    def only() -> None:
        pass

    with Flow("one") as one:
        only()

    def broken(flow: Flow, node: Node) -> RetryPolicy:
        raise ValueError("a settings problem")

    assert ShapeMaker(broken).shape(one).nodes["only"].policy.summary.startswith("3×")


def test_a_flow_function_s_parameters_reach_the_tui_through_json() -> None:
    """What the run form asks for: sent by the flow host as plain data."""
    from flowtop.engine.parameters import ParameterInfo

    @flow(name="scaled")
    def scaled(n: int, factor: float = 0.5) -> float:
        return n * factor

    shapes = {"scaled": ShapeMaker(code_policy).shape(scaled)}
    back = shapes_from_json(shapes_to_json(shapes))["scaled"]
    assert back.parameters == (
        ParameterInfo("n", True, "", "int"),
        ParameterInfo("factor", False, "0.5", "float"),
    )
    assert back.needs_parameters
    static = Flow("static")
    assert ShapeMaker(code_policy).shape(static).parameters == ()
