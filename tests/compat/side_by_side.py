"""Issue 14's side-by-side harness: the same Prefect 3 flow files under the real Prefect
and under flowtop's drop-in mode, compared on outcome, attempt counts and retry gaps.

    PYTHONPATH=app python tests/compat/side_by_side.py [--prefect-python PATH] [--only a,b]

Prefect runs from a separate virtual environment, never a flowtop dependency: by default
the one ``tests/benchmarks/compare.py`` creates (``tests/benchmarks/.venv-compare``, or
``$FLOWTOP_COMPARE_VENV``); ``--prefect-python`` names another interpreter. Each scenario
below is an unmodified Prefect 3 file whose ``main()`` records what it saw (attempts per
task, the gaps between attempts, the outcome) with plain Python, so the same code observes
both engines. Not part of the default test run (Prefect starts a server: it is slow).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

#: Shared by every scenario: the instrumentation (plain Python, no engine API).
PRELUDE = """
import time, asyncio
from collections import defaultdict
_calls = defaultdict(list)
def hit(name):
    _calls[name].append(time.monotonic())
    return len(_calls[name])
def observed(outcome):
    gaps = {k: [round(b - a, 2) for a, b in zip(v, v[1:])] for k, v in _calls.items()}
    return {"outcome": outcome, "attempts": {k: len(v) for k, v in _calls.items()}, "gaps": gaps}
def shown(value):
    # a state by its type: the two engines' reprs differ (Prefect's holds a result record)
    if isinstance(value, (list, tuple)):
        return [shown(v) for v in value]
    if hasattr(value, "is_completed") and hasattr(value, "type"):
        return f"<state {getattr(value.type, 'value', value.type)}>"
    return value
def described(value):
    # a future or a state by its kind (their reprs differ), a state with its data (an
    # exception by its class)
    if isinstance(value, (list, tuple)):
        return [described(v) for v in value]
    if "Future" in type(value).__name__:
        return "<future>"
    if hasattr(value, "is_completed") and hasattr(value, "type"):
        data = value.result(raise_on_failure=False)
        kind = type(data).__name__ if isinstance(data, BaseException) else data
        return f"<state {getattr(value.type, 'value', value.type)}: {kind!r}>"
    return value
def outcome_of(fn):
    try:
        value = fn()
    except BaseException as exc:
        return f"raised {type(exc).__name__}"
    return f"returned {shown(value)!r}"
