"""The state constructors take Prefect 3.9.1's keyword fields of a state, with what they mean
there; a state type reads as Prefect's.

Before: ``Completed(timestamp=…)``, ``Completed(state_details=…)``, ``Completed(id=…)``,
``Crashed(name=…)``, ``Pending(data=…)`` and drop-in ``Scheduled(timestamp=…)`` were refused
with a ``TypeError`` (Prefect 3 passes them all to its ``State`` model), and ``str()`` and
``f"{state.type}"`` read ``COMPLETED`` where Prefect 3.9.1 on Python 3.11 reads
``StateType.COMPLETED``. (Each expectation here was read from Prefect 3.9.1 itself.)
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from flowtop.compat import prefect_states
from flowtop.engine.prefect_state import made_by_hand
from flowtop.states import (
    AwaitingRetry,
    Cancelled,
    Completed,
    Crashed,
    Failed,
    Pending,
    Retrying,
    Running,
    StateDetails,
    StateType,
)

MOMENT = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
RUN = uuid.UUID("5e9b1d4c-8a7f-4c1e-9d2b-3f6a0c1b2d3e")


def test_a_state_keeps_the_timestamp_it_is_given() -> None:
    state = Completed(timestamp=MOMENT, data=1)
    assert state.timestamp is MOMENT and state.result() == 1
    assert Failed(timestamp=MOMENT, message="boom").timestamp is MOMENT


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("2024-01-02T03:04:05Z", MOMENT),
        ("2024-01-02", dt.datetime(2024, 1, 2)),  # naive, as pydantic reads it
        (dt.date(2024, 1, 2), dt.datetime(2024, 1, 2)),
        (1704164645, MOMENT),  # Unix seconds, in UTC
        (1704164645000, MOMENT),  # past 2e10: milliseconds, pydantic's rule
    ],
)
def test_a_timestamp_is_read_as_prefect_reads_it(given: Any, read: dt.datetime) -> None:
    moment = Running(timestamp=given).timestamp
    assert moment == read and moment.tzinfo == read.tzinfo


def test_state_details_name_a_run_and_make_it_no_state_made_by_hand() -> None:
    """As Prefect's ``return_value_to_state``: a state naming a run is that run's."""
    given = Completed(state_details={"flow_run_id": str(RUN)})
    assert given.state_details.flow_run_id == RUN and not made_by_hand(given)
    details = StateDetails(task_run_id=RUN)
    assert Completed(state_details=details).state_details is details
    assert made_by_hand(Completed(data=1))


def test_an_id_is_kept_as_a_uuid() -> None:
    assert Completed(id=RUN).id == RUN
    assert Completed(id=str(RUN)).id == RUN


def test_every_constructor_takes_the_fields_prefect_s_does() -> None:
    assert Crashed(name="OutOfMemory", timestamp=MOMENT).name == "OutOfMemory"
    assert Cancelled(name="Stopped", message="by hand").name == "Stopped"
    assert Pending(data=1).data == 1
    assert Running(data=2, message="go").data == 2
    retrying = Retrying(message="again", timestamp=MOMENT)
    assert (retrying.name, retrying.type, retrying.timestamp) == (
        "Retrying",
        StateType.RUNNING,
        MOMENT,
    )
    assert AwaitingRetry(timestamp=MOMENT).timestamp is MOMENT
    assert Completed(name=None).name == "Completed"  # Prefect's default for None


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda: Retrying(name="x"), "Retrying() got multiple values for keyword argument 'name'"),
        (
            lambda: AwaitingRetry(name="x"),
            "AwaitingRetry() got multiple values for keyword argument 'name'",
        ),
        (
            lambda: Completed(type="FAILED"),
            "Completed() got multiple values for keyword argument 'type'",
        ),
        (
            lambda: Completed(mesage="done"),
            "Completed() got an unexpected keyword argument 'mesage'; a state's fields are "
            "name, message, data, state_details, timestamp, id",
        ),
        (lambda: Completed(message=3), "Completed(): message must be a str, got int 3"),
        (
            lambda: Completed(state_details={"cache_key": "k"}),
            "Completed(): state_details field 'cache_key' is not kept by flowtop's states; "
            "they keep task_run_id, flow_run_id, task_key, run_count",
        ),
        (
            lambda: Completed(timestamp=[2024]),
            "Completed(): timestamp must be a datetime, ISO 8601 text or Unix time, "
            "got list [2024]",
        ),
    ],
)
def test_what_prefect_refuses_or_flowtop_cannot_keep_is_a_type_error(make: Any, said: str) -> None:
    with pytest.raises(TypeError) as raised:
        make()
    assert str(raised.value) == said


def test_text_that_is_no_time_or_no_uuid_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"timestamp 'soon' is not an ISO 8601 time"):
        Completed(timestamp="soon")
    with pytest.raises(ValueError, match=r"id 'x' is not a UUID"):
        Completed(id="x")


def test_drop_in_constructors_take_the_fields_too() -> None:
    scheduled = prefect_states.Scheduled(timestamp=MOMENT, name="Nightly", scheduled_time=MOMENT)
    assert (scheduled.name, scheduled.timestamp) == ("Nightly", MOMENT)
    assert scheduled.state_details.scheduled_time == MOMENT
    late = prefect_states.Late(message="late", state_details={"flow_run_id": RUN})
    assert (late.name, late.message, late.state_details.flow_run_id) == ("Late", "late", RUN)
    assert late.state_details.scheduled_time is not None and late.is_scheduled()
    paused = prefect_states.Paused(pause_key="k", name="Waiting", id=RUN, timestamp=MOMENT)
    assert (paused.name, paused.id, paused.timestamp) == ("Waiting", RUN, MOMENT)
    assert paused.state_details.pause_key == "k" and paused.is_paused()
    assert prefect_states.Cancelling(timestamp=MOMENT).timestamp is MOMENT
    assert prefect_states.Submitting(data=1).name == "Submitting"
    with pytest.raises(TypeError, match=r"^Suspended\(\) got multiple values .* 'name'$"):
        prefect_states.Suspended(name="x")


def test_a_state_type_reads_as_prefect_s_on_python_3_11() -> None:
    state_type = Completed().type
    assert (str(state_type), f"{state_type}", repr(state_type)) == ("StateType.COMPLETED",) * 3
    assert f"{state_type:>20}|" == " StateType.COMPLETED|"
    assert state_type.value == "COMPLETED" and state_type == "COMPLETED"
    assert str(Crashed().type) == "StateType.CRASHED"  # Prefect's own types too
    assert str(prefect_states.Paused().type) == "StateType.PAUSED"
