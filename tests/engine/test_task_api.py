"""The ``@task`` decorator as flow authors write it: forms, aliases, and errors that name the culprit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flowtop import Flow, Retry, StateType, exponential_backoff, task
from flowtop.engine.task import Task


def test_bare_task_keeps_the_function_usable() -> None:
    @task
    def add(a: int, b: int) -> int:
        """Adds."""
        return a + b

    assert isinstance(add, Task)
    assert add.name == "add" and add.__doc__ == "Adds."
    assert add(1, 2) == 3  # outside a flow a task is a plain call
    assert add.policy.max_retries is None and add.policy.retry_delay == 0.0


def test_task_with_options_builds_the_policy() -> None:
    @task(
        name="fetch",
        max_retries=2,
        retry_delay=timedelta(seconds=3),
        retry_on=ConnectionError,
        retry_jitter=0.2,
        retry_deadline=60,
        timeout=timedelta(seconds=5),
    )
    def f() -> None: ...

    p = f.policy
    assert f.name == "fetch"
    assert (
        p.max_retries,
        p.retry_delay,
        p.retry_on,
        p.retry_jitter,
        p.retry_deadline,
        p.timeout,
    ) == (
        2,
        3.0,
        (ConnectionError,),
        0.2,
        60.0,
        5.0,
    )
    assert p.source("max_retries") == "task" and p.source("retry_predicate") == "builtin"


def test_empty_parentheses_work_like_bare() -> None:
    @task()
    def f() -> int:
        return 1

    assert isinstance(f, Task) and f.policy.max_retries is None


def test_prefect_aliases() -> None:
    @task(retries=4, retry_delay_seconds=[1, 2])
    def f() -> None: ...

    assert f.policy.max_retries == 4 and f.policy.retry_delay == (1.0, 2.0)


@pytest.mark.parametrize(
    "kwargs",
    [{"retries": 1, "max_retries": 2}, {"retry_delay_seconds": 1, "retry_delay": 2}],
)
def test_alias_and_name_both_given_is_an_error(kwargs: dict) -> None:
    with pytest.raises(TypeError, match=r"task 'f'.*both given"):

        @task(**kwargs)
        def f() -> None: ...


def test_unknown_option_names_task_option_and_suggests() -> None:
    with pytest.raises(
        TypeError, match=r"task 'f': unknown option 'max_retry'.*did you mean 'max_retries'"
    ):

        @task(max_retry=3)
        def f() -> None: ...


def test_unknown_option_without_a_near_match_lists_the_valid_ones() -> None:
    with pytest.raises(
        TypeError, match=r"task 'f': unknown option 'zzz'; valid options: name, max_retries"
    ):

        @task(zzz=1)
        def f() -> None: ...


@pytest.mark.parametrize("retry_on", [ValueError(), "ConnectionError", [ConnectionError, 42], int])
def test_retry_on_must_hold_exception_classes(retry_on: object) -> None:
    with pytest.raises(TypeError, match=r"task 'fetch': retry_on must hold exception classes"):

        @task(retry_on=retry_on)
        def fetch() -> None: ...


@pytest.mark.parametrize("kind", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_retry_on_refuses_what_is_never_retried(kind: type[BaseException]) -> None:
    """Rule 0 never retries these: listing one would be a promise never kept."""
    with pytest.raises(TypeError) as refused:

        @task(retry_on=[ConnectionError, kind])
        def fetch() -> None: ...

    assert str(refused.value) == (
        f"task 'fetch': retry_on: {kind.__name__} is never retried: it is not an Exception,"
        " and it stops the task"
    )


@pytest.mark.parametrize("kind", [BaseException, Exception, ExceptionGroup])
def test_retry_on_takes_any_class_that_matches_an_exception(kind: type[BaseException]) -> None:
    @task(retry_on=kind)
    def fetch() -> None: ...

    assert fetch.policy.retry_on == (kind,)


@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"max_retries": -1}, ValueError, "max_retries"),
        ({"max_retries": 1.5}, TypeError, "max_retries"),  # a wrong type: TypeError
        ({"retries": True}, TypeError, "retries"),
        ({"retry_predicate": "yes"}, TypeError, "retry_predicate"),
        ({"retry_jitter": -0.1}, ValueError, "retry_jitter"),
        ({"retry_jitter": float("nan")}, ValueError, "retry_jitter"),
        ({"timeout": 0}, ValueError, "timeout"),
        ({"timeout": "1s"}, TypeError, "timeout"),
        ({"retry_deadline": -5}, ValueError, "retry_deadline"),
    ],
)
def test_bad_option_values_name_task_and_option(kwargs: dict, error: type, named: str) -> None:
    with pytest.raises(error, match=rf"task 'g'.*{named}"):

        @task(**kwargs)
        def g() -> None: ...


def test_task_needs_a_callable() -> None:
    with pytest.raises(TypeError, match="needs a function"):
        task(name="x")(42)


# -- the three seed examples of SPEC §2, verbatim but for the import -------------------------


def test_seed_example_1_runs_as_written() -> None:
    @task(retry_delay=timedelta(minutes=1), max_retries=3)
    def my_task(): ...

    flow = Flow("example-flow")
    flow.add_task(my_task)

    result = flow.run()
    assert result.state is StateType.COMPLETED
    assert result["my_task"].is_completed() and result["my_task"].attempt == 1
    assert my_task.policy.budget == 3 and my_task.policy.retry_delay == 60.0


def test_seed_example_2_runs_as_written() -> None:
    @task(retry_on=[ConnectionError, TimeoutError])
    def my_task(): ...

    flow = Flow("example-flow")
    flow.add_task(my_task)
    result = flow.run()
    assert result["my_task"].is_completed()
    assert my_task.policy.retry_on == (ConnectionError, TimeoutError)


def test_seed_example_3_runs_as_written() -> None:
    @task(retry_predicate=lambda state: state.result == "error")
    def my_task(): ...

    flow = Flow("example-flow")
    flow.add_task(my_task)
    result = flow.run()
    assert result["my_task"].is_completed() and result["my_task"].attempt == 1


def test_seed_example_3_retries_on_an_error_result() -> None:
    answers = iter(["error", "error", "fine"])

    @task(retry_predicate=lambda state: state.result == "error")
    def my_task():
        return next(answers)

    flow = Flow("example-flow")
    flow.add_task(my_task)
    result = flow.run()
    assert result["my_task"].result == "fine" and result["my_task"].attempt == 3


def test_seed_example_2_retries_connection_errors_only() -> None:
    calls = []

    @task(retry_on=[ConnectionError, TimeoutError])
    def my_task():
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("refused")
        raise ValueError("a bug, not transient")

    flow = Flow("example-flow")
    flow.add_task(my_task)
    result = flow.run()
    state = result["my_task"]
    assert state.is_failed() and isinstance(state.exception, ValueError) and state.attempt == 2


def test_task_without_options_retries_only_on_retry() -> None:
    calls = []

    @task
    def poll():
        calls.append(1)
        if len(calls) < 3:
            raise Retry("not ready", delay=0)
        return "ready"

    @task
    def plain():
        raise ConnectionError("down")

    flow = Flow("f")
    flow.add_task(poll)
    flow.add_task(plain)
    result = flow.run(workers=2)
    assert result["poll"].result == "ready" and result["poll"].attempt == 3
    assert result["plain"].is_failed() and result["plain"].attempt == 1


def test_flow_run_applies_a_default_budget() -> None:
    @task
    def poll():
        raise Retry(delay=0)

    flow = Flow("f")
    flow.add_task(poll)
    assert flow.run(default_max_retries=1)["poll"].attempt == 2
    assert flow.run()["poll"].attempt == 4  # 3 retries when unconfigured


def test_backoff_is_exported_for_flow_authors() -> None:
    @task(retry_delay=exponential_backoff(0, max_delay=0), max_retries=1)
    def f(): ...

    assert f.policy.retry_delay == exponential_backoff(0, max_delay=0)


def test_names_and_keys_that_would_reach_a_terminal_must_be_printable() -> None:
    from flowtop import Flow, task

    with pytest.raises(ValueError, match="task name must be printable"):
        task(name="evil\x1b[2J")(lambda: None)
    with pytest.raises(ValueError, match="Flow name must be printable"):
        Flow("evil\x1b]0;title\x07")
    with pytest.raises(ValueError, match="task key must be printable"):
        Flow("ok").add_task(task(lambda: None), key="bad\x07")
