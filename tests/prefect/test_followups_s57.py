"""Drop-in follow-ups (s57), each checked against Prefect 3's source (``flows.py``):

- a parameter whose default is pydantic's ``Field(default=5, ge=1)``, left out of a Python
  call, raised ``n: Input should be a valid integer``: the ``FieldInfo`` was validated as
  the value, where Prefect's model reads its default, 5;
- the task table of a run that returned ``Failed()`` with no message read ``flow raised
  returned Failed``, where every other screen says ``flow returned Failed()``;
- ``@flow(task_runner=ThreadPoolTaskRunner)``, the class, gave a new runner at each read
  of ``flow.task_runner``: Prefect's ``Flow`` makes one instance of it;
- ``@flow(timeout_seconds=1e-300)`` was taken where a task's is refused (under 1 ms every
  try ends as it starts);
- ``@flow(name="extract/load")`` was taken: Prefect's ``Flow`` refuses a name holding any
  of ``/ % & > <`` (``InvalidNameError``), as it is written.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from drop_in_kit import drop_in_module

from flowtop import flow
from flowtop.compat.prefect_flows import InvalidNameError
from flowtop.compat.prefect_flows import flow as prefect_flow
from flowtop.engine.events import ErrorInfo, RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.exceptions import ParameterTypeError
from flowtop.task_runners import ThreadPoolTaskRunner
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.no_rows import no_rows_text

FIELD_SOURCE = """
from pydantic import Field
from prefect import flow

@flow
def sized(n: int = Field(default=5, ge=1), label: str = Field(default_factory=lambda: "x")):
    return n, label

@flow
def needed(n: int = Field(ge=1)):
    return n
"""


# -- 1: a Field(...) default ----------------------------------------------------------------
def test_a_field_default_left_out_is_its_default_and_still_checked(tmp_path: Path) -> None:
    module = drop_in_module(tmp_path, "fielded", FIELD_SOURCE)
    assert module.sized() == (5, "x")
    assert module.sized(n="7") == (7, "x")
    with pytest.raises(ParameterTypeError, match="n: Input should be greater than or equal to 1"):
        module.sized(n=0)
    assert module.sized.validate_parameters({}) == {"n": 5, "label": "x"}
    with pytest.raises(ParameterTypeError, match="n: Field required"):
        module.needed()
    with pytest.raises(ParameterTypeError, match="n: Field required"):
        module.needed.validate_parameters({})


# -- 2: the no-rows text of a run that returned Failed() ------------------------------------
def test_the_no_rows_text_of_a_run_that_returned_a_bare_failed_says_returned() -> None:
    store = RunStore()
    now = time.time()
    error = ErrorInfo("returned Failed", "")
    store.apply_batch(
        [
            RunStarted("r1", "etl", 1, (), (), (), ts=now),
            RunFinished("r1", "etl", 1, StateType.FAILED, {}, 0.001, now, error=error),
        ]
    )
    run = store.latest_for("etl")
    assert run is not None and not run.is_live
    assert no_rows_text(run) == "No task ran: the flow returned Failed()"


# -- 3: task_runner given as the class -------------------------------------------------------
def test_a_task_runner_class_is_one_instance_per_flow() -> None:
    decorate = prefect_flow(task_runner=ThreadPoolTaskRunner)

    def a() -> None: ...

    def b() -> None: ...

    first, second = decorate(a), decorate(b)
    assert isinstance(first.task_runner, ThreadPoolTaskRunner)
    assert first.task_runner is first.task_runner
    assert second.task_runner is second.task_runner
    assert first.task_runner is not second.task_runner  # one each, as Prefect's Flow makes


# -- 4: a flow's timeout under 1 ms ----------------------------------------------------------
@pytest.mark.parametrize("decorator", [flow, prefect_flow])
def test_a_flow_timeout_under_a_millisecond_is_refused(decorator: object) -> None:
    with pytest.raises(
        ValueError, match=r"timeout_seconds must be at least 0\.001 seconds .*1e-300"
    ):

        @decorator(timeout_seconds=1e-300)  # type: ignore[operator]
        def tiny() -> None: ...

    @decorator(timeout_seconds=0)  # type: ignore[operator]
    def none() -> None: ...

    assert none.timeout_seconds is None  # 0: no timeout, as before
    assert decorator(timeout_seconds=0.001)(lambda: 1).timeout_seconds == 0.001  # type: ignore[operator]


# -- 5: a flow name Prefect refuses ------------------------------------------------------------
@pytest.mark.parametrize("name", ["extract/load", "50%", "a&b", "<x>"])
def test_a_drop_in_flow_name_prefect_refuses_is_refused_as_written(name: str) -> None:
    said = "contains an invalid character. Must not contain any of: ['/', '%', '&', '>', '<']."
    with pytest.raises(InvalidNameError, match=f"^Name {name!r} {said}".replace("[", r"\[")):

        @prefect_flow(name=name)
        def etl() -> None: ...

    assert isinstance(InvalidNameError("x"), ValueError)
    kept = prefect_flow(name="extract-load")(lambda: 1)
    with pytest.raises(InvalidNameError):
        kept.with_options(name=name)


def test_a_drop_in_lambda_flow_is_named_as_prefect_names_it() -> None:
    assert prefect_flow(lambda: 1).name == "unknown-lambda"


def test_prefect_exceptions_gives_invalid_name_error(tmp_path: Path) -> None:
    module = drop_in_module(
        tmp_path, "names", "from prefect.exceptions import InvalidNameError as E\n"
    )
    assert module.E is InvalidNameError
