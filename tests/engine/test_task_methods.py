"""``@task`` on methods, bound as Prefect 3 binds them (``Task.__get__``)."""

from __future__ import annotations

from flowtop import Flow, flow, task
from flowtop.engine import Runner


class Loader:
    def __init__(self, table: str) -> None:
        self.table = table

    @task(max_retries=1)
    def load(self, rows: list[int]) -> str:
        return f"{self.table}:{sum(rows)}"

    @task
    @staticmethod
    def double(x: int) -> int:
        return 2 * x


def test_a_task_method_read_from_an_instance_gets_it_as_self() -> None:
    """It said "task 'load': missing a required argument: 'rows'" at the call."""

    @flow
    def pipeline() -> list[object]:
        loader = Loader("orders")
        return [loader.load([3, 4]), loader.load.submit([5]).result(), loader.double(4)]

    with Runner() as runner:
        assert runner.run(pipeline).value == ["orders:7", "orders:5", 8]


def test_a_bound_task_keeps_its_options_and_the_class_keeps_the_task() -> None:
    bound = Loader("sales").load
    assert bound is not Loader.load and Loader.load.fn is Loader.__dict__["load"].fn
    assert bound.policy == Loader.load.policy and bound.name == "load"
    with Flow("static") as static:
        Loader("sales").load([1, 2])
    with Runner() as runner:
        assert runner.run(static).states["load"].result == "sales:3"


class Report:
    def __init__(self, region: str) -> None:
        self.region = region

    @flow
    def build(self, day: int = 1) -> str:
        return f"{self.region}-{day}"

    @flow
    @classmethod
    def named(cls, day: int = 2) -> str:
        return f"{cls.__name__}-{day}"


def test_a_flow_method_and_a_flow_classmethod_are_bound_as_in_prefect() -> None:
    """`Report("eu").build(3)` said "missing 'self'"; `@flow @classmethod`, "'classmethod'
    object is not callable" (the docs' write-and-run example)."""
    assert Report("eu").build(3) == "eu-3"
    assert Report.named() == "Report-2" and Report("eu").named(5) == "Report-5"
    assert Report("us").build(return_state=True).result() == "us-1"
