"""A run's start says how many of its attempts run at once (``RunStarted.workers``).

The monitor guessed it from its own workspace's ``[defaults] workers``, so a run started
with ``flowtop run --workers 2`` (or a flow capped by its task runner) read ``8`` there,
and a retry due while both workers were busy never said it awaited one. The run's own
count now travels with its start: live, in ``--json`` lines, and through the store's log.
"""

from __future__ import annotations

import json
from typing import Any

from flowtop import flow, task
from flowtop.engine import Flow, Runner
from flowtop.engine.events import RunStarted
from flowtop.engine.task_runners import ThreadPoolTaskRunner
from flowtop.workspace.run_log import decode, encode


@task
def one() -> int:
    return 1


def started_of(runner_workers: int, run_flow: Any) -> RunStarted:
    seen: list[Any] = []
    with Runner(runner_workers, sinks=[seen.extend]) as runner:
        runner.start(run_flow).final_result()
    (started,) = [e for e in seen if isinstance(e, RunStarted)]
    return started


def test_a_static_runs_start_says_its_runners_workers() -> None:
    static = Flow("static")
    static.add_task(one)
    started = started_of(3, static)
    assert started.workers == 3
    assert started.as_json()["workers"] == 3


def test_a_flows_own_cap_is_the_count_its_start_says() -> None:
    capped = Flow("capped")
    capped.add_task(one)
    capped.max_workers = 2
    assert started_of(5, capped).workers == 2
    capped.max_workers = 9  # above the runner's pool: the pool is what it gets
    assert started_of(5, capped).workers == 5


def test_a_flow_functions_start_says_its_task_runners_cap() -> None:
    @flow(task_runner=ThreadPoolTaskRunner(max_workers=2))
    def capped() -> None:
        one()

    @flow
    def uncapped() -> None:
        one()

    assert started_of(6, capped).workers == 2
    assert started_of(6, uncapped).workers == 6


def test_an_unknown_count_is_left_out_of_the_json_line() -> None:
    started = RunStarted("r1", "f", 1, ("t",), (1,), ("",), ts=1.0)
    assert started.workers == 0 and "workers" not in started.as_json()


def test_the_stores_log_keeps_the_count_and_reads_an_older_start_as_unknown() -> None:
    started = RunStarted("r1", "f", 1, ("t",), (1,), ("",), ts=1.0, workers=2)
    assert decode(encode(started), "r1") == started
    older = json.dumps(
        ["run_started", "r1", "f", 1, ["t"], [1], [""], None, 1.0, None, None, "", None]
    )
    back = decode(older, "r1")
    assert isinstance(back, RunStarted) and back.workers == 0
