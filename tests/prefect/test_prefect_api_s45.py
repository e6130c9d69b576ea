"""Prefect 3 API that flowtop refused or lacked (checked side by side with Prefect 3.9.1).

``child(5, wait_for=[first.submit()])`` raised ``ParameterBindError: unexpected keyword
argument 'wait_for'``; Prefect waits for the futures, and a flow whose ``wait_for``
upstream failed never runs (its call raises ``UnfinishedRun``, ``return_state=True``
gives ``NotReady``). ``my_flow.description`` / ``version`` / …, ``my_task.cache_policy``
/ ``task_key`` / … raised ``AttributeError``. ``resolve_futures_to_states`` and
``resolve_futures_to_results`` were refused at import. ``@my_task.on_rollback`` raised a
raw ``AttributeError`` rather than the one-line refusal of transactions.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from flowtop import allow_failure, flow, task
from flowtop.cache_policies import DEFAULT, INPUTS, NO_CACHE
from flowtop.compat import prefect_imports
from flowtop.engine.task import Task
from flowtop.exceptions import UnfinishedRun
from flowtop.futures import resolve_futures_to_results, resolve_futures_to_states
from flowtop.task_runners import ThreadPoolTaskRunner

# -- wait_for= on a flow call ----------------------------------------------------------


def test_subflow_waits_for_futures_before_it_runs() -> None:
    order: list[str] = []

    @task
    def first() -> int:
        order.append("first")
        return 1

    @flow
    def child(x: int = 0) -> int:
        order.append("child")
        return x

    @flow
    def parent() -> int:
        return child(5, wait_for=[first.submit()])

    assert parent() == 5
    assert order == ["first", "child"]


def test_subflow_whose_upstream_failed_never_runs() -> None:
    order: list[str] = []

    @task
    def bad() -> None:
        raise ValueError("boom")

    @flow
    def child(x: int = 0) -> int:
        order.append(f"child {x}")
        return x

    @flow
    def parent() -> dict[str, Any]:
        failed = bad.submit()
        out: dict[str, Any] = {}
        with pytest.raises(UnfinishedRun, match="upstream task 'bad' did not reach"):
            child(1, wait_for=[failed])
        state = child(2, wait_for=[failed], return_state=True)
        out["state"] = (state.name, state.is_failed())
        with pytest.raises(UnfinishedRun):
            state.result(raise_on_failure=False)
        out["allowed"] = child(3, wait_for=[allow_failure(failed)])
        return out

    assert parent() == {"state": ("NotReady", True), "allowed": 3}
    assert order == ["child 3"]


def test_async_flow_waits_for_futures_off_the_loop() -> None:
    @task
    def first() -> int:
        return 1

    @flow
    async def child(x: int) -> int:
        return x * 2

    @flow
    async def parent() -> tuple[int, str]:
        done = child(4, wait_for=[first.submit()])
        failed = child(1, wait_for=[bad.submit()], return_state=True)
        return await done, (await failed).name

    @task
    def bad() -> None:
        raise ValueError("boom")

    assert asyncio.run(parent()) == (8, "NotReady")


def test_flow_taking_wait_for_itself_is_refused_at_definition() -> None:
    def needs(x: int, wait_for: Any = None) -> int:
        return x

    with pytest.raises(TypeError, match="'wait_for' is a reserved argument name"):
        flow(needs)


# -- Prefect's attributes -------------------------------------------------------------


def test_flow_attributes_read_back_as_in_prefect() -> None:
    @flow
    def plain(x: int = 1) -> None:
        """Doc of plain.

        More."""

    runner = ThreadPoolTaskRunner(max_workers=3)

    @flow(
        description="D",
        version="1.2",
        flow_run_name="run-{x}",
        log_prints=True,
        retry_delay_seconds=3,
        validate_parameters=False,
        persist_result=True,
        task_runner=runner,
    )
    def given(x: int = 1) -> None:
        "doc"

    @flow
    async def coro() -> None:
        pass

    file_hash = hashlib.md5(Path(__file__).read_bytes(), usedforsecurity=False).hexdigest()
    assert (plain.description, plain.version) == ("Doc of plain.\n\nMore.", file_hash)
    assert (plain.isasync, coro.isasync, coro.description) == (False, True, None)
    assert (plain.flow_run_name, plain.log_prints, plain.retry_delay_seconds) == (None, None, 0)
    assert plain.should_validate_parameters is True
    assert plain.persist_result is None
    assert plain.task_runner.max_workers is None
    assert (given.description, given.version, given.flow_run_name) == ("D", "1.2", "run-{x}")
    assert (given.log_prints, given.retry_delay_seconds) == (True, 3)
    assert given.should_validate_parameters is False
    assert given.persist_result is None  # flowtop persists no flow result
    assert given.task_runner is runner
    copy = given.with_options(name="copy", description="N")
    assert (copy.description, copy.version, copy.task_runner.max_workers) == ("N", "1.2", 3)


def test_task_attributes_read_back_as_in_prefect() -> None:
    def key(context: Any, parameters: dict[str, Any]) -> str:
        return "k"

    @task
    def plain() -> None:
        """Task doc."""

    @task(cache_key_fn=key, cache_expiration=timedelta(hours=1), refresh_cache=True)
    def keyed() -> None:
        pass

    @task(description="TD", version="2", persist_result=False, log_prints=True)
    def unpersisted() -> None:
        pass

    @task(cache_policy=INPUTS)
    def by_inputs() -> None:
        pass

    assert (plain.description, plain.version, plain.log_prints) == ("Task doc.", None, None)
    assert plain.cache_policy is DEFAULT
    assert (plain.persist_result, plain.refresh_cache, plain.cache_key_fn) == (None, None, None)
    assert plain.task_key.startswith("plain-") and len(plain.task_key) == len("plain-") + 8
    assert keyed.cache_key_fn is key and keyed.persist_result is True
    assert (keyed.cache_expiration, keyed.refresh_cache) == (timedelta(hours=1), True)
    assert (unpersisted.description, unpersisted.version) == ("TD", "2")
    assert unpersisted.log_prints is True
    assert unpersisted.cache_policy is NO_CACHE and unpersisted.persist_result is False
    assert by_inputs.cache_policy is INPUTS and by_inputs.persist_result is True
    assert plain.with_options(description="x").description == "x"


def test_transaction_hooks_are_one_line_refusals() -> None:
    @task
    def write() -> int:
        return 1

    def undo(txn: Any) -> None:
        pass

    with pytest.raises(NotImplementedError) as caught:
        write.on_rollback(undo)
    message = str(caught.value)
    assert message.startswith("task 'write': @write.on_rollback")  # its line: the traceback's
    assert "no transactions" in message
    with pytest.raises(NotImplementedError, match="on_commit"):
        write.on_commit(undo)


# -- resolve_futures_to_states / _results ---------------------------------------------


@dataclass
class Box:
    item: Any


def test_resolve_futures_walks_collections_and_waits() -> None:
    @task
    def double(x: int) -> int:
        return x * 2

    @flow
    def body() -> dict[str, Any]:
        states = resolve_futures_to_states([double.submit(1), double.submit(2)])
        results = resolve_futures_to_results(
            {"a": double.submit(1), "b": [double.submit(2)], "c": (3, Box(double.submit(4)))}
        )
        untouched = {"x": [1, 2]}
        return {
            "states": [s.name for s in states],
            "results": results,
            "same": resolve_futures_to_results(untouched) is untouched,
            "mapped": resolve_futures_to_results(double.map([1, 2])),
        }

    out = body()
    assert out["states"] == ["Completed", "Completed"]
    assert out["results"] == {"a": 2, "b": [4], "c": (3, Box(8))}
    assert out["same"] is True
    assert out["mapped"] == [2, 4] and type(out["mapped"]) is list


def test_resolve_futures_to_results_refuses_a_failed_one() -> None:
    @task
    def bad() -> None:
        raise ValueError("boom")

    @flow
    def body() -> str:
        failed = bad.submit()
        assert resolve_futures_to_states({"f": failed})["f"].is_failed()
        with pytest.raises(Exception, match="At least one result did not complete"):
            resolve_futures_to_results([failed])
        return "ok"

    assert body() == "ok"


def test_drop_in_imports_resolve_futures() -> None:
    with prefect_imports():
        from prefect.futures import (  # type: ignore[import-not-found]
            resolve_futures_to_results as results,
        )
    assert results is resolve_futures_to_results


def test_a_task_built_as_prefect_builds_one_reads_its_options() -> None:
    """``Task(fn=f, retries=1)`` (Prefect's class, built by hand) kept ``retries`` unread:
    no retry, and a misspelt option passed silently."""
    calls: list[int] = []

    def add(x: int) -> int:
        calls.append(x)
        if len(calls) < 2:
            raise ConnectionError("down")
        return x + 1

    assert Task(fn=add, retries=1, retry_delay_seconds=0)(1) == 2
    assert len(calls) == 2
    with pytest.raises(TypeError, match="task 'add': unknown option 'retires'"):
        Task(fn=add, retires=1)
