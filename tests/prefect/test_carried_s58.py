"""Prefect 3 drop-in details carried from earlier stops, each checked against Prefect 3.9.1
running the same code.

- A ``State`` given to a drop-in task (``report(load(x, return_state=True))``) is resolved
  as Prefect resolves it: a completed one is its data; one that did not complete stops the
  call (Prefect's ``NotReady``; flowtop's ``UpstreamFailed``, as for a failed future), in a
  flow, in a task and outside any flow. flowtop passed the state itself as the value, and
  ran the task on a failed one.
- ``task.with_options(result_storage_key=None)`` clears the key, as Prefect's does; it kept it.
- A ``__main__`` block calling a flow twice: ``flowtop run FILE`` runs it once and says so.
"""

from __future__ import annotations

import ast
import asyncio
from typing import Any

import pytest

from cli_kit import flowtop
from flowtop.compat import prefect_imports
from flowtop.engine.caching import MemoryCache
from flowtop.engine.errors import UpstreamFailed
from flowtop.engine.runner import Runner
from flowtop.engine.states import StateType
from flowtop.workspace.entry_flows import main_block_calls

with prefect_imports():
    from prefect import flow, task
    from prefect.exceptions import UnfinishedRun
    from prefect.states import Completed, Failed
    from prefect.utilities.annotations import allow_failure, quote


@task
def bad() -> None:
    raise ValueError("boom")


@task
def good() -> int:
    return 5


@task
def down(x: Any = None) -> Any:
    return ("ran", x)


def run_flow(target: Any, **kwargs: Any) -> Any:
    with Runner(4, cache=MemoryCache()) as runner:
        return runner.run(target, kwargs=kwargs)


# -- 1. a state given to a task ----------------------------------------------------------


def test_outside_any_flow_a_completed_state_is_its_data() -> None:
    """Prefect 3.9.1: ``down(good(return_state=True))`` gets 5, ``Completed(data=7)`` 7."""
    assert down(good(return_state=True)) == ("ran", 5)
    assert down(x=[Completed(data=7)]) == ("ran", [7])
    assert down(quote(Completed(data=7)))[1].data == 7  # quoted: left as it is


def test_outside_any_flow_a_failed_state_stops_the_call() -> None:
    """Prefect 3.9.1 does not run the task: its state is ``NotReady`` (``Upstream task run
    '…' did not reach a 'COMPLETED' state.``) and the call returns None; flowtop's call
    raises ``UpstreamFailed`` (an ``UnfinishedRun``), as a call on a failed future does."""
    failed = bad(return_state=True)
    expected = "task 'down': upstream task 'bad' did not reach a 'COMPLETED' state (Failed)"
    with pytest.raises(UnfinishedRun) as raised:
        down(failed)
    assert isinstance(raised.value, UpstreamFailed) and str(raised.value) == expected
    with pytest.raises(UpstreamFailed):
        down(wait_for=[failed])
    with pytest.raises(UpstreamFailed, match="upstream state 'Failed'"):
        down([Failed(message="no")])
    state = down(failed, return_state=True)
    assert (state.name, state.type, state.message) == ("NotReady", "UPSTREAM_FAILED", expected)
    with pytest.raises(UpstreamFailed):
        state.result(raise_on_failure=False)


def test_allow_failure_of_a_failed_state_passes_its_exception() -> None:
    ran, error = down(allow_failure(bad(return_state=True)))
    assert ran == "ran" and isinstance(error, ValueError) and str(error) == "boom"


def test_an_async_task_s_call_raises_when_awaited() -> None:
    @task
    async def adown(x: Any) -> Any:
        return x

    failed = bad(return_state=True)
    with pytest.raises(UpstreamFailed):
        asyncio.run(adown(failed))
    state = asyncio.run(adown(failed, return_state=True))
    assert state.name == "NotReady"
    assert asyncio.run(adown(Completed(data=3))) == 3


