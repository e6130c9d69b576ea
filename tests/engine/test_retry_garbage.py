"""A failed attempt leaves no reference cycle: its run is freed by reference counting
once nobody holds it, as a run of plain successes is (``test_engine_cost``), instead of
waiting, records and all, for the garbage collector. Each failure's traceback holds the
frames that called the task, and the frame that caught the error held it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from flowtop import Flow, task


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def _flowtops_garbage() -> list[object]:
    """What the collector finds that is flowtop's (other threads of the process, a Dask
    cluster an earlier test left, make garbage of their own meanwhile)."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    return [o for o in gc.garbage if type(o).__module__.startswith("flowtop")]


def _fails_twice_flow() -> tuple[Flow, dict[int, int]]:
    """20 tasks that each fail twice, then succeed; and their calls by input, to reset."""
    calls: dict[int, int] = {}

    @task(max_retries=2, retry_delay=0)
    def flaky(i: int) -> int:
        calls[i] = calls.get(i, 0) + 1
        if calls[i] <= 2:
            raise ConnectionError(f"transient failure of task {i}")
        return i

    flow = Flow("fails-twice")
    for i in range(20):
        flow.add_call(flaky, (i,), {})
    return flow, calls


def test_a_run_whose_attempts_failed_and_were_retried_leaves_no_garbage(
    collector_off: None,
) -> None:
    flow, calls = _fails_twice_flow()
    flow.run(workers=4)  # warm: imports, caches
    calls.clear()
    result = flow.run(workers=4)
    assert result.is_completed(), result.counts
    assert all(len(attempts) == 3 for attempts in result.attempts.values())
    del result
    assert _flowtops_garbage() == []
