"""A ``@flow`` called with arguments its function cannot take: as in Prefect 3.9.1
(checked side by side: ``flow_parameter_bind``), the call is bound first and raises
``ParameterBindError`` (a ``TypeError``) before any run starts, ``return_state=True`` too.
It used to start a run that failed with Python's ``TypeError`` (a ``Failed`` state with
``return_state=True``)."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest

from flowtop import flow
from flowtop.compat import prefect_imports
from flowtop.engine import Runner
from flowtop.engine.events import RunStarted
from flowtop.exceptions import ParameterBindError

ran: list[Any] = []


@flow
def report(region, days=7):  # type: ignore[no-untyped-def]  # its signature is in the messages
    ran.append(region)
    return f"{region}:{days}"


@pytest.fixture(autouse=True)
def _nothing_ran() -> Any:
    ran.clear()
    yield
    assert ran == [], "the function must not run when its call does not bind"


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (
            lambda: report(),
            "Error binding parameters for function 'report': missing a required argument: "
            "'region'.\nFunction 'report' has signature 'region, days=7' but "
            "received args: () and kwargs: [].",
        ),
        (
            lambda: report("eu", 1, 2),
            "Error binding parameters for function 'report': too many positional arguments."
            "\nFunction 'report' has signature 'region, days=7' but received "
            "args: ('eu', 1, 2) and kwargs: [].",
        ),
        (
            lambda: report("eu", dayz=1),
            "Error binding parameters for function 'report': got an unexpected keyword "
            "argument 'dayz'.\nFunction 'report' has signature 'region, days=7' "
            "but received args: ('eu',) and kwargs: ['dayz'].",
        ),
        (
            lambda: report(return_state=True),  # no Failed state: raised, as in Prefect
            "Error binding parameters for function 'report': missing a required argument: "
            "'region'.\nFunction 'report' has signature 'region, days=7' but "
            "received args: () and kwargs: [].",
        ),
    ],
    ids=["missing", "too-many", "unknown-keyword", "return-state"],
)
def test_a_call_that_does_not_bind_raises_prefect_s_error(call: Any, says: str) -> None:
    with pytest.raises(ParameterBindError) as raised:
        call()
    assert isinstance(raised.value, TypeError)  # ``except TypeError`` still catches it
    assert str(raised.value) == says


def test_in_a_flow_no_child_run_starts_and_the_parent_goes_on() -> None:
    @flow(name="parent")
    def parent() -> list[str]:
        caught = []
        for call in (lambda: report(), lambda: report(return_state=True)):
            try:
                call()
            except ParameterBindError as exc:
                caught.append(str(exc).splitlines()[0])
        return caught

    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        result = runner.start(parent).final_result(10)
        runner.bus.flush()
    assert result.error is None
    assert (
        result.value
        == [
            "Error binding parameters for function 'report': missing a required argument: 'region'."
        ]
        * 2
    )
    assert [e.flow for e in seen if isinstance(e, RunStarted)] == ["parent"]  # no child run


def test_an_async_flow_raises_at_the_call_not_when_awaited() -> None:
    @flow
    async def fetch(url: str) -> str:
        ran.append(url)
        return url

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no coroutine made and left unawaited
        with pytest.raises(ParameterBindError, match="missing a required argument: 'url'"):
            fetch()
    assert asyncio.run(fetch("a")) == "a"
    ran.clear()


def test_a_method_flow_is_bound_with_its_instance_as_prefect_shows_it() -> None:
    class Loader:
        def __repr__(self) -> str:
            return "<Loader>"

        @flow
        def load(self, rows):  # type: ignore[no-untyped-def]
            ran.append(rows)
            return rows

    with pytest.raises(ParameterBindError) as raised:
        Loader().load(1, 2)
    assert str(raised.value) == (
        "Error binding parameters for function 'load': too many positional arguments.\n"
        "Function 'load' has signature 'self, rows' but received args: "
        "(<Loader>, 1, 2) and kwargs: []."
    )
    assert Loader().load(3) == 3
    ran.clear()


def test_a_call_that_binds_runs_as_before() -> None:
    assert report("eu") == "eu:7" and report(region="us", days=1) == "us:1"
    assert report("eu", return_state=True).result() == "eu:7"
    ran.clear()


def test_drop_in_prefect_exceptions_has_it() -> None:
    with prefect_imports():
        from prefect.exceptions import (  # type: ignore[import-not-found]
            ParameterBindError as dropped_in,
        )
    # flowtop's, named as Prefect's: what a drop-in call raises (``errors.PREFECT_NAMED``)
    assert issubclass(dropped_in, ParameterBindError)
    assert (
        f"{dropped_in.__module__}.{dropped_in.__qualname__}"
        == "prefect.exceptions.ParameterBindError"
    )
