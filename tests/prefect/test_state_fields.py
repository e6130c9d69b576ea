"""A run's Prefect ``State`` carries what Prefect 3.9.1's does: an ``id`` (a UUID, the
same each time a run's state is read, and its ``task_run.state_id``), a ``timestamp``
(a UTC ``datetime``, not the engine's float) and ``state_details.flow_run_id`` for a
task of a flow run. Checked side by side with Prefect 3.9.1."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flowtop import flow, task
from flowtop.engine import Runner, prefect_api, prefect_state
from flowtop.engine.prefect_ids import flow_run_of, prefect_uuid
from flowtop.runtime import flow_run
from flowtop.states import Completed


@task
def echo(x: int) -> int:
    return x


def _run(pipeline: Any) -> Any:
    with Runner() as runner:
        return runner.run(pipeline)


def test_a_future_s_state_has_an_id_and_a_utc_datetime_timestamp() -> None:
    seen: dict[str, Any] = {}

    @flow
    def pipeline() -> None:
        future = echo.submit(1)
        future.wait()
        seen["state"], seen["again"] = future.state, future.state

    before = datetime.now(UTC)
    _run(pipeline)
    state, again = seen["state"], seen["again"]
    assert isinstance(state.id, uuid.UUID) and state.id == again.id  # read twice: one state
    assert isinstance(state.timestamp, datetime) and state.timestamp.tzinfo is not None
    assert before <= state.timestamp <= datetime.now(UTC)
    assert state.timestamp.isoformat()[:4].isdigit()  # a float has no isoformat()


def test_a_task_state_names_its_flow_run_as_prefect_s_does() -> None:
    seen: dict[str, Any] = {}

    @flow
    def pipeline() -> None:
        seen["flow_run"] = uuid.UUID(flow_run.id)  # text, as Prefect's runtime gives it
        future = echo.submit(1)
        future.wait()
        seen["future"], seen["submitted"] = future, future.state
        seen["called"] = echo(2, return_state=True)

    _run(pipeline)
    submitted, called = seen["submitted"], seen["called"]
    assert submitted.state_details.flow_run_id == seen["flow_run"]
    assert submitted.state_details.task_run_id == seen["future"].task_run_id
    assert called.state_details.flow_run_id == seen["flow_run"]
    assert called.state_details.task_run_id not in (None, submitted.state_details.task_run_id)


def test_a_hook_s_state_id_is_its_task_run_s_state_id() -> None:
    seen: list[tuple[uuid.UUID, uuid.UUID]] = []

    def hook(_task: Any, task_run: Any, state: Any) -> None:
        seen.append((task_run.state_id, state.id))

    @task(on_completion=[hook])
    def hooked() -> int:
        return 1

    @flow
    def pipeline() -> None:
        hooked()

    _run(pipeline)
    assert len(seen) == 1 and seen[0][0] == seen[0][1]


def test_a_state_made_by_hand_has_a_random_id_a_timestamp_and_no_run() -> None:
    before = time.time()
    one, two = Completed(data=1), Completed(data=1)
    assert isinstance(one.id, uuid.UUID) and one.id == one.id != two.id
    assert one.state_details.flow_run_id is None and one.state_details.task_run_id is None
    assert one.timestamp.tzinfo is UTC and before - 1 <= one.timestamp.timestamp() <= time.time()


def test_the_flow_run_of_an_engine_task_run_id() -> None:
    assert flow_run_of("0123abcd4567:extract") == "0123abcd4567"
    assert flow_run_of("0123abcd4567:a:b") == "0123abcd4567"  # a task key may hold a colon
    assert flow_run_of(uuid.uuid4().hex) is None  # a call outside any flow
    assert flow_run_of(str(uuid.uuid4())) is None
    assert prefect_uuid(flow_run_of("0123abcd4567:x") or "") == prefect_uuid("0123abcd4567")


def test_prefect_api_still_exports_the_state_it_moved_out() -> None:
    assert prefect_api.State is prefect_state.State
    assert prefect_api.Completed is prefect_state.Completed
    assert prefect_api.state_exception is prefect_state.state_exception


def test_submit_with_return_state_gives_the_final_state_as_prefect_s() -> None:
    """``t.submit(return_state=True)`` gave a future (Prefect: the task's final state)."""
    from flowtop import flow, task

    @task
    def echo(x: int) -> int:
        return x

    @task
    def fails() -> None:
        raise ValueError("no")

    @flow
    def both() -> tuple[Any, Any]:
        return echo.submit(1, return_state=True), fails.submit(return_state=True)

    ok, bad = both()
    assert (ok.is_completed(), ok.result()) == (True, 1)
    assert bad.is_failed() and isinstance(bad.result(raise_on_failure=False), ValueError)
