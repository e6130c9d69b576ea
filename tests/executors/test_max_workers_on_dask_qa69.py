"""``@flow(task_runner=ThreadPoolTaskRunner(max_workers=N))`` caps how many of its run's
attempts run at once under ``--executor dask`` too. A driver is not held by an attempt
submitted to a cluster, so the drivers' number capped nothing there: a tester saw 8 at
once for ``max_workers=2`` (QA, 2026-12-07), where threads and ``process`` ran 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Each attempt marks itself running in a folder and looks, for half a second at most,
#: how many marks it sees at once (its flow's pacing, not the test's): the most it saw.
CAPPED = """
import time
from pathlib import Path

from flowtop import flow, task
from flowtop.task_runners import ThreadPoolTaskRunner

MARKS = Path({marks!r})


@task
def step(i):
    mine = MARKS / str(i)
    mine.touch()
    try:
        seen, end = 0, time.monotonic() + 0.5
        while seen <= 1 and time.monotonic() < end:
            seen = max(seen, len(list(MARKS.iterdir())))
            time.sleep(0.01)
        return seen
    finally:
        mine.unlink()


@flow(task_runner=ThreadPoolTaskRunner(max_workers=1))
def capped():
    return max(step.map(range(4)).result())
"""


def test_max_workers_caps_a_run_s_attempts_on_dask(
    run_flow: Callable[..., Any], backend_for: Callable[..., Any], tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    source = CAPPED.format(marks=str(marks))
    result = run_flow(source, "capped", backend_for("dask", 4))  # 4 threads, 2 workers asked
    assert result.state.value == "COMPLETED" and result.value == 1, result  # never two at once
