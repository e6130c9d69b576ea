"""Prefect 3 naming differences (s60, second part), each checked against Prefect 3.9.1
side by side:

- a task or subflow given the future of a task run whose ``task_run_name`` cannot be
  made: Prefect raises from its call the naming error when the future is only waited for
  (``wait_for=[future]``), and ``PrefectException: Failed to resolve inputs in parameter
  'x'. …`` (from that error) when it is an argument; ``allow_failure`` does not help, and
  what waits on such a call raises its error in turn. flowtop gave ``UpstreamFailed``
  (and ran the task under ``allow_failure``);
- a ``flow_run_name`` callable that raises (or returns no string, or a template a
  parameter's value cannot fill) with ``return_state=True``: Prefect raises its error,
  flowtop gave a Failed state.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.engine.errors import TaskRunNameError
from flowtop.engine.prefect_api import allow_failure
from flowtop.engine.prefect_exceptions import PrefectException

_HINT = (
    "If your parameter type is not supported, consider using the `quote` annotation to skip"
    " resolution of inputs, or the `opaque` annotation to resolve the value without"
    " traversing its contents."
)


def _not_resolved(parameter: str) -> str:
    return f"Failed to resolve inputs in parameter {parameter!r}. {_HINT}"


@task(task_run_name="row-{missing}")
def bad(x: int) -> int:
    return x


def _raised(fn: Any) -> tuple[str, str, str | None]:
    """What ``fn()`` raised: its class, its words, and the class of its cause."""
    try:
        got = fn()
    except Exception as exc:  # noqa: BLE001 - what the call raised, compared by the test
        cause = exc.__cause__
        return type(exc).__name__, str(exc), None if cause is None else type(cause).__name__
    return f"returned {got!r}", "", None


# -- 1. what is given a future of a task run that cannot be named ---------------------------
def _downstream_reads(seen: list[str]) -> dict[str, Any]:
    def hook(*_: Any) -> None:
        seen.append("hook")

    @task(on_failure=[hook], on_completion=[hook])
    def ok(x: int = 0, y: int = 0) -> str:
        seen.append("body")
        return "ok"

    @flow
    def sub(x: int = 0) -> str:
        seen.append("sub")
        return "sub"

    def with_future(call: Any) -> Any:
        return lambda: call(bad.submit(1))

    return {
        "wait_for": with_future(lambda f: ok(wait_for=[f])),
        "wait_for_return_state": with_future(lambda f: ok(wait_for=[f], return_state=True)),
        "wait_for_allowed": with_future(lambda f: ok(wait_for=[allow_failure(f)])),
        "argument": with_future(lambda f: ok(f)),
        "argument_return_state": with_future(lambda f: ok(f, return_state=True)),
        "argument_in_a_list": with_future(lambda f: ok([f])),
        "keyword": with_future(lambda f: ok(y=f)),
        "argument_allowed": with_future(lambda f: ok(allow_failure(f))),
        "submitted_result": with_future(lambda f: ok.submit(f).result()),
        "submitted_wait": with_future(lambda f: ok.submit(f).wait()),
        "submitted_no_raise": with_future(lambda f: ok.submit(f).result(raise_on_failure=False)),
        "submitted_return_state": with_future(lambda f: ok.submit(f, return_state=True)),
        "submitted_wait_for": with_future(lambda f: ok.submit(wait_for=[f]).result()),
        "mapped_wait_for": with_future(lambda f: ok.map([1, 2], wait_for=[f]).result()),
        "mapped_in_the_list": with_future(lambda f: ok.map([f, f]).result()),
        "map_argument": with_future(lambda f: ok.map([1, 2], y=f).result()),
        "subflow_argument": with_future(lambda f: sub(f)),
        "subflow_wait_for": with_future(lambda f: sub(wait_for=[f])),
    }


@pytest.mark.parametrize(
    ("how", "parameter"),
    [
        ("wait_for", None),
        ("wait_for_return_state", None),
        ("wait_for_allowed", None),
        ("argument", "x"),
        ("argument_return_state", "x"),
        ("argument_in_a_list", "x"),
        ("keyword", "y"),
        ("argument_allowed", "x"),
        ("submitted_result", "x"),
        ("submitted_wait", "x"),
        ("submitted_no_raise", "x"),
        ("submitted_return_state", "x"),
        ("submitted_wait_for", None),
        ("mapped_wait_for", None),
        ("mapped_in_the_list", "x"),
        ("map_argument", "y"),
        ("subflow_argument", "x"),
        ("subflow_wait_for", None),
    ],
)
def test_what_is_given_a_badly_named_task_run_s_future_raises_as_prefect(
    how: str, parameter: str | None
) -> None:
    seen: list[str] = []
    reads = _downstream_reads(seen)

    @flow
    def main() -> tuple[str, str, str | None]:
        return _raised(reads[how])

    kind, words, cause = main()
    if parameter is None:  # waited for only: the naming error itself
        assert (kind, cause) == ("TaskRunNameError", None)
        assert "task_run_name 'row-{missing}' names 'missing'" in words
    else:  # an argument: Prefect's words, from the naming error
        assert (kind, words, cause) == (
            "PrefectException",
            _not_resolved(parameter),
            "TaskRunNameError",
        )
    assert seen == []  # no body, no hook, no subflow run


def test_an_async_task_given_such_a_future_raises_as_prefect() -> None:
    @task
    async def aok(x: int = 0) -> str:
        return "aok"

    @flow
    async def main() -> tuple[Any, Any]:
        async def awaited(call: Any) -> tuple[str, str | None]:
            try:
                await call(bad.submit(1))
            except Exception as exc:  # noqa: BLE001 - what the await raised, compared below
                cause = exc.__cause__
                return type(exc).__name__, None if cause is None else type(cause).__name__
            return "returned", None

        return (
            await awaited(lambda f: aok(f)),
            await awaited(lambda f: aok(wait_for=[f])),
        )

    assert asyncio.run(main()) == (
        ("PrefectException", "TaskRunNameError"),
        ("TaskRunNameError", None),
    )


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        # Prefect re-raises a PrefectException as it is: the child's words, naming its 'x'
        ("argument_of_argument", ("PrefectException", _not_resolved("x"), "TaskRunNameError")),
        ("wait_for_of_argument", ("PrefectException", _not_resolved("x"), "TaskRunNameError")),
        ("argument_of_wait_for", ("PrefectException", _not_resolved("y"), "TaskRunNameError")),
        ("allowed_of_argument", ("PrefectException", _not_resolved("x"), "TaskRunNameError")),
        ("wait_for_of_wait_for", ("TaskRunNameError", None, None)),
    ],
)
def test_what_waits_on_such_a_call_raises_its_error_in_turn(
    how: str, expected: tuple[str, str | None, str | None]
) -> None:
    @task
    def ok(x: int = 0, y: int = 0) -> str:
        return "ok"

    grandchildren = {
        "argument_of_argument": lambda f: ok(y=ok.submit(f)),
        "wait_for_of_argument": lambda f: ok(wait_for=[ok.submit(f)]),
        "argument_of_wait_for": lambda f: ok(y=ok.submit(wait_for=[f])),
        "allowed_of_argument": lambda f: ok(allow_failure(ok.submit(f))),
        "wait_for_of_wait_for": lambda f: ok(wait_for=[ok.submit(wait_for=[f])]),
    }

    @flow
    def main() -> tuple[str, str, str | None]:
        return _raised(lambda: grandchildren[how](bad.submit(1)))

    kind, words, cause = main()
    assert (kind, cause) == (expected[0], expected[2])
    if expected[1] is not None:
        assert words == expected[1]


def test_a_flow_whose_body_gives_such_a_future_fails_with_prefect_s_error() -> None:
    @task
    def ok(x: int = 0) -> str:
        return "ok"

    @flow
    def main() -> None:
        ok(bad.submit(1))

    state = main(return_state=True)
    assert state.is_failed()
    assert isinstance(state.data, PrefectException)
    assert str(state.data) == _not_resolved("x")
    with pytest.raises(PrefectException) as caught:
        main()
    assert isinstance(caught.value.__cause__, TaskRunNameError)


def test_allow_failure_still_runs_a_task_after_an_ordinary_failure() -> None:
    @task
    def boom() -> int:
        raise ValueError("boom")

    @task
    def ok(x: Any = 0) -> str:
        return f"ok {type(x).__name__}"

    @flow
    def main() -> tuple[str, str]:
        failed = boom.submit()
        return ok(allow_failure(failed)), ok(wait_for=[allow_failure(failed)])

    assert main() == ("ok ValueError", "ok int")


# -- 2. a flow_run_name that cannot be made, with return_state=True --------------------------
def _boom() -> str:
    raise ZeroDivisionError("no name")


def _flows(seen: list[str]) -> dict[str, Any]:
    def hook(*_: Any) -> None:
        seen.append("hook")

    @flow(flow_run_name=_boom, on_failure=[hook], retries=1, retry_delay_seconds=0)
    def raising(x: int = 1) -> int:
        seen.append("body")
        return x

    @flow(flow_run_name=lambda: 5)  # type: ignore[arg-type,return-value]
    def not_a_string() -> None:
        seen.append("body")

    @flow(flow_run_name="r-{x[5]}")
    def index_error(x: str = "ab") -> None:
        seen.append("body")

    @flow(flow_run_name=_boom)
    async def async_raising() -> None:
        seen.append("body")

    return {
        "raising": (raising, "ZeroDivisionError"),
        "not_a_string": (not_a_string, "TypeError"),
        "index_error": (index_error, "FlowRunNameIndexError"),
        "async_raising": (async_raising, "ZeroDivisionError"),
    }


def _call(fn: Any, **kwargs: Any) -> Any:
    got = fn(**kwargs)
    return asyncio.run(got) if asyncio.iscoroutine(got) else got


@pytest.mark.parametrize("which", ["raising", "not_a_string", "index_error", "async_raising"])
@pytest.mark.parametrize("where", ["script", "subflow"])
def test_a_flow_run_name_that_cannot_be_made_raises_with_return_state(
    which: str, where: str
) -> None:
    seen: list[str] = []
    fn, expected = _flows(seen)[which]
    if where == "script":
        got = _raised(lambda: _call(fn, return_state=True))
    else:

        @flow
        def parent() -> tuple[str, str, str | None]:
            return _raised(lambda: _call(fn, return_state=True))

        got = parent()
    assert got[0] == expected
    assert _raised(lambda: _call(fn))[0] == expected  # as the plain call
    assert seen == []
