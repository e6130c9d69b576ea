"""A drop-in call's own errors read as Prefect 3's, with the user's frames only: a
``.map()`` of lists of different lengths (``MappingLengthMismatch``), one with nothing to
map (``MappingMissingIterable``), a call its function cannot take
(``ParameterBindError``) and a flow's parameters validation refuses
(``ParameterTypeError``). Their tracebacks in ``flowtop run`` and the history showed 3-4
frames of flowtop's (``prefect_tasks.py``, ``task.py``, ``calls.py``, ``dynamic.py``) and
ended ``flowtop.engine.errors.MappingLengthMismatch: …``, a name a Prefect user does not
know; now ``prefect.exceptions.MappingLengthMismatch: …``, as Prefect 3.9.1 prints it.

And a ``retry_condition_fn`` that returns None (a forgotten ``return``) is said to have
returned ``None (false)``, not ``False``."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import flowtop
import flowtop.exceptions
from flowtop.compat import prefect_imports
from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.engine import Runner
from flowtop.engine.events import TaskStateChanged
from flowtop.engine.library_folders import FLOWTOP_FOLDER
from flowtop.engine.records import error_info
from flowtop.engine.states import StateType


@task
def add(x: int, y: int) -> int:
    return x + y


def _prefect_exceptions() -> Any:
    with prefect_imports():
        import prefect.exceptions

        return prefect.exceptions


def _failed_run(fl: Any, *args: Any) -> BaseException:
    with Runner() as runner:
        result = runner.run(fl, *args) if args else runner.run(fl)
    assert result.state is StateType.FAILED and result.error is not None
    return result.error


@pytest.mark.parametrize(
    ("call", "name", "plain"),
    [
        (lambda: add.map([1, 2, 3], [1, 2]), "MappingLengthMismatch", ValueError),
        (lambda: add.map(1, 2), "MappingMissingIterable", TypeError),
        (lambda: add(1, z=2), "ParameterBindError", TypeError),
        (lambda: add.submit(1, z=2), "ParameterBindError", TypeError),
    ],
    ids=["length-mismatch", "missing-iterable", "bind-call", "bind-submit"],
)
def test_a_drop_in_call_error_is_prefect_s_class_and_shows_no_flowtop_frame(
    call: Any, name: str, plain: type[Exception]
) -> None:
    exceptions = _prefect_exceptions()
    caught: list[BaseException] = []

    @flow
    def catches() -> None:
        try:
            call()
        except getattr(exceptions, name) as exc:
            caught.append(exc)

    @flow
    def lets_through() -> None:
        call()

    with Runner() as runner:
        assert runner.run(catches).state is StateType.COMPLETED
    (exc,) = caught
    assert type(exc).__module__ == "prefect.exceptions" and type(exc).__name__ == name
    assert isinstance(exc, getattr(flowtop.exceptions, name))  # flowtop's name catches it too
    assert isinstance(exc, plain)
    error = _failed_run(lets_through)
    traceback = error_info(error).traceback
    assert FLOWTOP_FOLDER not in traceback, traceback
    assert "in lets_through\n" in traceback  # the user's line that made the call stays
    assert f"\nprefect.exceptions.{name}: " in traceback, traceback


def test_a_drop_in_flow_called_with_arguments_it_cannot_take_raises_prefect_s_error() -> None:
    exceptions = _prefect_exceptions()

    @flow
    def child(n: int) -> int:
        return n

    @flow
    def parent() -> Any:
        return child(1, z=2)

    error = _failed_run(parent)
    assert isinstance(error, exceptions.ParameterBindError)
    traceback = error_info(error).traceback
    assert FLOWTOP_FOLDER not in traceback, traceback
    assert "\nprefect.exceptions.ParameterBindError: " in traceback


def test_a_refused_flow_parameter_raises_prefect_s_parameter_type_error() -> None:
    exceptions = _prefect_exceptions()

    @flow
    def child(n: int) -> int:
        return n

    with pytest.raises(exceptions.ParameterTypeError) as raised:
        child("abc")
    assert isinstance(raised.value, flowtop.exceptions.ParameterTypeError)
    assert error_info(raised.value).traceback.startswith("Traceback")
    assert "prefect.exceptions.ParameterTypeError: Flow run received invalid parameters" in (
        error_info(raised.value).traceback
    )


def test_flowtop_s_own_map_error_keeps_its_name_without_flowtop_s_frames() -> None:
    @flowtop.task
    def own_add(x: int, y: int) -> int:
        return x + y

    @flowtop.flow
    def own() -> Any:
        return own_add.map([1, 2, 3], [1, 2])

    error = _failed_run(own)
    assert type(error) is flowtop.exceptions.MappingLengthMismatch
    traceback = error_info(error).traceback
    assert FLOWTOP_FOLDER not in traceback, traceback
    assert "\nflowtop.engine.errors.MappingLengthMismatch: " in traceback


def test_a_prefect_named_error_pickles_as_itself_where_prefect_is_not_imported() -> None:
    exceptions = _prefect_exceptions()
    error = exceptions.MappingLengthMismatch("lengths differ")
    error.extra = 1
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and back.args == ("lengths differ",) and back.extra == 1


def test_a_retry_condition_returning_none_is_said_to_return_none() -> None:
    calls: list[int] = []

    def forgot_return(tsk: Any, task_run: Any, state: Any) -> None:
        calls.append(task_run.run_count)

    @task(retries=2, retry_delay_seconds=0, retry_condition_fn=forgot_return)
    def fails() -> None:
        raise ValueError("no")

    @flow
    def conditioned() -> Any:
        return fails(return_state=True)

    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        runner.run(conditioned)
    (end,) = [e for e in seen if isinstance(e, TaskStateChanged) and e.state is StateType.FAILED]
    assert end.message == "retry_condition_fn returned None (false)"
    assert calls == [1]  # not retried, as before and as in Prefect
