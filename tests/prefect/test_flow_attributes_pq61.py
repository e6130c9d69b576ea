"""Prefect's ``flow.isgenerator`` (a task had it, a ``@flow`` had not: AttributeError),
and ``flow.visualize()`` called from Python, which said nothing clear (an
``AttributeError``): now one line naming the flow, that flowtop draws no graph and where
a run's tasks are seen instead."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from flowtop import flow
from flowtop.compat.prefect_flows import flow as prefect_flow
from flowtop.engine.errors import NotInFlowtop


@pytest.mark.parametrize("make", [flow, prefect_flow], ids=["flowtop", "drop-in"])
def test_a_flow_says_whether_it_is_a_generator_as_prefect_s_does(make: object) -> None:
    def plain() -> int:
        return 1

    def gen() -> Iterator[int]:
        yield 1

    async def agen() -> AsyncIterator[int]:
        yield 1

    async def coro() -> int:
        return 1

    made = {fn.__name__: make(fn) for fn in (plain, gen, agen, coro)}  # type: ignore[operator]
    said = {name: made_flow.isgenerator for name, made_flow in made.items()}
    assert said == {"plain": False, "gen": True, "agen": True, "coro": False}
    assert made["gen"].with_options(name="again").isgenerator is True


@pytest.mark.parametrize("make", [flow, prefect_flow], ids=["flowtop", "drop-in"])
def test_visualize_called_from_python_names_the_flow_and_what_to_do(make: object) -> None:
    def hello_world() -> int:
        return 1

    made = make(name="Hello Flow")(hello_world)  # type: ignore[operator]
    with pytest.raises(NotInFlowtop) as raised:
        made.visualize()
    said = str(raised.value)
    assert said.startswith("flow 'Hello Flow': .visualize() is not available in flowtop"), said
    assert "draws the flow's graph" in said and "flowtop draws none" in said, said
    assert "monitor" in said, said
    with pytest.raises(NotImplementedError):  # (what Prefect code may catch)
        made.with_options(name="copy").visualize(1, x=2)
