"""A Prefect 3 flow fanning a ``@task`` out over threads of its own, in drop-in mode, as
Prefect 3.9.1 ran the same file (observed: each attempt's ``TaskRunContext``): a plain
``ThreadPoolExecutor``'s calls are task runs of no flow run (``flow_run_id`` None, named
``fetch``), retried all the same; those on a thread carrying the flow's context
(``copy_context().run``, ``with_context``, ``.submit()`` there, ``asyncio.to_thread``) are
task runs of the flow run (``fetch-<key>``). flowtop ran the second kind as the first."""

from __future__ import annotations

import re
from pathlib import Path

from drop_in_kit import drop_in_module

from flowtop.engine import Runner
from flowtop.engine.events import TaskStateChanged

FANOUT = """
    import asyncio, contextvars, threading
    from concurrent.futures import ThreadPoolExecutor
    from prefect import flow, task
    from prefect.context import TaskRunContext, with_context

    attempts, seen = {}, []

    @task(retries=1, retry_delay_seconds=0)
    def fetch(n):
        attempts[n] = attempts.get(n, 0) + 1
        task_run = TaskRunContext.get().task_run
        seen.append((n, attempts[n], task_run.name, task_run.flow_run_id is not None))
        if attempts[n] == 1:
            raise ValueError("flaky")
        return n * 10

    def in_copied_thread(call):
        box = []
        thread = threading.Thread(
            target=contextvars.copy_context().run, args=(lambda: box.append(call()),)
        )
        thread.start()
        thread.join()
        return box[0]

    @flow
    def fanout():
        with ThreadPoolExecutor(2) as pool:
            plain = list(pool.map(fetch, [1, 2]))
        copied = in_copied_thread(lambda: fetch(3))
        with ThreadPoolExecutor(2) as pool:
            wrapped = list(pool.map(with_context(fetch), [4, 5]))
        submitted = in_copied_thread(lambda: fetch.submit(6).result())
        return plain + [copied] + wrapped + [submitted]

    @flow
    async def to_thread():
        return await asyncio.to_thread(fetch, 7)
"""


def test_a_flows_threads_call_its_tasks_as_prefect_links_them(tmp_path: Path) -> None:
    module = drop_in_module(tmp_path, "fanout_pt64", FANOUT)
    keys: set[str] = set()
    values = []
    for body in (module.fanout, module.to_thread):
        seen: list[object] = []
        with Runner(sinks=[seen.extend]) as runner:
            result = runner.start(body).final_result(20)
            runner.bus.flush()
        assert result.error is None, result.error
        values.append(result.value)
        keys |= {e.task for e in seen if isinstance(e, TaskStateChanged)}
    assert values == [[10, 20, 30, 40, 50, 60], 70]
    assert module.attempts == {n: 2 for n in range(1, 8)}  # each retried once
    linked = {n: (name, in_flow) for n, _, name, in_flow in module.seen}
    assert linked[1] == linked[2] == ("fetch", False)  # the plain pool's: no flow run
    for n in range(3, 8):
        name, in_flow = linked[n]
        assert in_flow and re.fullmatch(r"fetch-[0-9a-f]{3}", name), (n, linked[n])
    assert keys == {"fetch", "fetch-2", "fetch-3", "fetch-4"}  # the flow's tasks (7 in the other)