"""

SCENARIOS: dict[str, str] = {
    "retries_then_success": """
        from prefect import flow, task
        @task(retries=2, retry_delay_seconds=0.2)
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return "up"
        @flow
        def f():
            return flaky()
        def main():
            return observed(outcome_of(f))
    """,
    "retries_exhausted": """
        from prefect import flow, task
        @task(retries=1, retry_delay_seconds=0)
        def always():
            hit("always")
            raise ValueError("no")
        @flow
        def f():
            return always()
        def main():
            return observed(outcome_of(f))
    """,
    "no_retries": """
        from prefect import flow, task
        @task
        def once():
            hit("once")
            raise ValueError("no")
        @flow
        def f():
            return once()
        def main():
            return observed(outcome_of(f))
    """,
    "retry_delay_list": """
        from prefect import flow, task
        @task(retries=3, retry_delay_seconds=[0.1, 0.3])
        def flaky():
            if hit("flaky") < 4:
                raise ConnectionError("down")
            return 1
        @flow
        def f():
            return flaky()
        def main():
            return observed(outcome_of(f))
    """,
    "retry_condition_rejects": """
        from prefect import flow, task
        def only_connection_errors(task, task_run, state):
            try:
                state.result()
            except ConnectionError:
                return True
            except Exception:
                return False
        @task(retries=3, retry_condition_fn=only_connection_errors)
        def lookup():
            hit("lookup")
            raise KeyError("missing")
        @flow
        def f():
            return lookup()
        def main():
            return observed(outcome_of(f))
    """,
    "retry_condition_accepts": """
        from prefect import flow, task
        def only_connection_errors(task, task_run, state):
            try:
                state.result()
            except ConnectionError:
                return True
            except Exception:
                return False
        @task(retries=3, retry_condition_fn=only_connection_errors)
        def fetch():
            if hit("fetch") < 3:
                raise ConnectionError("down")
            return "ok"
        @flow
        def f():
            return fetch()
        def main():
            return observed(outcome_of(f))
    """,
    "retry_condition_run_count": """
        from prefect import flow, task
        seen = []
        def stop_after_two(task, task_run, state):
            seen.append(task_run.run_count)
            return task_run.run_count < 2
        @task(retries=5)
        def base():
            raise ValueError("x")
        limited = base.with_options(retry_condition_fn=stop_after_two)
        @flow
        def f():
            return limited(return_state=True).is_failed()
        def main():
            return {**observed(outcome_of(f)), "seen": seen}
    """,
    "timeout_then_retry": """
        import time as _t
        from prefect import flow, task
        @task(retries=1, timeout_seconds=0.3)
        def slow():
            if hit("slow") == 1:
                _t.sleep(1.5)
            return "fast enough"
        @flow
        def f():
            return slow()
        def main():
            return observed(outcome_of(f))
    """,
    "return_state_failed": """
        from prefect import flow, task
        @task
        def boom():
            hit("boom")
            raise ValueError("x")
        @flow
        def f():
            state = boom(return_state=True)
            return [state.is_failed(), type(state.result(raise_on_failure=False)).__name__]
        def main():
            return observed(outcome_of(f))
    """,
    "submit_map_result": """
        from prefect import flow, task
        @task
        def double(x):
            hit("double")
            return 2 * x
        @flow
        def f():
            return [fut.result() for fut in double.map([1, 2, 3])]
        def main():
            return observed(outcome_of(f))
    """,
    "unmapped": """
        from prefect import flow, task, unmapped
        @task
        def add(x, ys):
            hit("add")
            return x + sum(ys)
        @flow
        def f():
            return [fut.result() for fut in add.map([1, 2], unmapped([10, 20]))]
        def main():
            return observed(outcome_of(f))
    """,
    "wait_for_order": """
        from prefect import flow, task
        order = []
        @task
        def first():
            hit("first"); order.append("first")
        @task
        def second():
            hit("second"); order.append("second")
            return "done"
        @flow
        def f():
            a = first.submit()
            return second.submit(wait_for=[a]).result()
        def main():
            return {**observed(outcome_of(f)), "order": order}
    """,
    "allow_failure": """
        from prefect import flow, task, allow_failure
        @task
        def boom():
            hit("boom")
            raise ValueError("x")
        @task
        def report(upstream):
            hit("report")
            return type(upstream).__name__
        @flow
        def f():
            return report.submit(allow_failure(boom.submit())).result()
        def main():
            return observed(outcome_of(f))
    """,
    "with_options": """
        from prefect import flow, task
        @task(retries=0)
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return "ok"
        patient = flaky.with_options(retries=2, retry_delay_seconds=0)
        @flow
        def f():
            return patient()
        def main():
            return observed(outcome_of(f))
    """,
    "task_outside_flow": """
        from prefect import task
        @task(retries=2, retry_delay_seconds=0.1)
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return "ok"
        def main():
            return observed(outcome_of(flaky))
    """,
    "task_in_task": """
        from prefect import flow, task
        @task(retries=1)
        def inner():
            if hit("inner") < 2:
                raise ConnectionError("once")
            return 1
        @task
        def outer():
            hit("outer")
            return inner() + 1
        @flow
        def f():
            return outer()
        def main():
            return observed(outcome_of(f))
    """,
    "flow_returns_completed": """
        from prefect import flow
        from prefect.states import Completed
        @flow
        def f():
            hit("f")
            return Completed(data=5)
        def main():
            return observed(outcome_of(f))
    """,
    "flow_returns_failed": """
        from prefect import flow
        from prefect.states import Failed
        @flow
        def f():
            hit("f")
            return Failed(message="declined")
        def main():
            return observed(outcome_of(f))
    """,
    "flow_returns_failed_future": """
        from prefect import flow, task
        @task
        def boom():
            hit("boom")
            raise ValueError("x")
        @flow
        def f():
            return boom.submit()
        def main():
            return observed(outcome_of(f))
    """,
    "flow_retries": """
        from prefect import flow
        @flow(retries=1)
        def f():
            if hit("f") < 2:
                raise RuntimeError("first run fails")
            return "second run"
        def main():
            return observed(outcome_of(f))
    """,
    "futures_wait": """
        from prefect import flow, task
        from prefect.futures import wait
        @task
        def square(x):
            hit("square")
            return x * x
        @flow
        def f():
            futures = [square.submit(i) for i in range(4)]
            done, not_done = wait(futures)
            return [len(done), len(not_done), sorted(x.result() for x in futures)]
        def main():
            return observed(outcome_of(f))
    """,
    "run_logger": """
        from prefect import flow, task, get_run_logger
        @task
        def logs():
            hit("logs")
            get_run_logger().info("hello")
            return "logged"
        @flow
        def f():
            get_run_logger().info("flow says hi")
            return logs()
        def main():
            return observed(outcome_of(f))
    """,
    "async_task_retries": """
        from prefect import flow, task
        @task(retries=2, retry_delay_seconds=0.1)
        async def fetch(x):
            if hit("fetch") < 2:
                raise ConnectionError("down")
            await asyncio.sleep(0.01)
            return x
        @flow
        async def f():
            return await fetch(3)
        def main():
            return observed(outcome_of(lambda: asyncio.run(f())))
    """,
    "async_gather": """
        from prefect import flow, task
        @task
        async def double(x):
            hit("double")
            await asyncio.sleep(0.01)
            return 2 * x
        @flow
        async def f():
            return list(await asyncio.gather(*(double(i) for i in range(5))))
        def main():
            return observed(outcome_of(lambda: asyncio.run(f())))
    """,
    "subflow_retries": """
        from prefect import flow, task
        @flow(retries=1)
        def child():
            if hit("child") < 2:
                raise RuntimeError("once")
            return 2
        @flow
        def parent():
            hit("parent")
            return child() * 10
        def main():
            return observed(outcome_of(parent))
    """,
    "exponential_backoff": """
        from prefect import flow, task
        from prefect.tasks import exponential_backoff
        @task(retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=0.1))
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return "ok"
        @flow
        def f():
            return flaky()
        def main():
            return observed(outcome_of(f))
    """,
    "jitter_attempts": """
        from prefect import flow, task
        @task(retries=2, retry_delay_seconds=0.1, retry_jitter_factor=0.5)
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return "ok"
        @flow
        def f():
            return flaky()
        def main():
            return observed(outcome_of(f))
    """,
    # -- the @flow outcome (issue 14's bugs) --------------------------------------------
    "flow_catches_direct_call": """
        from prefect import flow, task
        @task(retries=1)
        def boom():
            hit("boom")
            raise ValueError("x")
        @flow
        def f():
            try:
                boom()
            except ValueError:
                return "handled"
        def main():
            return observed(outcome_of(f))
    """,
    "flow_catches_submit_result": """
        from prefect import flow, task
        @task
        def boom():
            hit("boom")
            raise ValueError("x")
        @flow
        def f():
            try:
                boom.submit().result()
            except ValueError as exc:
                return f"handled {exc}"
        def main():
            return observed(outcome_of(f))
    """,
    "flow_ignores_failed_future": """
        from prefect import flow, task
        @task
        def boom():
            hit("boom")
            raise ValueError("x")
        @flow
        def f():
            boom.submit()
            return "ignored"
        def main():
            return observed(outcome_of(f))
    """,
    "flow_raises_own_error": """
        from prefect import flow, task
        @task
        def nothing():
            hit("nothing")
        @flow
        def f():
            return sum([nothing(), nothing()])
        def main():
            return observed(outcome_of(f))
    """,
    "flow_retries_after_handled_failure": """
        from prefect import flow, task
        @task
        def boom():
            hit("boom")
            raise ValueError("x")
        @flow(retries=1)
        def f():
            hit("f")
            try:
                boom()
            except ValueError:
                return "handled"
        def main():
            return observed(outcome_of(f))
    """,
    "flow_retries_exhausted": """
        from prefect import flow
        @flow(retries=2)
        def f():
            hit("f")
            raise RuntimeError("never")
        def main():
            return observed(outcome_of(f))
    """,
    "flow_retry_delay": """
        from prefect import flow
        @flow(retries=1, retry_delay_seconds=1)
        def f():
            if hit("f") < 2:
                raise RuntimeError("first run fails")
            return "second run"
        def main():
            return observed(outcome_of(f))
    """,
    "flow_return_state": """
        from prefect import flow
        @flow
        def f():
            hit("f")
            raise KeyError("k")
        def main():
            state = f(return_state=True)
            return observed([state.is_failed(), state.is_completed()])
    """,
    "flow_return_state_completed": """
        from prefect import flow
        @flow
        def f():
            hit("f")
            return 3
        def main():
            state = f(return_state=True)
            return observed([state.is_completed(), state.result()])
    """,
    "flow_returns_list_with_failed_future": """
        from prefect import flow, task
        @task
        def ok():
            hit("ok")
            return 1
        @task
        def boom():
            hit("boom")
            raise ValueError("x")
        @flow
        def f():
            return [ok.submit(), boom.submit()]
        def main():
            return observed(outcome_of(f))
    """,
    "flow_returns_completed_future": """
        from prefect import flow, task
        @task
        def ok():
            hit("ok")
            return 7
        @flow
        def f():
            return ok.submit()
        def main():
            return observed(outcome_of(f))
    """,
    "flow_parameters": """
        from prefect import flow, task
        @task
        def add(a, b):
            hit("add")
            return a + b
        @flow
        def f(x, y=10):
            return add(x, b=y)
        def main():
            return observed(outcome_of(lambda: f(1, y=2)))
    """,
    # -- task retries ---------------------------------------------------------------------
    "retry_delay_zero_many": """
        from prefect import flow, task
        @task(retries=4, retry_delay_seconds=0)
        def flaky():
            if hit("flaky") < 5:
                raise ConnectionError("down")
            return "up"
        @flow
        def f():
            return flaky()
        def main():
            return observed(outcome_of(f))
    """,
    "retry_delay_list_short": """
        from prefect import flow, task
        @task(retries=3, retry_delay_seconds=[0.2])
        def flaky():
            hit("flaky")
            raise ConnectionError("down")
        @flow
        def f():
            return flaky()
        def main():
            return observed(outcome_of(f))
    """,
    "retry_delay_int": """
        from prefect import flow, task
        @task(retries=1, retry_delay_seconds=1)
        def flaky():
            if hit("flaky") < 2:
                raise ConnectionError("down")
            return "up"
        @flow
        def f():
            return flaky()
        def main():
            return observed(outcome_of(f))
    """,
    "exponential_backoff_three": """
        from prefect import flow, task
        from prefect.tasks import exponential_backoff
        @task(retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=0.1))
        def flaky():
            hit("flaky")
            raise ConnectionError("down")
        @flow
        def f():
            return flaky()
        def main():
            return observed(outcome_of(f))
    """,
    "exponential_backoff_values": """
        from prefect.tasks import exponential_backoff
        def main():
            return observed(exponential_backoff(backoff_factor=2)(4))
    """,
    "jitter_zero_delay": """
        from prefect import flow, task
        @task(retries=2, retry_delay_seconds=0, retry_jitter_factor=1)
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return "ok"
        @flow
        def f():
            return flaky()
        def main():
            return observed(outcome_of(f))
    """,
    "retry_condition_raises": """
        from prefect import flow, task
        def broken(task, task_run, state):
            raise RuntimeError("condition is broken")
        @task(retries=2, retry_condition_fn=broken)
        def flaky():
            hit("flaky")
            raise ConnectionError("down")
        @flow
        def f():
            return flaky()
        def main():
            return observed(outcome_of(f))
    """,
    "retry_condition_not_on_success": """
        from prefect import flow, task
        consulted = []
        def cond(task, task_run, state):
            consulted.append(state.is_failed())
            return True
        @task(retries=2, retry_condition_fn=cond)
        def fine():
            hit("fine")
            return 1
        @flow
        def f():
            return fine()
        def main():
            return {**observed(outcome_of(f)), "consulted": consulted}
    """,
    "retry_condition_sees_task_name": """
        from prefect import flow, task
        names = []
        def cond(task, task_run, state):
            names.append(task.name)
            return False
        @task(name="named-task", retries=1, retry_condition_fn=cond)
        def t():
            hit("t")
            raise ValueError("x")
        @flow
        def f():
            return t(return_state=True).is_failed()
        def main():
            return {**observed(outcome_of(f)), "names": names}
    """,
    "map_retries_per_item": """
        from prefect import flow, task
        @task(retries=2, retry_delay_seconds=0)
        def flaky(x):
            if hit(f"flaky{x}") < x:
                raise ConnectionError("down")
            return x
        @flow
        def f():
            return [fut.result() for fut in flaky.map([1, 2, 3])]
        def main():
            return observed(outcome_of(f))
    """,
    "map_one_exhausts": """
        from prefect import flow, task
        @task(retries=1, retry_delay_seconds=0)
        def picky(x):
            hit(f"picky{x}")
            if x == 2:
                raise ValueError("two")
            return x
        @flow
        def f():
            futures = picky.map([1, 2, 3])
            return [fut.state.is_completed() for fut in futures] if all(
                fut.wait() is None for fut in futures
            ) else "waited"
        def main():
            return observed(outcome_of(f))
    """,
    "submit_retries_gaps": """
        from prefect import flow, task
        @task(retries=2, retry_delay_seconds=[0.1, 0.4])
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return "ok"
        @flow
        def f():
            return flaky.submit().result()
        def main():
            return observed(outcome_of(f))
    """,
    "timeout_every_attempt": """
        import time as _t
        from prefect import flow, task
        @task(retries=1, timeout_seconds=0.2)
        def slow():
            hit("slow")
            _t.sleep(0.6)
        @flow
        def f():
            return slow()
        def main():
            return observed(outcome_of(f))
    """,
    "task_fn_bypasses_retries": """
        from prefect import task
        @task(retries=3)
        def flaky():
            hit("flaky")
            raise ConnectionError("down")
        def main():
            return observed(outcome_of(flaky.fn))
    """,
    "task_returns_failed_state": """
        from prefect import flow, task
        from prefect.states import Failed
        @task(retries=1, retry_delay_seconds=0)
        def declines():
            hit("declines")
            return Failed(message="declined")
        @flow
        def f():
            return declines(return_state=True).is_failed()
        def main():
            return observed(outcome_of(f))
    """,
    "task_returns_failed_state_async": """
        from prefect import flow, task
        from prefect.states import Failed
        @task(retries=1, retry_delay_seconds=0)
        async def declines():
            hit("declines")
            return Failed(message="declined")
        @flow
        async def f():
            return (await declines(return_state=True)).is_failed()
        def main():
            return observed(outcome_of(lambda: asyncio.run(f())))
    """,
    "task_returns_failed_state_called_in_flow": """
        from prefect import flow, task
        from prefect.states import Failed
        @task
        def declines():
            hit("declines")
            return Failed(message="declined")
        @flow
        def f():
            state = declines()
            return [type(state).__name__, state.is_failed(), state.message]
        def main():
            return observed(outcome_of(f))
    """,
    "task_returns_failed_state_called_outside_flow": """
        from prefect import task
        from prefect.states import Failed
        @task
        def declines():
            hit("declines")
            return Failed(message="declined")
        def call():
            state = declines()
            return [state.is_failed(), state.message]
        def main():
            return observed(outcome_of(call))
    """,
    "future_inside_dataclass": """
        from dataclasses import dataclass
        from prefect import flow, task
        @dataclass
        class Params:
            rate: object = None
        @task
        def get_rate():
            hit("get_rate")
            return 100.0
        @task
        def show(value):
            hit("show")
            return repr(value)
        @flow
        def f():
            return show(Params(get_rate.submit()))
        def main():
            return observed(outcome_of(f))
    """,
    "failed_state_messages": """
        import time
        from prefect import flow, task
        @task
        def bad():
            hit("bad")
            raise ValueError("meh")
        @task(timeout_seconds=0.3)
        def slow():
            hit("slow")
            time.sleep(1)
        @flow
        def f():
            return [bad(return_state=True).message, slow(return_state=True).message]
        @flow
        def c():
            raise RuntimeError("boom")
        def main():
            return observed(outcome_of(lambda: f() + [c(return_state=True).message]))
    """,
    "task_in_task_returns_failed_state": """
        from prefect import flow, task
        from prefect.states import Failed
        @task(retries=1, retry_delay_seconds=0)
        def inner():
            hit("inner")
            return Failed(message="inner declined")
        @task
        def outer():
            hit("outer")
            return inner()
        @flow
        def f():
            state = outer()
            return [state.is_failed(), state.message]
        def main():
            return observed(outcome_of(f))
    """,
    "task_returns_completed_state_submitted": """
        from prefect import flow, task
        from prefect.states import Completed
        @task
        def gives():
            hit("gives")
            return Completed(data=5)
        @flow
        def f():
            return gives.submit().result()
        def main():
            return observed(outcome_of(f))
    """,
    "task_returns_completed_state_outside_flow": """
        from prefect import task
        from prefect.states import Completed
        @task
        def gives():
            hit("gives")
            return Completed(data=5)
        def main():
            return observed(outcome_of(gives))
    """,
    "task_outside_flow_return_state": """
        from prefect import task
        @task(retries=1, retry_delay_seconds=0)
        def boom():
            hit("boom")
            raise ValueError("x")
        def main():
            state = boom(return_state=True)
            return observed([state.is_failed(), type(state.result(raise_on_failure=False)).__name__])
    """,
    # -- states and futures ---------------------------------------------------------------
    "future_result_no_raise": """
        from prefect import flow, task
        @task
        def boom():
            hit("boom")
            raise ValueError("x")
        @flow
        def f():
            value = boom.submit().result(raise_on_failure=False)
            return type(value).__name__
        def main():
            return observed(outcome_of(f))
    """,
    "future_state_after_wait": """
        from prefect import flow, task
        @task
        def ok():
            hit("ok")
            return 1
        @flow
        def f():
            fut = ok.submit()
            fut.wait()
            return [fut.state.is_completed(), fut.state.is_failed(), fut.result()]
        def main():
            return observed(outcome_of(f))
    """,
    "failed_future_as_argument": """
        from prefect import flow, task
        @task
        def boom():
            hit("boom")
            raise ValueError("x")
        @task
        def use(x):
            hit("use")
            return x
        @flow
        def f():
            state = use.submit(boom.submit()).wait()
            return "waited"
        def main():
            return observed(outcome_of(f))
    """,
    "state_result_raises_original": """
        from prefect import flow, task
        @task
        def boom():
            hit("boom")
            raise KeyError("k")
        @flow
        def f():
            state = boom(return_state=True)
            try:
                state.result()
            except KeyError:
                return "KeyError"
        def main():
            return observed(outcome_of(f))
    """,
    "wait_for_failed_upstream": """
        from prefect import flow, task
        @task
        def boom():
            hit("boom")
            raise ValueError("x")
        @task
        def after():
            hit("after")
            return "ran"
        @flow
        def f():
            b = boom.submit()
            return after.submit(wait_for=[b]).result(raise_on_failure=False) == "ran"
        def main():
            return observed(outcome_of(f))
    """,
    "chained_futures": """
        from prefect import flow, task
        @task
        def inc(x):
            hit("inc")
            return x + 1
        @flow
        def f():
            a = inc.submit(0)
            b = inc.submit(a)
            c = inc.submit(b)
            return c.result()
        def main():
            return observed(outcome_of(f))
    """,
    # -- async, subflows ------------------------------------------------------------------
    "async_submit_future": """
        from prefect import flow, task
        @task(retries=1, retry_delay_seconds=0)
        async def fetch(x):
            if hit("fetch") < 2:
                raise ConnectionError("down")
            return x + 1
        @flow
        async def f():
            fut = fetch.submit(1)
            return fut.result()
        def main():
            return observed(outcome_of(lambda: asyncio.run(f())))
    """,
    "async_gather_retries": """
        from prefect import flow, task
        @task(retries=1, retry_delay_seconds=0.2)
        async def fetch(x):
            if hit(f"fetch{x}") < 2:
                raise ConnectionError("down")
            return x
        @flow
        async def f():
            return list(await asyncio.gather(*(fetch(i) for i in range(3))))
        def main():
            return observed(outcome_of(lambda: asyncio.run(f())))
    """,
    "async_flow_raises": """
        from prefect import flow, task
        @flow
        async def f():
            hit("f")
            raise LookupError("nope")
        def main():
            return observed(outcome_of(lambda: asyncio.run(f())))
    """,
    "async_subflow": """
        from prefect import flow, task
        @task
        async def one():
            hit("one")
            return 1
        @flow
        async def child():
            return await one()
        @flow
        async def parent():
            return (await child()) + 1
        def main():
            return observed(outcome_of(lambda: asyncio.run(parent())))
    """,
    "flow_hooks_completion": """
        from prefect import flow
        def running(flow, flow_run, state):
            hit(f"on_running {flow.name} {state.name} {flow_run.run_count}")
        def completed(flow, flow_run, state):
            hit(f"on_completion {flow.name} {state.name} {state.is_completed()}")
        def failed(flow, flow_run, state):
            hit("on_failure")
        @flow(on_running=[running], on_completion=[completed], on_failure=[failed])
        def f():
            hit("body")
            return 1
        def main():
            return observed(outcome_of(f))
    """,
    "flow_hooks_failure": """
        from prefect import flow
        def completed(flow, flow_run, state):
            hit("on_completion")
        def failed(flow, flow_run, state):
            hit(f"on_failure {state.name} {state.is_failed()} {state.message}")
            try:
                state.result()
            except ValueError as exc:
                hit(f"result raised {exc}")
        @flow(on_completion=[completed], on_failure=[failed])
        def f():
            hit("body")
            raise ValueError("x")
        def main():
            return observed(outcome_of(f))
    """,
    "flow_hooks_retries": """
        from prefect import flow
        def running(flow, flow_run, state):
            hit(f"on_running {state.name} {flow_run.run_count}")
        def failed(flow, flow_run, state):
            hit("on_failure")
        def completed(flow, flow_run, state):
            hit(f"on_completion {flow_run.run_count}")
        @flow(retries=1, on_running=[running], on_failure=[failed], on_completion=[completed])
        def f():
            if hit("body") < 2:
                raise RuntimeError("first run fails")
            return "second run"
        def main():
            return observed(outcome_of(f))
    """,
    "flow_hook_raises": """
        from prefect import flow
        def broken(flow, flow_run, state):
            hit("broken")
            raise RuntimeError("hook bug")
        def after(flow, flow_run, state):
            hit("after")
        @flow(on_completion=[broken, after])
        def f():
            return "done"
        def main():
            return observed(outcome_of(f))
    """,
    "flow_hook_decorators": """
        from prefect import flow
        @flow
        def f(fail: bool = False):
            if fail:
                raise KeyError("k")
            return "ok"
        @f.on_completion
        def completed(flow, flow_run, state):
            hit("on_completion")
        @f.on_failure
        def failed(flow, flow_run, state):
            hit("on_failure")
        @f.on_running
        async def running(flow, flow_run, state):
            hit(f"on_running async, after {len(_calls)} names hit")
        def main():
            return observed([outcome_of(f), outcome_of(lambda: f(fail=True)),
                             len(f.on_completion_hooks), len(f.on_cancellation_hooks),
                             len(f.on_crashed_hooks)])
    """,
    "flow_hooks_returned_failed_state": """
        from prefect import flow, task
        @task
        def boom():
            raise ValueError("x")
        def failed(flow, flow_run, state):
            hit(f"on_failure {state.name}")
        def completed(flow, flow_run, state):
            hit("on_completion")
        @flow(on_failure=[failed], on_completion=[completed])
        def f():
            return boom(return_state=True)
        def main():
            return observed(outcome_of(f))
    """,
    "flow_hook_bad_option": """
        from prefect import flow
        def main():
            try:
                @flow(on_failure=lambda flow, flow_run, state: None)
                def f():
                    return 1
            except TypeError as exc:
                return observed(f"TypeError {str(exc).splitlines()[0]}")
            return observed("accepted")
    """,
    "flow_timeout": """
        import time as _t
        from prefect import flow
        def failed(flow, flow_run, state):
            hit(f"on_failure {state.name} {state.message}")
        @flow(timeout_seconds=0.5, on_failure=[failed])
        def f():
            for _ in range(20):
                hit("tick")
                _t.sleep(0.15)
            return "finished"
        def main():
            try:
                f()
            except TimeoutError as exc:
                outcome = f"raised {type(exc).__name__}: {exc}"
            else:
                outcome = "returned"
            _t.sleep(2.5)
            return observed([outcome, f.timeout_seconds])
    """,
    "flow_timeout_retries": """
        import time as _t
        from prefect import flow
        @flow(timeout_seconds=0.5, retries=1)
        def f():
            if hit("body") == 1:
                for _ in range(10):
                    _t.sleep(0.1)
                hit("slow body went on")
            return "second run"
        def main():
            return observed(outcome_of(f))
    """,
    "flow_timeout_task_in_flight": """
        import time as _t
        from prefect import flow, task
        @task
        def slow():
            hit("slow")
            _t.sleep(1.5)
            hit("slow finished")
            return 1
        @flow(timeout_seconds=0.5)
        def f():
            value = slow()
            hit("after slow")
            return value
        def main():
            outcome = outcome_of(f)
            _t.sleep(2)
            return observed(outcome)
    """,
    "cache_hit_state_name": """
        import time as _t
        from prefect import flow, task
        from prefect.tasks import task_input_hash
        @task(cache_key_fn=task_input_hash)
        def double(x):
            hit("double")
            return 2 * x
        @flow
        def f():
            x = _t.time_ns()  # a key no earlier run stored
            first = double(x, return_state=True)
            future = double.submit(x)
            future.wait()
            second = future.state
            return [first.name, second.name, second.is_completed(), second.result() == 2 * x]
        def main():
            return observed(outcome_of(f))
    """,
    "cache_outside_a_flow": """
        import time as _t
        from prefect import task
        from prefect.cache_policies import INPUTS
        @task(cache_policy=INPUTS)
        def double(x):
            hit("double")
            return 2 * x
        def main():
            x = _t.time_ns()  # a key no earlier run stored
            first = double(x, return_state=True)
            second = double(x, return_state=True)
            other = double(x + 1)
            return observed([first.name, second.name, second.result() == 2 * x, other == 2 * x + 2])
    """,
    "runtime_module": """
        from prefect import flow, task
        from prefect.runtime import deployment, flow_run, task_run
        outside = [flow_run.id, flow_run.name, flow_run.run_count, flow_run.parameters,
                   task_run.id, task_run.run_count, task_run.parameters, deployment.id]
        @task(retries=1, retry_delay_seconds=0)
        def step(x):
            if hit("step") < 2:
                raise ConnectionError("once")
            return [task_run.task_name, task_run.run_count, task_run.parameters,
                    flow_run.flow_name, flow_run.parameters]
        @flow
        def child():
            return [flow_run.parent_flow_run_id is not None,
                    flow_run.root_flow_run_id != flow_run.id]
        def named():
            return f"day-{flow_run.parameters['n']}"
        @flow(flow_run_name=named)
        def f(n: int = 2):
            return [step(n), flow_run.name, flow_run.run_count, flow_run.root_flow_run_id == flow_run.id,
                    flow_run.parent_flow_run_id, deployment.id, deployment.parameters,
                    deployment.flow_run_id == flow_run.id, child()]
        def main():
            return observed([outside, outcome_of(f)])
    """,
    "quote_and_opaque": """
        from prefect import flow, task
        from prefect.utilities.annotations import opaque, quote
        @task
        def one():
            hit("one")
            return 1
        @task
        def look(x):
            inner = x[0] if isinstance(x, list) else x
            is_future = hasattr(inner, "result") and not isinstance(inner, int)
            return [type(x).__name__, is_future, inner if isinstance(inner, int) else None]
        @flow
        def f():
            future = one.submit()
            return [look(quote([future])), look(opaque(future)), look(quote(5)), look(opaque([3])),
                    quote(7).unquote()]
        def main():
            return observed([outcome_of(f), outcome_of(lambda: look(quote([2])))])
    """,
    "inputs_outside_a_flow": """
        from prefect import allow_failure, task, unmapped
        from prefect.logging import disable_run_logger, get_run_logger
        @task
        def look(x):
            return type(x).__name__ if not isinstance(x, int) else x
        @task
        def logs():
            get_run_logger().info("hi")
            return "logged"
        def main():
            with disable_run_logger():
                quiet = outcome_of(logs.fn)
            return observed([outcome_of(lambda: look(unmapped(3))),
                             outcome_of(lambda: look(allow_failure(4))),
                             outcome_of(logs.fn), quiet])
    """,
    "tags_context": """
        from prefect import flow, tags, task
        from prefect.runtime import flow_run, task_run
        @task(tags=["own"])
        def step():
            return sorted(task_run.tags)
        @flow
        def f():
            with tags("inner"):
                first = step()
            return [sorted(flow_run.tags), first, step()]
        def main():
            with tags("outer", "nightly") as current:
                tagged = outcome_of(f)
                seen = sorted(current)
            return observed([tagged, seen, outcome_of(f), sorted(task_run.tags)])
    """,
    "flow_with_options": """
        from prefect import flow
        def done(flow, flow_run, state):
            hit(f"done {flow.name}")
        @flow(timeout_seconds=30, on_completion=[done])
        def nightly(day: str = "mon"):
            if hit(f"body {day}") < 2:
                raise RuntimeError("first run fails")
            return day
        retried = nightly.with_options(name="nightly-retried", retries=1, on_completion=[])
        def main():
            return observed([outcome_of(lambda: retried(day="tue")), retried.name, retried.retries,
                             retried.timeout_seconds, len(retried.on_completion_hooks),
                             nightly.name, nightly.retries,
                             nightly.with_options(retries=None).retries])
    """,
    "variables": """
        import os, tempfile
        from prefect import flow
        from prefect.variables import Variable
        @flow
        def f():
            Variable.set("sbs_region", "eu", overwrite=True)
            try:
                Variable.set("sbs_region", "us")
            except ValueError as exc:
                refused = str(exc).splitlines()[0]
            Variable.set("sbs_limits", {"rows": 10, "tags": ["a"]}, overwrite=True)
            return [Variable.get("sbs_region"), refused, Variable.get("sbs_limits"),
                    Variable.get("sbs-missing"), Variable.get("sbs-missing", default=3),
                    Variable.unset("sbs_region"), Variable.unset("sbs_region"),
                    Variable.get("sbs_region", "gone"), Variable.unset("sbs_limits")]
        def bad_name():
            try:
                Variable.set("Bad Name", 1)
            except ValueError:  # Prefect's is pydantic's ValidationError, a ValueError
                return "refused"
        def main():
            here = os.getcwd()
            with tempfile.TemporaryDirectory() as folder:
                os.chdir(folder)  # flowtop keeps them in ./.flowtop outside a workspace's run
                try:
                    return observed([outcome_of(f), outcome_of(bad_name)])
                finally:
                    os.chdir(here)
    """,
    "concurrency_limits": """
        from prefect import flow, task
        from prefect.concurrency.sync import concurrency, rate_limit
        @task
        def guarded(i):
            with concurrency("sbs-no-such-limit", occupy=1):
                return i
        @task
        def strict():
            with concurrency("sbs-no-such-limit", strict=True):
                return "entered"
        @flow
        def f():
            futures = [guarded.submit(i) for i in range(3)]
            rate_limit("sbs-no-such-limit-either")
            return [sorted(x.result() for x in futures), strict(return_state=True).is_failed()]
        def main():
            return observed(outcome_of(f))
    """,
    "subflow_failure_caught": """
        from prefect import flow
        @flow
        def child():
            hit("child")
            raise KeyError("nope")
        @flow
        def parent():
            try:
                child()
            except KeyError:
                return "caught"
        def main():
            return observed(outcome_of(parent))
    """,
    "subflow_return_state": """
        from prefect import flow
        @flow
        def child():
            hit("child")
            raise KeyError("nope")
        @flow
        def parent():
            return child(return_state=True).is_failed()
        def main():
            return observed(outcome_of(parent))
    """,
    "subflow_with_task_retries": """
        from prefect import flow, task
        @task(retries=2, retry_delay_seconds=0)
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return 5
        @flow
        def child():
            return flaky()
        @flow
        def parent():
            return child() + 1
        def main():
            return observed(outcome_of(parent))
    """,
    "run_logger_copied_context": """
        import contextvars, threading
        from prefect import flow, get_run_logger, task
        from prefect.context import FlowRunContext, TaskRunContext
        seen = []
        def work(where):
            try:
                logger = get_run_logger()
                logger.warning("from a thread of the %s", where)
                seen.append([where, logger.logger.name.rsplit(".", 1)[-1],
                             FlowRunContext.get() is not None, TaskRunContext.get() is not None])
            except Exception as exc:
                seen.append([where, type(exc).__name__])
        def in_threads(where):
            copied = threading.Thread(target=contextvars.copy_context().run, args=(work, where))
            copied.start(); copied.join()
            plain = threading.Thread(target=work, args=(f"{where}, not copied",))
            plain.start(); plain.join()
        @task
        def alone():
            in_threads("task called outside a flow")
            return 1
        @flow
        def body():
            in_threads("flow body")
            return 2
        @flow
        async def async_body():
            await asyncio.to_thread(work, "async flow's to_thread")
            return 3
        def main():
            return observed([outcome_of(alone), outcome_of(body),
                             outcome_of(lambda: asyncio.run(async_body())), seen])
    """,
    "generator_task_submit_map": """
        from prefect import flow, task
        @task(retries=1)
        def numbers(n):
            attempt = hit(f"numbers {n}")
            yield 1
            if n == 0 and attempt == 1:
                raise ValueError("first attempt fails")
            yield n
        @task
        def broken():
            hit("broken")
            yield 1
            raise KeyError("nope")
        @flow
        def f():
            return [numbers.submit(0).result(), numbers.submit(5).result(),
                    [x.result() for x in numbers.map([2, 3])],
                    outcome_of(lambda: broken.submit().result()),
                    [s.is_completed() for s in numbers.map([7, 8], return_state=True)],
                    list(numbers(4))]
        def main():
            return observed(outcome_of(f))
    """,
    "exponential_backoff_readback": """
        from prefect import task
        from prefect.tasks import exponential_backoff
        def read(**options):
            @task(**options)
            def t():
                return 1
            return t
        def main():
            three = read(retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=2))
            none = read(retry_delay_seconds=exponential_backoff(backoff_factor=2))
            many = read(retries=60, retry_delay_seconds=exponential_backoff(backoff_factor=0.5))
            more = three.with_options(retries=5)
            return observed([three.retry_delay_seconds, none.retry_delay_seconds, none.retries,
                             len(many.retry_delay_seconds), more.retries,
                             more.retry_delay_seconds, none.with_options(retries=2).retry_delay_seconds])
    """,
    "flow_run_logger_in_hooks": """
        import logging
        from prefect import flow, task
        from prefect.logging.loggers import flow_run_logger, task_run_logger
        seen = []
        class Kept(logging.Handler):
            def emit(self, record):
                seen.append([record.levelname, record.getMessage()])
        def flow_done(flow, flow_run, state):
            logger = flow_run_logger(flow_run, flow)
            logger.logger.addHandler(Kept())
            logger.warning("flow %s done", flow.name)
            extra = logger.extra
            seen.append([isinstance(logger, logging.LoggerAdapter), extra["flow_name"],
                         extra["flow_run_name"] == flow_run.name,
                         extra["flow_run_id"] == str(flow_run.id), extra["deployment_name"],
                         logger.logger.name.rsplit(".", 1)[-1]])
        def task_done(task, task_run, state):
            extra = task_run_logger(task_run, task).extra
            seen.append([extra["task_name"], extra["task_run_name"] == task_run.name,
                         extra["flow_name"], extra["flow_run_id"] is not None])
        @task(on_completion=[task_done])
        def step():
            return 1
        @flow(on_completion=[flow_done])
        def nightly():
            return step()
        def main():
            without = outcome_of(flow_run_logger)
            bare = flow_run_logger(flow_run_id="abc", region="eu").extra
            return observed([outcome_of(nightly), seen, without, bare])
    """,
    "returned_completed_state": """
        from prefect import flow, task
        from prefect.states import Completed
        @task
        def made():
            return Completed(data=5)
        @task
        def named():
            return Completed(data=[1], message="hi", name="Skipped")
        def read(state):
            return [state.name, state.message, state.is_completed(), state.result()]
        def calls():
            return [read(made(return_state=True)), made(return_state=True).result(),
                    read(made()), read(named(return_state=True)), read(named())]
        @flow
        def f():
            return calls()
        def main():
            return observed([calls(), outcome_of(f)])
    """,
    "flow_parameter_bind": """
        from prefect import flow
        from prefect.exceptions import ParameterBindError
        @flow
        def f(x, y=1):
            hit("f")
            return x
        @flow
        async def af(x):
            hit("af")
            return x
        def bound(call):
            try:
                call()
            except ParameterBindError as exc:
                return [isinstance(exc, TypeError), str(exc)]
            return "no error"
        @flow
        def parent():
            return [bound(lambda: f()), bound(lambda: f(return_state=True))]
        def main():
            return observed([bound(lambda: f()), bound(lambda: f(1, 2, 3)),
                             bound(lambda: f(1, z=2)), bound(lambda: f(return_state=True)),
                             bound(lambda: af()), outcome_of(parent), f(5)])
    """,
    "async_task_timeout_cancelled": """
        from prefect import flow, task
        seen = []
        @task(timeout_seconds=0.2)
        async def slow(n):
            hit(f"slow {n}")
            try:
                await asyncio.sleep(0.6)
            except asyncio.CancelledError:
                seen.append(f"cancelled {n}")
                raise
            seen.append(f"ended {n}")
            return n
        @flow
        async def awaited():
            state = await slow(1, return_state=True)
            await asyncio.sleep(0.8)  # time for a coroutine not cancelled to end
            return [state.name, state.is_failed()]
        @flow
        def submitted():
            future = slow.submit(2)
            future.wait()
            time.sleep(0.8)
            return [future.state.name, future.state.is_failed()]
        def main():
            return observed([outcome_of(lambda: asyncio.run(awaited())),
                             outcome_of(submitted), seen])
    """,
    "run_logger_copied_context_task": """
        import contextvars, threading
        from prefect import flow, get_run_logger, task
        from prefect.context import FlowRunContext, TaskRunContext
        seen = []
        def work(where):
            try:
                logger = get_run_logger()
                logger.warning("from a thread of the %s", where)
                context = TaskRunContext.get()
                seen.append([where, logger.logger.name.rsplit(".", 1)[-1],
                             FlowRunContext.get() is not None, context and context.task.name])
            except Exception as exc:
                seen.append([where, type(exc).__name__])
        @task
        def step():
            copied = threading.Thread(target=contextvars.copy_context().run,
                                      args=(work, "task in a flow"))
            copied.start(); copied.join()
            plain = threading.Thread(target=work, args=("task in a flow, not copied",))
            plain.start(); plain.join()
            return 1
        @task
        async def astep():
            await asyncio.to_thread(work, "async task's to_thread in a flow")
            return 2
        @flow
        def body():
            return step() + step.submit().result()
        @flow
        async def abody():
            return await astep()
        def main():
            return observed([outcome_of(body), outcome_of(lambda: asyncio.run(abody())), seen])
    """,
    # -- retry_delay_seconds as Prefect reads it, and a returned Failed's result ---------
    "retry_delay_callable": """
        from prefect import flow, task
        seen = []
        def delays(retries):
            seen.append(retries)
            return [0.05 * (i + 1) for i in range(retries)]
        @task(retries=3, retry_delay_seconds=delays)
        def flaky():
            if hit("flaky") < 4:
                raise ConnectionError("down")
            return "ok"
        @flow
        def f():
            return flaky()
        def main():
            read = [round(d, 2) for d in flaky.retry_delay_seconds]
            return {**observed(outcome_of(f)), "seen": seen, "read": read}
    """,
    "retry_delay_callable_short": """
        from prefect import flow, task
        seen = []
        def one(retries):
            seen.append(("one", retries))
            return 0.05
        def short(retries):
            seen.append(("short", retries))
            return [0.05]
        @task(retries=2, retry_delay_seconds=one)
        def a():
            if hit("a") < 3:
                raise ConnectionError("down")
            return 1
        @task(retries=2, retry_delay_seconds=short)
        def b():
            if hit("b") < 4:
                raise ConnectionError("down")
            return 2
        more = b.with_options(retries=3)
        @flow
        def f():
            return [a(), more()]
        def main():
            read = [a.retry_delay_seconds, b.retry_delay_seconds, more.retry_delay_seconds]
            return {**observed(outcome_of(f)), "seen": [list(x) for x in seen], "read": read}
    """,
    "retry_delay_empty_list": """
        from prefect import flow, task
        def none_at_all(retries):
            return []
        @task(retries=2, retry_delay_seconds=[])
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return "ok"
        @task(retries=1, retry_delay_seconds=none_at_all)
        def other():
            if hit("other") < 2:
                raise ConnectionError("down")
            return "ok too"
        @flow
        def f():
            return [flaky(), other(), flaky.with_options(retries=0).retry_delay_seconds]
        def main():
            read = [flaky.retry_delay_seconds, other.retry_delay_seconds]
            return {**observed(outcome_of(f)), "read": read}
    """,
    "returned_failed_result": """
        from prefect import flow, task
        from prefect.states import Failed
        @task
        def declines():
            return Failed(message="declined")
        @task
        def declines_with(data):
            return Failed(message="declined", data=data)
        def kind(value):
            return value if value is None or isinstance(value, int) else type(value).__name__
        @flow
        def f():
            seen = []
            for call in (
                lambda **kw: declines(**kw),
                lambda **kw: declines_with(ValueError("bad"), **kw),
                lambda **kw: declines_with(42, **kw),
            ):
                state = call(return_state=True)
                handed = call()
                seen.append([
                    kind(state.result(raise_on_failure=False)),
                    kind(handed.result(raise_on_failure=False)),
                    state.message,
                ])
            future = declines.submit()
            future.wait()
            seen.append(kind(future.state.result(raise_on_failure=False)))
            seen.append(kind(future.result(raise_on_failure=False)))
            valued = declines_with.submit(42)
            valued.wait()
            seen.append(kind(valued.result(raise_on_failure=False)))
            return seen
        @flow
        def flow_declines():
            return Failed(message="flow declined")
        @flow
        def flow_declines_with():
            return Failed(message="flow declined", data=ValueError("bad"))
        def flow_states():
            out = []
            for fl in (flow_declines, flow_declines_with):
                state = fl(return_state=True)
                out.append([kind(state.result(raise_on_failure=False)), state.message])
            return out
        def main():
            outside = declines(return_state=True).result(raise_on_failure=False)
            return {
                **observed(outcome_of(f)),
                "flows": flow_states(),
                "outside": kind(outside),
            }
    """,
    "delay_callable_none": """
        from prefect import flow, task
        def nothing(retries):
            return None
        @task(retries=2, retry_delay_seconds=nothing)
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return "up"
        @flow
        def f():
            return flaky()
        def main():
            read = [flaky.retry_delay_seconds, flaky.with_options(retries=3).retry_delay_seconds]
            return {**observed(outcome_of(f)), "read": read}
    """,
    "failed_data_result": """
        from prefect import flow, task
        from prefect.states import Completed, Failed
        def raised(fn):
            try:
                fn()
            except BaseException as exc:
                return [type(exc).__name__, str(exc)]
            return "no error"
        @task
        def declines():
            return Failed(data=42)
        @flow
        def f():
            state = declines(return_state=True)
            future = declines.submit()
            future.wait()
            handed = declines()
            return [
                raised(state.result),
                raised(future.result),
                raised(handed.result),
                state.result(raise_on_failure=False),
            ]
        @flow
        def returns_it():
            return Failed(data=42)
        def main():
            made = [
                raised(Failed(data=42).result),
                raised(Failed(data=[1]).result),
                raised(Failed().result),
                raised(Failed(data=[Completed(data=1), Failed(data=42)]).result),
            ]
            return {**observed(outcome_of(f)), "made": made, "flow": raised(returns_it)}
    """,
    "async_generator_submit": """
        from prefect import flow, task
        @task(retries=1)
        async def letters(n):
            hit("letters")
            for i in range(n):
                yield "abc"[i]
        @flow
        def f():
            future = letters.submit(2)
            mapped = letters.map([1, 2])
            future.wait()
            seen = []
            for fut in (future, mapped[1]):
                try:
                    seen.append(fut.result())
                except TypeError as exc:
                    seen.append("can't be used in 'await' expression" in str(exc))
            return [seen, future.state.is_failed()]
        def main():
            return observed(outcome_of(f))
    """,
    "with_context_threads": """
        from concurrent.futures import ThreadPoolExecutor
        from prefect import flow, task, get_run_logger
        from prefect.context import FlowRunContext, TaskRunContext, with_context
        def where(item):
            kind = get_run_logger().name.rsplit(".", 1)[-1]
            tr, fr = TaskRunContext.get(), FlowRunContext.get()
            return [item, kind, tr.task.name if tr else None, fr.flow.name if fr else None]
        def plain():
            try:
                return get_run_logger().name.rsplit(".", 1)[-1]
            except Exception as exc:
                return type(exc).__name__
        @task
        def fan_out():
            with ThreadPoolExecutor(2) as pool:
                wrapped = sorted(pool.map(with_context(where), [1, 2]))
                bare = pool.submit(plain).result()
            return [wrapped, bare]
        @flow
        def f():
            with ThreadPoolExecutor(1) as pool:
                body = pool.submit(with_context(where), 3).result()
            return [fan_out(), body]
        def main():
            return {**observed(outcome_of(f)), "outside": with_context(plain)()}
    """,
    "flow_returns_task_state": """
        from prefect import flow, task
        @task
        def bad():
            raise ValueError("meh")
        @task
        def good():
            return 1
        hooked = []
        def hook(fl, run, state):
            hooked.append(state.message)
        @flow(on_failure=[hook])
        def returns_state():
            return bad(return_state=True)
        @flow
        def returns_waited():
            future = bad.submit()
            return future.wait() or future.state
        @flow
        def returns_two():
            return [bad(return_state=True), good(return_state=True)]
        @flow
        def returns_completed():
            return good(return_state=True)
        @flow
        def parent():
            state = returns_state(return_state=True)
            return [state.message, type(state.result(raise_on_failure=False)).__name__]
        def main():
            seen = []
            for fl in (returns_state, returns_waited, returns_two, returns_completed):
                state = fl(return_state=True)
                data = state.result(raise_on_failure=False)
                seen.append([state.type.value, state.message, type(data).__name__])
            return {
                **observed(outcome_of(returns_state)),
                "states": seen,
                "subflow": parent(),
                "hooks": hooked,
            }
    """,
    "async_variables_artifacts": """
        import asyncio, os, tempfile
        from prefect import flow, task
        from prefect.artifacts import create_markdown_artifact, create_table_artifact
        from prefect.variables import Variable
        @task
        async def report(n):
            hit("report")
            made = await create_markdown_artifact(markdown=f"# Report {n}", key=f"sbs-report-{n}")
            table = await create_table_artifact(table=[{"n": n}], key=f"sbs-tab-{n}")
            return [type(made).__name__, type(table).__name__]
        @task
        def plain():
            hit("plain")
            return Variable.get("sbs_async_region")
        @flow
        async def f():
            await Variable.set("sbs_async_region", "eu", overwrite=True)
            region = await Variable.get("sbs_async_region")
            missing = await Variable.get("sbs-async-missing", default=["Backup1"])
            kinds = await asyncio.gather(report(1), report(2))
            in_sync_task = plain()
            gone = await Variable.unset("sbs_async_region")
            return [region, missing, kinds, in_sync_task, gone]
        def main():
            here = os.getcwd()
            with tempfile.TemporaryDirectory() as folder:
                os.chdir(folder)  # flowtop keeps them in ./.flowtop outside a workspace's run
                try:
                    return observed(outcome_of(lambda: asyncio.run(f())))
                finally:
                    os.chdir(here)
    """,
    "flow_returns_named_completed": """
        from prefect import flow
        from prefect.states import Completed
        seen = []
        def noted(fl, run, state):
            seen.append([state.name, state.message])
        @flow(on_completion=[noted])
        def skipper(work_to_do: bool = False):
            if not work_to_do:  # (no hit(): each call is a flow run, Prefect's take 1 s)
                return Completed(message="No work to do", name="Skipped")
            return Completed(message="Work was done", data=3)
        @flow
        def parent():
            inner = skipper(return_state=True)
            return [inner.name, inner.message, inner.result()]
        def main():
            states = []
            for work in (False, True):
                state = skipper(work_to_do=work, return_state=True)
                states.append([state.name, state.message, state.result(), state.is_completed()])
            return {
                **observed(outcome_of(skipper)),
                "states": states,
                "subflow": parent(),
                "hooks": seen,
            }
    """,
    "flow_timeout_state_name": """
        import time as _t
        from prefect import flow
        @flow(timeout_seconds=0.4)
        def too_slow():
            for _ in range(40):
                hit("tick")
                _t.sleep(0.05)
        @flow
        def parent():
            inner = too_slow(return_state=True)
            return [inner.name, inner.message, inner.is_failed()]
        def main():
            state = too_slow(return_state=True)
            named = [state.name, state.message, state.is_failed()]
            _t.sleep(1)
            return {"outcome": [named, parent()], "attempts": {}, "gaps": {}}
    """,
    "names_the_docs_import": """
        import prefect
        from prefect import flow, serve
        from prefect.client.schemas.objects import FlowRun, TaskRun
        from prefect.exceptions import (
            CancelledRun, CrashedRun, FailedRun, MissingResult, ObjectNotFound, PrefectException,
        )
        from prefect import runtime
        @flow
        def f():
            hit("f")
            return [runtime.flow_run.flow_name, hasattr(prefect, "sbs_no_such_name"),
                    getattr(prefect.runtime, "sbs_no_such_name", "default")]
        def main():
            classes = [CancelledRun, CrashedRun, FailedRun, MissingResult, ObjectNotFound]
            return {
                **observed(outcome_of(f)),
                "prefect_exceptions": [issubclass(c, PrefectException) for c in classes],
                "serve": callable(serve),
            }
    """,
    "timeout_errors_are_timed_out": """
        import asyncio as _a
        from prefect import flow, task
        seen = []
        def note(tsk_or_flow, run, state):
            seen.append([state.name, state.message])
        @task(on_failure=[note])
        def socket_read():
            hit("socket_read")
            raise TimeoutError("read timed out")
        @task(retries=1, retry_delay_seconds=0)
        def waits_once():
            if hit("waits_once") == 1:
                raise TimeoutError("first wait")
            return "second"
        @flow(on_failure=[note])
        def body_times_out():
            hit("body")
            raise TimeoutError("upstream slow")
        @flow
        def uses_tasks():
            return [socket_read(return_state=True).name, waits_once()]
        @flow(timeout_seconds=2)
        def whole():
            _t.sleep(3)
        import time as _t
        def main():
            state = body_times_out(return_state=True)
            task_state = socket_read(return_state=True)
            return {
                **observed(outcome_of(uses_tasks)),
                "flow_state": [state.name, state.message, state.is_failed()],
                "task_state": [task_state.name, task_state.message],
                "whole": whole(return_state=True).message,
                "hooks": seen,
            }
    """,
    "prefect_exception_bases": """
        from prefect import flow, task, get_run_logger
        from prefect.exceptions import (
            MappingLengthMismatch, MissingContextError, ParameterBindError, PrefectException,
            UnfinishedRun,
        )
        @task
        def add(x, y):
            return x + y
        @flow
        def needs_one(n: int):
            hit("needs_one")
            return n
        @flow
        def maps():
            return add.map([1, 2], [1, 2, 3])
        def caught(fn):
            try:
                fn()
            except PrefectException as exc:
                return type(exc).__name__
            return "not raised"
        def main():
            classes = [MappingLengthMismatch, MissingContextError, ParameterBindError, UnfinishedRun]
            return {
                **observed("done"),
                "bases": [issubclass(c, PrefectException) for c in classes],
                "type_errors": issubclass(ParameterBindError, TypeError),
                "bind": caught(lambda: needs_one(1, 2)),
                "logger": caught(get_run_logger),
                "map": caught(maps),
            }
    """,
    "flow_retry_reruns_every_task": """
        from prefect import flow, task
        @task
        def extract():
            hit("extract")
            return 2
        @task
        def enrich():
            hit("enrich")
            return 3
        @task
        def load(x):
            if hit("load") < 2:
                raise ConnectionError("warehouse down on the first run")
            return x * 10
        @flow(retries=1)
        def f():
            hit("f")
            first = extract()
            second = enrich.submit()
            return load(first + second.result())
        def main():
            return observed(outcome_of(f))
    """,
    "flow_returns_futures": """
        from prefect import flow, task
        call = ["called"]  # each call's attempts counted apart: no gap spans two runs
        @task
        def square(i):
            hit(f"square_{call[0]}")
            return i * i
        @flow
        def f():
            return [square.submit(i) for i in range(3)]
        def main():
            called = f()
            call[0] = "return_state"
            state = f(return_state=True)
            data = state.result(raise_on_failure=False)
            return {
                **observed(described(called)),
                "state": [state.type.value, state.message, described(data)],
            }
    """,
    "flow_returns_futures_one_failed": """
        from prefect import flow, task
        call = ["return_state"]  # each call's attempts counted apart: no gap spans two runs
        @task
        def square(i):
            hit(f"square_{call[0]}")
            if i == 1:
                raise ValueError("odd one out")
            return i * i
        @flow
        def f():
            return [square.submit(i) for i in range(3)]
        def main():
            state = f(return_state=True)
            data = state.result(raise_on_failure=False)
            call[0] = "called"
            return {
                **observed(outcome_of(f)),
                "state": [state.type.value, state.message, described(data)],
            }
    """,
    "flow_retry_returned_futures": """
        from prefect import flow, task
        @task
        def square(i):
            if hit(f"square{i}") < 2 and i == 1:
                raise ValueError("odd one out, on the first run only")
            return i * i
        @flow(retries=1)
        def f():
            hit("f")
            return [square.submit(i) for i in range(3)]
        def main():
            state = f(return_state=True)
            data = state.result(raise_on_failure=False)
            return observed([state.type.value, state.message, described(data)])
    """,
    # -- 20 more, from areas users write and earlier scenarios covered less (s53) --
    "cache_key_fn_refresh": """
        import time as _t
        from prefect import flow, task
        RUN = str(_t.time_ns())  # keys no earlier run stored
        def by_city(context, parameters):
            return f"{RUN}-{parameters['city']}"
        @task(cache_key_fn=by_city)
        def weather(city, units="C"):
            return f"{city}:{units}:{hit('weather')}"
        @flow
        def f():
            a = weather("oslo")
            b = weather("oslo", units="F")  # the key ignores units: a's result
            c = weather.with_options(refresh_cache=True)("oslo", units="K")
            d = weather("oslo")  # the refreshed result
            first = weather("paris", return_state=True)
            weather.submit("paris").wait()
            again = weather("paris", return_state=True)
            return [a, b, c, d, first.name, again.name, again.result()]
        def main():
            return observed([outcome_of(f), weather.refresh_cache,
                             weather.with_options(refresh_cache=True).refresh_cache,
                             weather.cache_key_fn is by_city])
    """,
    "cache_expiration_and_exclude": """
        import time as _t
        from datetime import timedelta
        from prefect import flow, task
        from prefect.cache_policies import INPUTS, TASK_SOURCE
        RUN = _t.time_ns()
        @task(cache_policy=INPUTS + TASK_SOURCE, cache_expiration=timedelta(seconds=1))
        def rates(day):
            return hit("rates")
        @task(cache_policy=INPUTS - "verbose")
        def score(n, verbose=False):
            hit("score")
            return n * 2
        @flow
        def f():
            first = rates(RUN)
            again = rates(RUN, return_state=True)
            _t.sleep(1.5)  # past the expiration
            later = rates(RUN, return_state=True)
            scores = [score(RUN), score(RUN, verbose=True), score(n=RUN, verbose=False)]
            return [first, again.name, again.result(), later.name, later.result(),
                    scores == [RUN * 2] * 3]
        def main():
            return observed([outcome_of(f), str(rates.cache_expiration),
                             type(rates.cache_policy).__name__])
    """,
    "input_hash_shapes": """
        import threading
        import time as _t
        from prefect import flow, task
        from prefect.tasks import task_input_hash
        RUN = _t.time_ns()
        @task(cache_key_fn=task_input_hash)
        def summarize(run, config, rows):
            hit("summarize")
            return sum(rows) + len(config)
        @task(cache_key_fn=task_input_hash)
        def write(run, lock, rows):
            hit("write")  # a lock cannot be hashed: never cached, never failed for it
            with lock:
                return len(rows)
        @flow
        def f():
            a = summarize(RUN, {"a": 1, "b": 2}, [1, 2, 3], return_state=True)
            b = summarize(RUN, {"b": 2, "a": 1}, [1, 2, 3], return_state=True)
            c = summarize(RUN, {"a": 1, "b": 2}, [3, 2, 1], return_state=True)
            lock = threading.Lock()
            w1 = write(RUN, lock, [1, 2], return_state=True)
            w2 = write(RUN, lock, [1, 2], return_state=True)
            return [[s.name, s.result()] for s in (a, b, c, w1, w2)]
        def main():
            return observed(outcome_of(f))
    """,
    "run_name_templates": """
        from datetime import date
        from prefect import flow, task
        from prefect.context import TaskRunContext
        from prefect.runtime import flow_run, task_run
        def shard_name():
            params = task_run.parameters
            return f"shard-{params['i']}-of-{params['n']}"
        @task(task_run_name="fetch-{url}")
        def fetch(url):
            hit(f"fetch {url} in {flow_run.name}")
            return [task_run.name, TaskRunContext.get().task_run.name, task_run.task_name,
                    flow_run.name]
        @task(task_run_name=shard_name)
        def shard(i, n):
            return task_run.name
        @task(task_run_name="load-{cfg[region]}-{day:%Y%m%d}")
        def load(cfg, day):
            return task_run.name
        @flow(flow_run_name="etl-{day:%Y-%m-%d}")
        def etl(day: date, urls: list[str]):
            fetched = [f.result() for f in fetch.map(urls)]
            return [flow_run.name, fetched, [shard(i, 3) for i in range(3)],
                    load({"region": "eu"}, day), fetch("x", return_state=True).name]
        def main():
            return observed([outcome_of(lambda: etl(date(2024, 3, 9), ["a", "b"])),
                             outcome_of(lambda: etl("2024-03-10", ["c"])[0])])
    """,
    "tags_blocks_and_options": """
        from prefect import flow, tags, task
        from prefect.runtime import flow_run, task_run
        seen = []
        def note(task, task_run, state):
            seen.append([task.name, sorted(task_run.tags), state.name])
        @task(tags=["io"], on_completion=[note])
        def read(path):
            hit(f"read {path} {sorted(task_run.tags)}")  # one key a call: two runs' gaps differ
            return sorted(task_run.tags)
        @flow
        def f():
            plain = read("a")
            with tags("batch", "io"):
                inside = read.submit("b").result()
                with tags("nested"):
                    deeper = read("c")
            relabeled = read.with_options(tags=["db"])("d")
            return [sorted(flow_run.tags), plain, inside, deeper, relabeled, sorted(read.tags)]
        def main():
            with tags("prod"):
                tagged = outcome_of(f)
            return {**observed([tagged, outcome_of(f)]), "hooks": seen}
    """,
    "parent_timeout_stops_subflow": """
        from prefect import flow
        log = []
        @flow
        def child():
            hit("child")
            log.append("child started")
            for _ in range(80):  # 4 s: past its parent's time
                time.sleep(0.05)
            log.append("child ran to its end")
        @flow(timeout_seconds=2)
        def parent():
            return child()
        def main():
            outcome = outcome_of(parent)
            time.sleep(3)  # the child's body would have run to its end by now
            return {**observed(outcome), "log": log}
    """,
    "flow_retries_rerun_subflows": """
        from prefect import flow, task
        from prefect.runtime import flow_run
        run_counts = []
        calls = {}  # not timed: Prefect takes seconds to start each flow run
        def count(name):
            calls[name] = calls.get(name, 0) + 1
            return calls[name]
        @task
        def step(x):
            count("step")
            return x + 1
        @flow
        def steady(x):
            count("steady")
            run_counts.append(["steady", flow_run.run_count])
            return step(x)
        @flow(retries=1, retry_delay_seconds=0)
        def shaky():
            run_counts.append(["shaky", flow_run.run_count])
            if count("shaky") % 2:
                raise ConnectionError("first try")
            return "ok"
        @flow(retries=2, retry_delay_seconds=0)
        def parent():
            run_counts.append(["parent", flow_run.run_count])
            n = count("parent")
            result = [steady(1), shaky()]
            if n < 3:
                raise RuntimeError(f"parent attempt {n}")
            return result
        def main():
            return {**observed(outcome_of(parent)), "calls": calls, "run_counts": run_counts}
    """,
    "cleanup_after_failure": """
        from prefect import allow_failure, flow, task
        from prefect.exceptions import UnfinishedRun
        from prefect.futures import wait
        @task
        def extract():
            hit("extract")
            return [1, 2, 3]
        @task
        def transform(rows):
            hit("transform")
            raise ValueError("bad row 2")
        @task
        def cleanup():
            hit("cleanup")
            return "cleaned"
        @task
        def publish(rows):
            hit("publish")
            return len(rows)
        @flow
        def f():
            shaped = transform.submit(extract.submit())
            done = cleanup.submit(wait_for=[allow_failure(shaped)])
            pub = publish.submit(shaped)
            wait([done, pub])
            try:
                pub.result(raise_on_failure=False)
                unfinished = "no error"
            except UnfinishedRun:
                unfinished = "UnfinishedRun"
            err = shaped.result(raise_on_failure=False)
            return [done.result(), shaped.state.name, repr(err), pub.state.is_completed(),
                    unfinished]
        def main():
            return observed(outcome_of(f))
    """,
    "map_annotations_mixed": """
        from prefect import flow, task, unmapped
        from prefect.utilities.annotations import quote
        @task
        def load():
            return [10, 20, 30]
        @task
        def scale(x, factor, cfg):
            hit("scale")
            return x * factor + cfg["offset"]
        @task
        def pair(a, b):
            return f"{a}{b}"
        @task
        def size(items):
            return len(items) if isinstance(items, list) else type(items).__name__
        @flow
        def f():
            cfg = {"offset": 1}
            scaled = scale.map(load.submit(), factor=unmapped(2), cfg=unmapped(cfg))
            paired = pair.map(("a", "b"), b=range(2))
            quoted = size.map(quote([[1, 2], [3]]))
            states = scale.map([1, 2], factor=unmapped(3), cfg=unmapped(cfg), return_state=True)
            return [scaled.result(), paired.result(), quoted.result(), [s.name for s in states]]
        def main():
            return observed(outcome_of(f))
    """,
    "return_state_partial_flow": """
        from prefect import flow, task
        from prefect.states import Completed
        class QuotaError(Exception):
            pass
        @task
        def call_api():
            raise QuotaError("quota exceeded for key k1")
        @flow
        def child():
            return call_api()
        @flow
        def parent():
            state = child(return_state=True)
            err = state.result(raise_on_failure=False)
            if state.is_failed():
                return Completed(message=f"partial: {type(err).__name__}", data={"rows": 0})
            return state.result()
        @flow
        def failing():
            call_api()
        def main():
            s = parent(return_state=True)
            f = failing(return_state=True)
            err = f.result(raise_on_failure=False)
            return observed([[s.name, s.type.value, s.message, s.result()],
                             [f.name, f.is_failed(), f.message, type(err).__name__, str(err)],
                             outcome_of(f.result), outcome_of(failing)])
    """,
    "runtime_in_retries_and_maps": """
        from prefect import flow, task
        from prefect.runtime import flow_run, task_run
        @task(retries=2, retry_delay_seconds=0)
        def flaky(key):
            if hit(key) < 2 + (key == "b"):
                raise ConnectionError(key)
            return [key, task_run.run_count, task_run.parameters, flow_run.name]
        @flow(flow_run_name="sub-{label}")
        def sub(label):
            return [flow_run.name, flow_run.parameters, flow_run.run_count, flow_run.flow_name]
        @flow(flow_run_name="main-run")
        def f():
            return [fut.result() for fut in flaky.map(["a", "b"])] + [sub("x"), flow_run.name]
        def main():
            return observed([outcome_of(f), flow_run.name, task_run.name, task_run.run_count])
    """,
    "run_logger_extra_and_levels": """
        import logging
        from prefect import flow, get_run_logger, task
        records = []
        class Keep(logging.Handler):
            def emit(self, record):
                if record.name in ("prefect.task_runs", "prefect.flow_runs") and not (
                    record.getMessage().startswith(("Beginning", "Finished", "Created"))
                ):
                    records.append([record.name, record.levelname, record.getMessage(),
                                    getattr(record, "row", None), bool(record.exc_info)])
        keep = Keep()
        @task
        def parse(row):
            hit("parse")
            logger = get_run_logger()
            logger.debug("debug line")
            logger.info("parsing", extra={"row": row})
            try:
                int("x")
            except ValueError:
                logger.exception("could not parse")
            logger.warning("row %s skipped", row)
            return sorted(logger.extra)
        @flow
        def f():
            logger = get_run_logger()
            logger.info("starting", extra={"row": 0})
            logger.error("bad thing %d", 7)
            return [parse(3), sorted(logger.extra)]
        def main():
            prefect_logger = logging.getLogger("prefect")
            level = prefect_logger.level  # (the harness runs Prefect's at WARNING)
            prefect_logger.setLevel(logging.INFO)
            prefect_logger.addHandler(keep)
            try:
                outcome = outcome_of(f)
            finally:
                prefect_logger.removeHandler(keep)
                prefect_logger.setLevel(level)
            return {**observed(outcome), "records": records}
    """,
    "async_gather_return_exceptions": """
        from prefect import flow, task
        from prefect.runtime import task_run
        @task(retries=1, retry_delay_seconds=0)
        async def fetch(i):
            n = hit(f"fetch{i}")
            await asyncio.sleep(0.01 * (3 - i))
            if i == 1 and n == 1:
                raise ConnectionError("blip")
            if i == 2:
                raise LookupError(f"no page {i}")
            return [i, task_run.run_count]
        @task
        def total(values):
            return sum(v[0] for v in values)
        @flow
        async def crawl():
            got = await asyncio.gather(*[fetch(i) for i in range(3)], return_exceptions=True)
            ok = [g for g in got if not isinstance(g, BaseException)]
            bad = [f"{type(g).__name__}: {g}" for g in got if isinstance(g, BaseException)]
            states = await asyncio.gather(fetch(0, return_state=True), fetch(2, return_state=True))
            return [ok, bad, total(ok), [s.name for s in states]]
        def main():
            return observed(outcome_of(lambda: asyncio.run(crawl())))
    """,
    "with_options_names_and_tags": """
        from prefect import flow, task
        from prefect.runtime import flow_run, task_run
        @task(retries=0)
        def load(region):
            if hit(f"load {region}") < 3:
                raise ConnectionError("down")
            return [task_run.task_name, task_run.name, sorted(task_run.tags), task_run.run_count]
        eu_load = load.with_options(name="load-eu", task_run_name="load-{region}-run",
                                    retries=2, retry_delay_seconds=0, tags=["eu"])
        @flow
        def nightly(region: str = "eu"):
            return [eu_load(region), flow_run.name, flow_run.flow_name]
        named = nightly.with_options(name="nightly-eu", flow_run_name="nightly-{region}")
        def main():
            return observed([outcome_of(lambda: named("eu")), load.name, load.retries,
                             eu_load.name, eu_load.retries, sorted(eu_load.tags),
                             eu_load.task_run_name, named.name, named.flow_run_name,
                             nightly.name, outcome_of(lambda: load("x"))])
    """,
    "validate_parameters_method": """
        from datetime import datetime
        from typing import Literal
        from pydantic import BaseModel
        from prefect import flow
        class Source(BaseModel):
            bucket: str
            prefix: str = ""
            limit: int = 100
        @flow
        def sync(src: Source, since: datetime, mode: Literal["full", "delta"] = "delta",
                 ids: list[int] = []):
            hit("sync")
            return [type(src).__name__, src.limit, since.year, mode, ids]
        def checked(parameters):
            try:
                made = sync.validate_parameters(parameters)
            except Exception as exc:
                return [type(exc).__name__, str(exc).splitlines()]
            return [[k, type(v).__name__, str(v)] for k, v in made.items()]
        def main():
            return observed([
                checked({"src": {"bucket": "b", "limit": "5"}, "since": "2024-01-02T03:04:05",
                         "ids": ["1", 2]}),
                checked({"src": {"prefix": "p"}, "since": "2024-01-02"}),
                checked({"src": {"bucket": "b"}, "since": "x", "mode": "all"}),
                checked({"since": "2024-01-02", "nope": 1}),
                sync.should_validate_parameters,
                outcome_of(lambda: sync({"bucket": "b"}, "2024-05-06T00:00:00", ids=("3",))),
                outcome_of(lambda: sync({"bucket": "b"}, "2024-05-06", mode="all")),
            ])
    """,
    "task_hooks_with_arguments": """
        from functools import partial
        from prefect import flow, task
        hooks = []
        def alert(task, task_run, state, channel):
            hooks.append([channel, task.name, task_run.run_count, state.name, state.type.value,
                          state.message])
        def done(task, task_run, state):
            hooks.append(["done", task.name, task_run.run_count, state.name, state.result()])
        @task(retries=1, retry_delay_seconds=0, on_failure=[partial(alert, channel="#ops")],
              on_completion=[done])
        def charge(amount):
            n = hit(f"charge {amount}")
            if amount < 0:
                raise ValueError(f"negative amount {amount}")
            if amount == 5 and n == 1:
                raise ConnectionError("gateway")
            return amount * 100
        @charge.on_failure
        def page(task, task_run, state):
            hooks.append(["page", task.name, type(state.result(raise_on_failure=False)).__name__])
        @flow
        def f():
            return [charge(5), repr(charge.submit(-1).result(raise_on_failure=False))]
        def main():
            return {**observed(outcome_of(f)), "hooks": hooks}
    """,
    "flow_returns_cancelled_or_failed": """
        from prefect import flow, task
        from prefect.states import Cancelled, Failed
        hooks = []
        def on_cancel(flow, flow_run, state):
            hooks.append(["cancellation", state.name])
        def on_fail(flow, flow_run, state):
            hooks.append(["failure", state.name, state.message])
        @task
        def check(n):
            return n > 3
        @flow(on_cancellation=[on_cancel], on_failure=[on_fail])
        def guarded(n: int):
            hit(f"guarded {n}")
            if not check(n):
                return Cancelled(message=f"nothing to do for {n}")
            if n > 10:
                return Failed(message=f"too many: {n}")
            return n
        def main():
            s = guarded(1, return_state=True)
            f = guarded(11, return_state=True)
            return {**observed([
                [s.name, s.type.value, s.is_cancelled(), s.is_failed(), s.message],
                outcome_of(lambda: guarded(2)),
                [f.name, f.is_failed(), f.message, f.result(raise_on_failure=False)],
                outcome_of(lambda: guarded(5)),
            ]), "hooks": hooks}
    """,
    "jitter_with_delay_list": """
        from prefect import flow, task
        @task(retries=3, retry_delay_seconds=[0.2, 0.4, 0.4], retry_jitter_factor=0.5)
        def flaky():
            if hit("flaky") < 4:
                raise ConnectionError("down")
            return "up"
        @flow
        def f():
            return flaky()
        def main():
            return observed([outcome_of(f), flaky.retry_jitter_factor, flaky.retry_delay_seconds])
    """,
    "cached_across_flow_retry": """
        import time as _t
        from prefect import flow, task
        from prefect.cache_policies import INPUTS
        RUN = _t.time_ns()
        @task(cache_policy=INPUTS, persist_result=True)
        def download(run, day):
            hit("download")
            return f"data-{day}"
        @task
        def publish(data):
            if hit("publish") == 1:
                raise ConnectionError("publish failed")
            return f"published {data}"
        @flow(retries=1, retry_delay_seconds=0)
        def daily(day: str = "mon"):
            state = download(RUN, day, return_state=True)
            return [state.name, publish(state.result())]
        def main():
            return observed(outcome_of(daily))
    """,
    "async_task_timeout_retried": """
        from prefect import flow, task
        from prefect.runtime import task_run
        @task(timeout_seconds=0.3, retries=1, retry_delay_seconds=0)
        async def query(n):
            if hit("query") == 1:
                await asyncio.sleep(2)
            return [n, task_run.run_count]
        @task(timeout_seconds=0.2)
        async def hang():
            hit("hang")
            await asyncio.sleep(5)
        @flow
        async def report():
            ok = await query(7)
            state = await hang(return_state=True)
            try:
                await hang()
                caught = "nothing"
            except TimeoutError as exc:
                caught = f"TimeoutError {exc}"
            return [ok, state.name, state.is_failed(), state.message, caught]
        def main():
            return observed(outcome_of(lambda: asyncio.run(report())))
    """,
}

#: Scenarios whose gaps are not compared: random by design (jitter).
RANDOM_GAPS = {"jitter_attempts", "jitter_with_delay_list"}
#: Flow retries: Prefect takes 1-2 s (more on a loaded machine) to start one, on top of its
#: delay. Their gaps are the same when flowtop's is not longer than Prefect's, nor
#: shorter by more than this.
FLOW_RETRY_LATENCY = 2.0
FLOW_RETRIES = {
    "flow_retries",
    "flow_retries_exhausted",
    "flow_retry_delay",
    "subflow_retries",
    "flow_hooks_retries",
    "flow_timeout_retries",
    "flow_with_options",
    "flow_retry_reruns_every_task",
    "flow_retry_returned_futures",
    "flow_retries_rerun_subflows",
    "cached_across_flow_retry",
}

#: Scenarios known to differ, each with its reason: a difference README's "Differences
#: from Prefect 3" table justifies. Shown as KNOWN, not counted as the same.
KNOWN: dict[str, str] = {
    "timeout_every_attempt": (
        "justified: the class is named TaskTimeout; drop-in's "
        "prefect.exceptions.TaskRunTimeoutError is that class (a TimeoutError)"
    ),
    "wait_for_failed_upstream": (
        "justified: the class is named UpstreamFailed; it is a subclass of drop-in's "
        "prefect.exceptions.UnfinishedRun, raised even with raise_on_failure=False as Prefect does"
    ),
}

#: Scenarios that wait 0.4 s or more by design (delays, timeouts): left out of the
#: default test run's comparison, which must stay fast.
SLOW = {
    "retry_delay_list",
    "timeout_then_retry",
    "flow_retry_delay",
    "retry_delay_list_short",
    "retry_delay_int",
    "exponential_backoff_three",
    "submit_retries_gaps",
    "timeout_every_attempt",
    "flow_timeout",
    "flow_timeout_retries",
    "flow_timeout_task_in_flight",
    "async_task_timeout_cancelled",
    "flow_timeout_state_name",
    "timeout_errors_are_timed_out",
    "cache_expiration_and_exclude",
    "parent_timeout_stops_subflow",
    "jitter_with_delay_list",
    "async_task_timeout_retried",
}

#: Prefect 3's observations, recorded with --record: the default test run compares
#: flowtop's half against them (tests/prefect/test_side_by_side_smoke.py), no Prefect needed.
RECORDING = HERE / "prefect3_observed.json"
GAP_TOLERANCE = 0.25  # seconds: Prefect's own bookkeeping adds latency to every retry


def child(engine: str, names: list[str]) -> None:
    """Run each scenario in this process and print one JSON line per scenario."""
    if engine == "flowtop":
        sys.path.insert(0, str(ROOT / "app"))
        from flowtop.compat import prefect_imports
    with tempfile.TemporaryDirectory(prefix="side-by-side-") as folder:
        for name in names:
            path = Path(folder) / f"scenario_{name}.py"
            path.write_text(PRELUDE + textwrap.dedent(SCENARIOS[name]))
            try:
                spec = importlib.util.spec_from_file_location(f"scenario_{name}", path)
                assert spec is not None and spec.loader is not None
                module = importlib.util.module_from_spec(spec)
                if engine == "flowtop":
                    with prefect_imports():
                        spec.loader.exec_module(module)
                else:
                    spec.loader.exec_module(module)
                result = {"name": name, "obs": module.main()}
            except BaseException as exc:  # noqa: BLE001 - a scenario that breaks is a finding
                result = {
                    "name": name,
                    "error": f"{type(exc).__name__}: {exc}",
                    "trace": traceback.format_exc()[-800:],
                }
            print("SIDE-BY-SIDE " + json.dumps(result, default=repr), flush=True)


def run_engine(engine: str, python: str, names: list[str]) -> dict[str, dict[str, Any]]:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix=f"side-{engine}-") as home:
        if engine == "prefect":
            for key in ("PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_PROFILE"):
                env.pop(key, None)
            env.update(
                DO_NOT_TRACK="1",
                PREFECT_SERVER_ANALYTICS_ENABLED="false",
                PREFECT_HOME=home,
                PREFECT_LOGGING_LEVEL="WARNING",
                PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
            )
        done = subprocess.run(
            [python, __file__, "--child", engine, "--only", ",".join(names)],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
        )
    results = {}
    for line in done.stdout.splitlines():
        if line.startswith("SIDE-BY-SIDE "):
            item = json.loads(line.removeprefix("SIDE-BY-SIDE "))
            results[item["name"]] = item
    if not results:
        raise SystemExit(f"{engine}: no results\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return results


def differences(name: str, prefect: dict[str, Any], flowtop: dict[str, Any]) -> list[str]:
    if "error" in prefect or "error" in flowtop:
        return [f"error: prefect {prefect.get('error')} / flowtop {flowtop.get('error')}"]
    a, b = prefect["obs"], flowtop["obs"]
    found = []
    for key in sorted(set(a) | set(b)):
        if key == "gaps":
            if name in RANDOM_GAPS:
                continue
            for task in sorted(set(a[key]) | set(b[key])):
                ga, gb = a[key].get(task, []), b[key].get(task, [])
                slack = FLOW_RETRY_LATENCY if name in FLOW_RETRIES else GAP_TOLERANCE
                if len(ga) != len(gb) or any(
                    y - x > GAP_TOLERANCE or x - y > slack for x, y in zip(ga, gb, strict=True)
                ):
                    found.append(f"gaps[{task}]: prefect {ga} / flowtop {gb}")
        elif a.get(key) != b.get(key):
            found.append(f"{key}: prefect {a.get(key)!r} / flowtop {b.get(key)!r}")
    return found


def default_prefect_python() -> str:
    venv = Path(
        os.environ.get("FLOWTOP_COMPARE_VENV") or ROOT / "tests" / "benchmarks" / ".venv-compare"
    )
    return str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefect-python", default=None, help="an interpreter with Prefect 3")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument(
        "--record",
        action="store_true",
        help=f"also save Prefect's observations to {RECORDING.name} (for the default test run)",
    )
    parser.add_argument("--child", choices=("prefect", "flowtop"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    if args.child:
        child(args.child, names)
        return 0
    python = args.prefect_python or default_prefect_python()
    if not Path(python).exists():
        parser.error(
            f"no Prefect interpreter at {python}: run tests/benchmarks/compare.py once "
            "(it creates the venv) or pass --prefect-python"
        )
    prefect = run_engine("prefect", python, names)
    if args.record:
        recorded = json.loads(RECORDING.read_text()) if RECORDING.exists() else {}
        version = subprocess.run(
            [python, "-c", "import prefect; print(prefect.__version__)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        recorded.update({n: r["obs"] for n, r in prefect.items() if "obs" in r})
        recorded["_prefect_version"] = version
        RECORDING.write_text(json.dumps(dict(sorted(recorded.items())), indent=1) + "\n")
    flowtop = run_engine("flowtop", sys.executable, names)
    same = known = 0
    for name in names:
        found = differences(
            name, prefect.get(name, {"error": "missing"}), flowtop.get(name, {"error": "missing"})
        )
        same += not found
        label = "same" if not found else "KNOWN" if name in KNOWN else "DIFF"
        known += label == "KNOWN"
        print(f"{label:5}  {name}")
        for line in found:
            print(f"       {line}")
        if found and name in KNOWN:
            print(f"       ({KNOWN[name]})")
    print(
        f"\n{same} of {len(names)} scenarios behave the same; {known} known differences "
        f"(see KNOWN), {len(names) - same - known} unexpected"
    )
    return 0 if same + known == len(names) else 1


if __name__ == "__main__":
    raise SystemExit(main())
