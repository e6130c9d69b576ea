"""``@task`` on methods, bound as Prefect 3 binds them (``Task.__get__``)."""

from __future__ import annotations

import asyncio

from flowtop import Flow, flow, task
from flowtop.engine import Runner
from flowtop.engine.caching import INPUTS


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
    assert bound is not Loader.load and bound.fn.__self__.table == "sales"
    assert Loader.load is Loader.__dict__["load"]  # read from the class: the task itself
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


class Cached:
    def __init__(self, table: str) -> None:
        self.table = table

    @task(cache_policy=INPUTS)
    def load(self, rows: list[int]) -> str:
        return f"{self.table}:{sum(rows)}"

    @task
    @classmethod
    def kind(cls, n: int) -> str:
        return f"{cls.__name__}{n}"

    @flow
    @classmethod
    async def later(cls, n: int = 1) -> str:
        return f"{cls.__name__}-{n}"


def test_two_instances_calls_are_two_cache_keys_and_classmethods_bind_the_class() -> None:
    """`self` was not among the inputs: Cached("b").load([1]) was served "a:1"; `@task
    @classmethod` was refused ("@task needs a function"); an async classmethod flow ran
    as a sync one."""

    @flow
    def pipeline() -> list[str]:
        return [Cached("a").load([1]), Cached("b").load([1]), Cached.kind(2), Cached("x").kind(3)]

    with Runner() as runner:
        assert runner.run(pipeline).value == ["a:1", "b:1", "Cached2", "Cached3"]
    assert asyncio.run(Cached.later(4)) == "Cached-4"
