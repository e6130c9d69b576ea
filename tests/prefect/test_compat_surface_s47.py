"""Prefect 3 names flowtop offers that no other test calls: each answers as Prefect 3.9.1
does (checked side by side), so a flow that reads them runs unchanged."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from flowtop.engine.caching import CacheKeyFnPolicy, CachePolicy
from flowtop.engine.prefect_api import AwaitingRetry, Completed, Pending, Running, State
from flowtop.engine.prefect_datetime import DateTime
from flowtop.engine.prefect_run_views import TaskRun
from flowtop.engine.states import StateType


@pytest.mark.parametrize(
    ("state", "pending", "running", "scheduled"),
    [
        (Pending(), True, False, False),
        (Running(), False, True, False),
        (AwaitingRetry(), False, False, True),
        (Completed(), False, False, False),
    ],
    ids=["pending", "running", "awaiting-retry", "completed"],
)
def test_state_predicates_answer_as_prefects(
    state: State[object], pending: bool, running: bool, scheduled: bool
) -> None:
    """Prefect: AwaitingRetry is of type SCHEDULED, so ``is_scheduled()``; nothing pauses."""
    answers = (state.is_pending(), state.is_running(), state.is_scheduled(), state.is_paused())
    assert answers == (pending, running, scheduled, False)


def test_the_engines_own_state_answers_is_running() -> None:
    from flowtop import State as EngineState

    assert EngineState(StateType.RUNNING, task="t").is_running()
    assert not EngineState(StateType.COMPLETED, task="t").is_running()


def test_datetime_strings() -> None:
    moment = DateTime(2026, 12, 5, 7, 8, 9)
    assert (moment.to_date_string(), moment.to_time_string()) == ("2026-12-05", "07:08:09")


def test_a_task_runs_state_id_is_a_uuid_per_attempt_and_state() -> None:
    """It was a string (``"<id>:1:Running"``); Prefect's is a UUID."""
    first = TaskRun("run-1.t", "t", "t-key", 1)
    again = TaskRun("run-1.t", "t", "t-key", 1)
    retried = TaskRun("run-1.t", "t", "t-key", 2)
    assert isinstance(first.state_id, uuid.UUID)
    assert first.state_id == again.state_id != retried.state_id


def test_cache_policy_from_a_key_function() -> None:
    policy = CachePolicy.from_cache_key_fn(lambda context, parameters: "k")
    assert isinstance(policy, CacheKeyFnPolicy)


def test_async_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flowtop.variables import Variable

    monkeypatch.chdir(tmp_path)  # variables are kept in the folder's .flowtop here

    async def use() -> list[object]:
        await Variable.aset("region", "eu")
        got = await Variable.aget("region")
        missing = await Variable.aget("crew", default="none")
        return [got, missing, await Variable.aunset("region"), await Variable.aunset("region")]

    assert asyncio.run(use()) == ["eu", "none", True, False]
