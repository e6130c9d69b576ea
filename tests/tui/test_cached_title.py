"""A task served from the cache ran no attempt here, so the detail pane's title read
``region_list  ↺ Reused  attempt`` (an empty number), and its attempt ``#0``. Now the
title says where its result came from: ``cached result of cached #1``."""

from __future__ import annotations

from typing import Any

from flowtop.engine import Flow, Runner, task
from flowtop.engine.caching import INPUTS, MemoryCache
from flowtop.engine.events import REUSED_FROM_SOURCE, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.detail_pane import body_text, title_text

S = StateType


def cached_twice() -> RunStore:
    """Two runs of a flow whose task caches by its inputs: the second's, folded."""

    @task(cache_policy=INPUTS, max_retries=2)
    def region_list(n: int) -> list[str]:
        return ["eu", "us"][:n]

    with Flow("cached") as flow:
        region_list(2)
    events: list[Any] = []
    runner = Runner(2, sinks=(events.extend,), cache=MemoryCache())
    try:
        runner.start(flow).result(timeout=10)
        events.clear()
        runner.start(flow).result(timeout=10)
        runner.bus.flush()
    finally:
        runner.shutdown()
    store = RunStore()
    store.apply_batch(events)
    return store


def test_a_cached_task_s_title_says_where_its_result_came_from() -> None:
    run = cached_twice().latest_for("cached")
    assert run is not None and run.number == 2
    row = run.rows["region_list"]
    assert row.reused and row.attempt == 0
    title = title_text(row, 0.0).plain
    assert title == "region_list  ↺ Reused  cached result of cached #1"  # ended "attempt"
    attempts = body_text(row, None).plain.split("Attempts\n")[1]
    assert attempts.startswith("  ↺ cached result of cached #1, ")  # not "#0  ↺ …"


def test_a_reused_row_keeps_its_attempts_or_names_its_source_run() -> None:
    store = RunStore()
    store.apply_batch(
        [
            RunStarted("r2", "etl", 2, ("a", "b"), (4, 4), ("", ""), "r1", 1.0),
            TaskStateChanged("r2", "etl", "a", S.COMPLETED, 3, 4, 1.0, reused=True),
            TaskStateChanged(
                "r2", "etl", "b", S.COMPLETED, 0, 4, 1.0, reused=True, message=REUSED_FROM_SOURCE
            ),
        ]
    )
    run = store.latest_for("etl")
    assert run is not None
    assert title_text(run.rows["a"], 0.0).plain == "a  ↺ Reused  attempt 3"  # as before
    assert title_text(run.rows["b"], 0.0).plain == "b  ↺ Reused  from the source run"
