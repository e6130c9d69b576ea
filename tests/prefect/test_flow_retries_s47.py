"""Review s47 of a drop-in ``@flow(retries=N)`` against Prefect 3.9.1 (checked side by side).

- A flow retry of a drop-in flow reused the tasks that completed before, as flowtop's own
  ``@flow`` retry does (a linked rerun): Prefect runs every task again on a flow retry
  (a ``token()`` task gave ``tok-2`` three times, Prefect ``tok-2, tok-5, tok-8``), unless
  the task's own caching says it is cached. Prefect's flow retry is the same flow run, so
  a key with its run id (``RUN_ID``, ``DEFAULT``, ``persist_result=True``) hits; a task
  that asks for no caching, ``NO_CACHE`` and ``refresh_cache=True`` run again.
- A flow that returned a list (tuple, set) of futures or states of which one failed ended
  ``Failed`` (``1/2 states failed.``) without its retries; Prefect retries it, as it
  retries a returned ``Failed(...)``. A returned dict of them is no state group in Prefect
  (its run completes), and a group with a cancelled state is ``Cancelled``: neither is
  retried.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from flowtop import flow, task
from flowtop.compat import prefect_imports
from flowtop.engine import StateType
from flowtop.engine.events import Event, RunStarted, TaskStateChanged
from flowtop.engine.runner import Runner

with prefect_imports():
    import prefect
    from prefect import cache_policies
    from prefect import flow as prefect_flow
    from prefect import task as prefect_task
    from prefect.states import Cancelled


def token_flow(
    make_flow: Callable[..., Any], make_task: Callable[..., Any]
) -> tuple[Any, list[str]]:
    """c25: a flow that rejects the token its task gives on its first two runs."""
    seen: list[str] = []
    bodies = []

    @make_task
    def token() -> str:
        seen.append("token")
        return f"tok-{len(seen)}"

    @make_flow(retries=2, retry_delay_seconds=0)
    def tokens() -> str:
        bodies.append(1)
        t = token()
        seen.append(t)
        if len(bodies) < 3:
            raise RuntimeError(f"token {t} rejected")
        return str(t)

    return tokens, seen


# -- 1. a drop-in flow's retry runs its tasks again ------------------------------------------
def test_a_drop_in_flow_retry_runs_every_task_again_as_prefect_does() -> None:
    tokens, seen = token_flow(prefect_flow, prefect_task)
    assert tokens() == "tok-5"
    assert seen == ["token", "tok-1", "token", "tok-3", "token", "tok-5"]


def test_flowtop_s_own_flow_retry_still_reuses_completed_tasks() -> None:
    """A documented flowtop feature: its retry is a linked rerun with the same cache (the
    task ran once, its result reused by each retry)."""
    tokens, seen = token_flow(flow, task)
    assert tokens() == "tok-1"
    assert seen == ["token", "tok-1", "tok-1", "tok-1"]


def test_each_drop_in_retry_is_still_a_linked_run_whose_tasks_ran() -> None:
    """The history shows each retry as a run of its own, ``rerun_of`` the one before, and
    none of its tasks ``reused``."""
    tokens, _ = token_flow(prefect_flow, prefect_task)
    events: list[Event] = []
    with Runner(sinks=(events.extend,)) as runner:
        result = runner.start(tokens).final_result(10)
        runner.bus.flush()
    assert result.state is StateType.COMPLETED and result.value == "tok-5"
    started = [e for e in events if isinstance(e, RunStarted)]
    assert [e.rerun_of for e in started] == [None, started[0].run_id, started[1].run_id]
    for run in started:
        steps = [e for e in events if isinstance(e, TaskStateChanged) and e.run_id == run.run_id]
        assert [e.state for e in steps] == [
            StateType.PENDING,
            StateType.RUNNING,
            StateType.COMPLETED,
        ]
        assert not any(e.reused for e in steps)


def test_with_options_and_prefect_flow_make_drop_in_flows_too() -> None:
    tokens, _ = token_flow(prefect_flow, prefect_task)
    again = tokens.with_options(name="again")
    assert isinstance(again, prefect.Flow) and type(again) is type(tokens)
    assert again() == "tok-5"
    calls: list[int] = []

    @prefect_task
    def step() -> None:
        calls.append(1)

    def body() -> None:
        step()
        if len(calls) < 2:
            raise RuntimeError("once")

    prefect.Flow(body, retries=1)()
    assert calls == [1, 1]


def test_a_subflow_s_retry_inside_a_parent_runs_its_task_again() -> None:
    """c10: a drop-in child flow retried inside its parent."""
    runs = {"child": 0, "leaf": 0}

    @prefect_task
    def leaf(x: int) -> int:
        runs["leaf"] += 1
        return x + 1

    @prefect_flow(retries=2, retry_delay_seconds=0)
    def child(x: int) -> int:
        runs["child"] += 1
        y = leaf(x)
        if runs["child"] < 2:
            raise RuntimeError("child flaky")
        return int(y)

    @prefect_flow
    def parent() -> int:
        return int(child(1)) + int(child(10))

    assert parent() == 13
    assert runs == {"child": 3, "leaf": 3}


def test_on_a_drop_in_flow_retry_a_task_s_own_caching_decides_as_in_prefect() -> None:
    """What Prefect 3.9.1 gave (the same file run by both): a task without caching runs
    again, as do ``NO_CACHE`` and ``refresh_cache=True``; a key of the inputs, a
    ``cache_key_fn``, and the flow run's id (``RUN_ID``, ``DEFAULT`` given, or turned on
    by ``persist_result=True``: the retry is the same flow run) are served the result the
    first run stored."""
    calls: dict[str, int] = {}
    fixed = f"fixed-{uuid.uuid4().hex}"

    def note(name: str) -> int:
        calls[name] = calls.get(name, 0) + 1
        return calls[name]

    @prefect_task
    def plain(x: str) -> int:
        return note("plain")

    @prefect_task(cache_policy=cache_policies.DEFAULT)
    def explicit_default(x: str) -> int:
        return note("explicit_default")

    @prefect_task(persist_result=True)
    def persisted(x: str) -> int:
        return note("persisted")

    @prefect_task(cache_policy=cache_policies.RUN_ID)
    def run_id_only(x: str) -> int:
        return note("run_id_only")

    @prefect_task(cache_policy=cache_policies.INPUTS)
    def inputs(x: str) -> int:
        return note("inputs")

    @prefect_task(cache_key_fn=lambda ctx, params: fixed)
    def keyfn(x: str) -> int:
        return note("keyfn")

    @prefect_task(cache_policy=cache_policies.NO_CACHE)
    def none_policy(x: str) -> int:
        return note("none_policy")

    @prefect_task(cache_policy=cache_policies.DEFAULT, refresh_cache=True)
    def refreshed(x: str) -> int:
        return note("refreshed")

    made = [plain, explicit_default, persisted, run_id_only, inputs, keyfn, none_policy, refreshed]
    runs = {"flow": 0}

    @prefect_flow(retries=1, retry_delay_seconds=0)
    def cached(tag: str) -> dict[str, int]:
        runs["flow"] += 1
        for each in made:
            each(tag)
        if runs["flow"] < 2:
            raise RuntimeError("again")
        return calls

    assert cached(uuid.uuid4().hex) == {
        "plain": 2,
        "explicit_default": 1,
        "persisted": 1,
        "run_id_only": 1,
        "inputs": 1,
        "keyfn": 1,
        "none_policy": 2,
        "refreshed": 2,
    }


# -- 2. a returned group of states that failed is retried ----------------------------------
@pytest.mark.parametrize("make_flow", [prefect_flow, flow], ids=["drop-in", "flowtop"])
@pytest.mark.parametrize("shape", [list, tuple, set])
def test_a_flow_that_returned_futures_one_failed_is_retried(
    make_flow: Callable[..., Any], shape: Callable[[Any], Any]
) -> None:
    """c54: Prefect's ``1/2 states failed.`` is a Failed flow run, retried."""
    n = {"body": 0, "bad": 0}

    @prefect_task
    def good() -> int:
        return 1

    @prefect_task
    def bad() -> int:
        n["bad"] += 1
        if n["body"] < 2:
            raise ValueError("bad on first run")
        return 2

    @make_flow(retries=1, retry_delay_seconds=0)
    def returns_futures() -> Any:
        n["body"] += 1
        return shape([good.submit(), bad.submit()])

    state = returns_futures(return_state=True)
    assert (state.name, state.message, n) == (
        "Completed",
        "All states completed.",
        {"body": 2, "bad": 2},
    )