def test_in_a_flow_a_task_s_state_stands_for_its_future() -> None:
    """The run keeps the dependency: the call ends ``UPSTREAM_FAILED`` (a row of the
    run), its call raising ``UpstreamFailed`` as on the failed future itself."""
    seen: list[Any] = []

    @flow
    def chain() -> None:
        seen.append(down(good(return_state=True)))
        seen.append(down(Completed(data=7)))
        seen.append(down(bad(return_state=True), return_state=True).name)
        try:
            down(bad.submit().state)
        except UpstreamFailed as exc:
            seen.append(str(exc))

    result = run_flow(chain)
    assert seen == [
        ("ran", 5),
        ("ran", 7),
        "NotReady",
        "task 'down-4': upstream task 'bad-2' did not complete",
    ]
    assert result["down-3"].type is StateType.UPSTREAM_FAILED
    assert result["down-4"].type is StateType.UPSTREAM_FAILED


def test_in_a_task_of_a_flow_run_a_failed_state_stops_the_nested_call() -> None:
    @task
    def outer() -> Any:
        return down(bad(return_state=True), return_state=True).message

    @flow
    def nested() -> Any:
        return outer()

    assert run_flow(nested).value == (
        "task 'down': upstream task 'bad' did not reach a 'COMPLETED' state (Failed)"
    )


# -- 2. result_storage_key ---------------------------------------------------------------


def test_with_options_result_storage_key_none_clears_it() -> None:
    """Prefect 3.9.1: the copy's key is None, its policy the default one and its
    ``persist_result`` None; each call runs. ``retries=None`` is Prefect's default, 0."""
    calls: list[int] = []

    @task(result_storage_key="k-{parameters[x]}", retries=2)
    def keyed(x: int) -> int:
        calls.append(x)
        return x

    cleared = keyed.with_options(result_storage_key=None, retries=None)
    assert cleared.result_storage_key is None and cleared.persist_result is None
    assert repr(cleared.cache_policy) == "<cache policy INPUTS + TASK_SOURCE + RUN_ID>"
    assert cleared.retries == 0 and keyed.retries == 2
    assert keyed.result_storage_key == "k-{parameters[x]}"
    assert keyed.with_options(name="kept").result_storage_key == "k-{parameters[x]}"

    @flow
    def twice() -> list[str]:
        cleared(1), cleared(1)
        return [keyed(1, return_state=True).name, keyed(1, return_state=True).name]

    assert run_flow(twice).value == ["Completed", "Cached"]
    assert calls == [1, 1, 1]


def test_the_key_is_formatted_for_each_mapped_call() -> None:
    calls: list[int] = []

    @task(result_storage_key="m-{parameters[x]}")
    def keyed(x: int) -> int:
        calls.append(x)
        return x * 10

    @flow
    def mapped() -> list[Any]:
        values = [f.result() for f in keyed.map([1, 2])]  # (at once: one key each)
        return [*values, keyed(2, return_state=True).name, keyed(3, return_state=True).name]

    assert run_flow(mapped).value == [10, 20, "Cached", "Completed"]
    assert sorted(calls) == [1, 2, 3]


# -- 3. a __main__ block calling a flow twice --------------------------------------------

TWICE = """\
from flowtop import flow

@flow
def etl(n: int) -> int:
    print("ETL", n)
    return n

if __name__ == "__main__":
    etl(1)
    etl(2)
    etl.with_options(name="x")(3)
"""


def test_the_block_s_later_calls_of_a_flow_are_noted() -> None:
    (call,) = main_block_calls(ast.parse(TWICE)).values()
    assert (call.line, call.again) == (9, (10, 11))


def test_flowtop_run_file_runs_the_first_call_and_says_so(tmp_path: Any) -> None:
    """``python etl.py`` runs etl three times; ``flowtop run etl.py`` runs it once, as the
    block's first call, and says which calls it leaves."""
    (tmp_path / "etl.py").write_text(TWICE)
    done = flowtop("run", "etl.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[:2] == [
        "flowtop run: running etl(n=1), as etl.py's __main__ block calls it",
        "flowtop run: etl.py's __main__ block calls etl again (lines 10, 11): flowtop run runs"
        " each flow once, as line 9 calls it",
    ]
    assert "ETL 1" in done.stdout + done.stderr and "ETL 2" not in done.stdout + done.stderr
