"""``.map()`` over any iterable, ``MappingMissingIterable``, a bad ``flow_run_name`` as a
``KeyError``, and ``allow_failure`` of a task that never ran, each checked against Prefect
3.9.1 (the explorer's cases c06, c14, c15, c32, c33, c85).

Prefect maps any iterable but a str, bytes or file (a dict gives its keys); flowtop passed
a dict, set or generator whole beside a list (``["1-{'a': 1, 'b': 2}", …]``) and alone
raised its own ``TypeError``. That is Prefect's rule for a drop-in task; a task class that
maps by it (``Task.maps_as_prefect``, which drop-in ``prefect.task``'s ``DropInTask``
sets) is made here, so the engine's rule is checked apart from the compat layer. flowtop's ``@task`` keeps its
documented rule: lists, tuples and ranges are mapped, other values passed whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from flowtop import flow, task
from flowtop.engine.errors import (
    FlowRunNameError,
    MappingLengthMismatch,
    MappingMissingIterable,
)
from flowtop.engine.prefect_api import allow_failure, opaque, quote, unmapped
from flowtop.engine.task import Task

MISSING = (
    "No iterable parameters were received. Parameters for map must include at least one "
    "iterable. Parameters: "
)


class PrefectMapped(Task):
    """A task that maps as a drop-in task maps (Prefect's rule)."""

    maps_as_prefect = True


def prefect_task(fn: Callable[..., Any]) -> Task:
    return PrefectMapped(fn)


def show(x: Any, y: Any = 0) -> str:
    return f"{x!r}/{y!r}"


def in_a_flow(body: Callable[[], Any]) -> Any:
    """``body``'s value, called in a flowtop ``@flow`` run (where ``.map()`` makes nodes)."""

    @flow
    def mapping() -> Any:
        return body()

    return mapping()


def numbers() -> Iterator[int]:
    yield from (7, 8)


@pytest.mark.parametrize(
    ("given", "called_with"),
    [
        ({"a": 1, "b": 2}, ["'a'", "'b'"]),  # a dict: its keys, as Prefect iterates it
        ({5}, ["5"]),
        (frozenset([3]), ["3"]),
        (numbers(), ["7", "8"]),
        (bytearray(b"ab"), ["97", "98"]),  # not bytes: Prefect maps it
        ({"a": 1}.items(), ["('a', 1)"]),
        ({}, []),  # mapped, and empty: no calls
    ],
)
def test_a_drop_in_task_maps_any_iterable(given: Any, called_with: list[str]) -> None:
    """flowtop raised ``TypeError: show.map() needs at least one list, tuple or range``."""
    shows = prefect_task(show)
    results = in_a_flow(lambda: shows.map(given).result())
    assert results == [f"{value}/0" for value in called_with]


def test_a_dict_beside_a_list_is_mapped_over_its_keys() -> None:
    """c15: flowtop passed the dict whole to each call, ``["1-{'a': 1, 'b': 2}", …]``."""
    pair = prefect_task(lambda x, y: f"{x}-{y}")
    assert in_a_flow(lambda: pair.map([1, 2], {"a": 1, "b": 2}).result()) == ["1-a", "2-b"]


def test_annotations_and_a_future_are_looked_through_as_prefect_does() -> None:
    shows = prefect_task(show)
    give = prefect_task(lambda value: value)

    def body() -> list[list[str]]:
        return [
            shows.map(quote({4})).result(),
            shows.map(opaque([1, 2])).result(),
            shows.map(give.submit({"k": 1, "j": 2})).result(),
            shows.map([1, 2], y="zz").result(),  # a str beside a list: passed whole
            shows.map([1, 2], unmapped({"a"})).result(),
        ]

    assert in_a_flow(body) == [
        ["4/0"],
        ["1/0", "2/0"],
        ["'k'/0", "'j'/0"],
        ["1/'zz'", "2/'zz'"],
        ["1/{'a'}", "2/{'a'}"],
    ]


@pytest.mark.parametrize(
    ("args", "kwargs", "parameters"),
    [
        (("ab",), {}, "{'x': 'ab'}"),
        ((b"ab",), {}, "{'x': b'ab'}"),
        ((None,), {}, "{'x': None}"),
        ((unmapped([1, 2]),), {}, "{'x': unmapped([1, 2])}"),  # its __getitem__: no loop
        ((), {"y": 6, "x": 5}, "{'x': 5, 'y': 6}"),  # in the parameters' order
    ],
)
def test_nothing_to_map_over_raises_prefects_error_in_its_words(
    args: tuple[Any, ...], kwargs: dict[str, Any], parameters: str
) -> None:
    """flowtop raised a ``TypeError`` Prefect code could not catch as Prefect's (c06, c14)."""
    shows = prefect_task(show)
    with pytest.raises(MappingMissingIterable) as raised:
        in_a_flow(lambda: shows.map(*args, **kwargs))
    assert str(raised.value) == MISSING + parameters


def test_a_future_s_str_result_is_shown_as_the_str() -> None:
    shows = prefect_task(show)
    give = prefect_task(lambda value: value)
    with pytest.raises(MappingMissingIterable, match=re.escape(MISSING + "{'x': 'ab'}")):
        in_a_flow(lambda: shows.map(give.submit("ab")))


def test_uneven_mapped_arguments_say_prefects_words() -> None:
    """c05: flowtop said ``add.map(): mapped arguments have different lengths (argument 1
    has 3, argument 2 has 2)``; a dict counts its keys."""
    shows = prefect_task(show)
    with pytest.raises(MappingLengthMismatch) as raised:
        in_a_flow(lambda: shows.map(y={"a": 1}, x=[1, 2, 3]))
    assert str(raised.value) == (
        "Received iterable parameters with different lengths. Parameters for map must all "
        "be the same length. Got lengths: {'x': 3, 'y': 1}"
    )


def test_a_flowtop_task_keeps_its_documented_rule() -> None:
    """README: lists, tuples and ranges are mapped, other values passed whole, and
    nothing to map over says so in flowtop's words (now as ``MappingMissingIterable``,
    still a ``TypeError``)."""
    shows = task(show)
    assert in_a_flow(lambda: shows.map([1, 2], {"a": 1}).result()) == [
        "1/{'a': 1}",
        "2/{'a': 1}",
    ]
    says = "show.map() needs at least one list, tuple or range argument to map over"
    with pytest.raises(MappingMissingIterable, match=re.escape(says)):
        in_a_flow(lambda: shows.map({5}))
    with pytest.raises(TypeError, match=re.escape(says)):
        in_a_flow(lambda: shows.map("ab"))


def test_a_bad_flow_run_name_is_a_key_error() -> None:
    """c32/c33: Prefect raises ``KeyError: 'missing'``; flowtop's ``FlowRunNameError`` was a
    ``ValueError`` only, so ``except KeyError`` missed it. Its message is kept."""

    @flow(flow_run_name="r-{missing}")
    def g(region: str) -> str:
        return region

    with pytest.raises(KeyError) as raised:
        g("eu")
    assert isinstance(raised.value, FlowRunNameError | ValueError)
    assert str(raised.value) == (
        "flow_run_name 'r-{missing}' names 'missing' that is not a parameter of 'g'"
    )


def test_allow_failure_of_a_task_that_never_ran_gives_a_subflow_none() -> None:
    """c85's rule for a subflow's argument: Prefect resolves an ``allow_failure`` future
    whose task was left ``NotReady`` (its upstream failed) to that state's data, None;
    flowtop's call raised ``UpstreamFailed``."""

    @task
    def bad() -> None:
        raise ValueError("root")

    @task
    def mid(x: Any) -> Any:
        return x

    @flow
    def child(value: Any) -> str:
        return type(value).__name__

    @flow
    def parent() -> str:
        return child(allow_failure(mid.submit(bad.submit())))

    assert parent() == "NoneType"


def test_allow_failure_of_a_task_that_never_ran_gives_a_task_none() -> None:
    """``down.submit(allow_failure(m))``, ``m``'s own upstream failed so it never ran:
    Prefect passes None (its ``NotReady`` state's data); flowtop passed an
    ``UpstreamFailed`` exception."""

    @task
    def bad() -> None:
        raise ValueError("root")

    @task
    def mid(x: Any) -> Any:
        return x

    @task
    def down(v: Any) -> str:
        return repr(v)

    @flow
    def chain() -> str:
        m = mid.submit(bad.submit())
        return down.submit(allow_failure(m)).result()

    assert chain() == "None"