def test_retries_spent_it_ends_failed_with_prefect_s_message() -> None:
    n = {"body": 0}

    @prefect_task
    def bad() -> int:
        raise ValueError("never")

    @prefect_flow(retries=2, retry_delay_seconds=0)
    def returns_states() -> Any:
        n["body"] += 1
        return [bad(return_state=True)]

    state = returns_states(return_state=True)
    assert (state.is_failed(), state.message, n["body"]) == (True, "1/1 states failed.", 3)


def test_a_returned_dict_or_cancelled_group_is_not_retried_as_in_prefect() -> None:
    """A dict of futures is no state group (Prefect completes the run); a group with a
    cancelled state is Prefect's ``Cancelled``, which it does not retry."""
    n = {"body": 0}

    @prefect_task
    def bad() -> int:
        raise ValueError("always")

    @prefect_task
    def stop() -> Any:
        return Cancelled(message="stop here")

    @prefect_flow(retries=1, retry_delay_seconds=0)
    def returns_dict() -> Any:
        n["body"] += 1
        return {"b": bad.submit()}

    @prefect_flow(retries=1, retry_delay_seconds=0)
    def returns_cancelled() -> Any:
        n["body"] += 1
        return [bad.submit(), stop.submit()]

    assert returns_dict(return_state=True).is_completed() and n["body"] == 1
    state = returns_cancelled(return_state=True)
    assert (state.message, n["body"]) == ("1/2 states cancelled.", 2)
