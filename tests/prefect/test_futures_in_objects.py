"""Futures inside a dataclass or a pydantic model given to a task are resolved, as Prefect's
``visit_collection`` resolves them: the docs' own example gave the task the future itself,
and completed with the wrong value and no error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from flowtop import flow, task
from flowtop.engine import Runner


@dataclass
class Params:
    rate: Any = None


@dataclass(frozen=True)
class Frozen:
    rate: Any
    more: list[Any]

    def __post_init__(self) -> None:  # runs for the caller's object, never for a copy
        assert self.more is not None


@task
def get_rate() -> float:
    return 100.0


@task
def show(value: object) -> str:
    return repr(value)


def test_a_future_inside_a_dataclass_is_its_result() -> None:
    @flow
    def pipeline() -> list[str]:
        rate = get_rate.submit()
        given = Params(rate)
        shown = [show(given), show(Frozen(rate, [rate, 1])), show([Params(rate)])]
        assert given.rate is rate  # the caller's object is not changed
        return shown

    with Runner() as runner:
        result = runner.run(pipeline)
    assert result.value == [
        "Params(rate=100.0)",
        "Frozen(rate=100.0, more=[100.0, 1])",
        "[Params(rate=100.0)]",
    ]
    assert set(result.flow.known_nodes["show"].upstream) == {"get_rate"}  # waited for it


@dataclass
class Lazy:
    rate: Any
    cache: dict[str, Any] = field(init=False, repr=False)  # never assigned


def test_a_dataclass_with_a_field_never_set_is_passed_and_resolved() -> None:
    """Looking at its fields raised AttributeError for the unset one: every call failed."""

    @flow
    def pipeline() -> list[int]:
        plain, given = Lazy(5), Lazy(get_rate.submit())
        return [int(show.fn(plain) == repr(plain)), int(show(given) == "Lazy(rate=100.0)")]

    with Runner() as runner:
        assert runner.run(pipeline).value == [1, 1]


def test_a_future_inside_a_pydantic_model_is_its_result() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Model(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        rate: Any
        tag: str = "x"

    @flow
    def pipeline() -> str:
        return str(show(Model(rate=get_rate.submit())))

    with Runner() as runner:
        assert runner.run(pipeline).value == "Model(rate=100.0, tag='x')"
