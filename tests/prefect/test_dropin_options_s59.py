"""Prefect 3 drop-in details (s59), each checked against Prefect 3's ``tasks.py`` and
``flows.py``:

- ``@task(result_storage=None)``, ``result_serializer=None`` (and ``on_commit``,
  ``on_rollback``, ``asset_deps``, ``cache_result_in_memory``
  given as None), their ``with_options`` and ``@flow(result_storage=None, …)`` were
  refused (``Prefect option 'result_storage' is not available in flowtop``), where None is
  Prefect's default (its ``with_options``: the default, or the value kept); so is
  ``cache_result_in_memory=True``, which flowtop does. Any other value is refused as before;
- a generator task iterated in a flow body was named ``gen`` (``task_run.name``,
  ``prefect.runtime``, hooks), where Prefect names it as any task run of the flow run,
  ``gen-4a5``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

import pytest

from flowtop import flow as own_flow
from flowtop import task as own_task
from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.context import TaskRunContext
from flowtop.runtime import task_run as runtime_task_run

#: Prefect options flowtop lacks, each with Prefect's default (None but one) and a value
#: flowtop cannot honour.
TASK_DEFAULTS: dict[str, tuple[Any, Any]] = {
    "result_storage": (None, "s3-bucket/results"),
    "result_serializer": (None, "json"),
    "cache_result_in_memory": (True, False),
    "on_commit": (None, [print]),
    "on_rollback": (None, [print]),
    "asset_deps": (None, ["s3://bucket/x"]),
}
FLOW_DEFAULTS = {
    k: TASK_DEFAULTS[k] for k in ("result_storage", "result_serializer", "cache_result_in_memory")
}


def _fn() -> int:
    return 1


def _refused(option: str) -> str:
    return f"Prefect option '{option}' is not available in flowtop"


# -- options given as Prefect's default ----------------------------------------------------
@pytest.mark.parametrize("decorator", [task, own_task], ids=["drop-in", "flowtop"])
@pytest.mark.parametrize("option", sorted(TASK_DEFAULTS))
def test_a_task_takes_prefect_s_default_of_an_option_flowtop_lacks(
    decorator: Callable[..., Any], option: str
) -> None:
    default, _ = TASK_DEFAULTS[option]
    for given in {None, default}:
        made = decorator(**{option: given})(_fn)
        assert made.with_options(**{option: given}).options == made.options
        assert made() == 1


@pytest.mark.parametrize("option", sorted(TASK_DEFAULTS))
def test_a_task_still_refuses_a_value_flowtop_cannot_honour(option: str) -> None:
    _, other = TASK_DEFAULTS[option]
    with pytest.raises(TypeError, match=f"^task '_fn': {_refused(option)}$"):
        task(**{option: other})(_fn)
    with pytest.raises(TypeError, match=f"^task '_fn'.with_options: {_refused(option)}$"):
        task(_fn).with_options(**{option: other})


@pytest.mark.parametrize("decorator", [flow, own_flow], ids=["drop-in", "flowtop"])
@pytest.mark.parametrize("option", sorted(FLOW_DEFAULTS))
def test_a_flow_takes_prefect_s_default_of_an_option_flowtop_lacks(
    decorator: Callable[..., Any], option: str
) -> None:
    default, other = FLOW_DEFAULTS[option]
    for given in {None, default}:
        made = decorator(**{option: given})(_fn)
        assert made.with_options(**{option: given})() == 1
        assert made() == 1
    with pytest.raises(TypeError, match=f"^@flow: {_refused(option)}$"):
        decorator(**{option: other})(_fn)
    with pytest.raises(TypeError, match=_refused(option)):
        decorator(_fn).with_options(**{option: other})


def test_the_result_options_read_back_prefect_s_defaults() -> None:
    made = task(result_storage=None, result_serializer=None)(_fn)
    copy = made.with_options(result_storage=None, cache_result_in_memory=None)
    for each in (made, copy, flow(result_storage=None)(_fn)):
        assert (each.result_storage, each.result_serializer) == (None, None)
        assert each.cache_result_in_memory is True


# -- a generator task's run name in a flow body ------------------------------------------------
GEN = re.compile(r"gen-[0-9a-f]{3}")


def _names() -> tuple[str, str]:
    context = TaskRunContext.get()
    assert context is not None
    return context.task_run.name, str(runtime_task_run.name)


def test_a_generator_task_in_a_flow_body_is_named_as_any_task_run_of_it() -> None:
    hooked: list[str] = []

    @task(on_completion=[lambda task_, task_run, state: hooked.append(task_run.name)])
    def gen(n: int) -> Generator[tuple[str, str]]:
        for _ in range(n):
            yield _names()

    @task(task_run_name="given-{n}")
    def given(n: int) -> Generator[tuple[str, str]]:
        yield _names()

    @flow
    def generating() -> list[tuple[str, str]]:
        return [*gen(2), *gen(1), *given(7)]

    first, again, other, named = generating()
    for name, runtime_name in (first, other):
        assert GEN.fullmatch(name), name
        assert runtime_name == name
    assert again == first  # one task run, its name the same at each value
    assert hooked == [first[0], other[0]]
    assert named == ("given-7", "given-7")
    assert list(gen(1)) == [("gen", "gen")]  # outside any flow: its bare name, as before


def test_an_async_generator_task_in_an_async_flow_body_is_named_so_too() -> None:
    @task
    async def gen() -> AsyncGenerator[tuple[str, str]]:
        yield _names()

    @flow
    async def generating() -> list[tuple[str, str]]:
        return [names async for names in gen()]

    [(name, runtime_name)] = asyncio.run(generating())
    assert GEN.fullmatch(name) and runtime_name == name


def test_flowtop_s_own_generator_task_keeps_its_name_in_a_flow() -> None:
    @own_task
    def gen() -> Generator[tuple[str, str]]:
        yield _names()

    @flow
    def generating() -> list[tuple[str, str]]:
        return list(gen())

    assert generating() == [("gen", "gen")]
