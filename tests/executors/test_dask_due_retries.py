"""On Dask, a retry whose delay is over runs at the next free worker thread.

A run hands Dask no more attempts than its ``workers`` (``backends.Places``): the rest
wait in the run's own queue, where a due retry goes ahead of first attempts (once, all
were handed over and a retry waited behind every one in Dask's queue). The cluster here
has one worker thread and queues every task it has not started (saturation 1.0), and the
runner's clock is a ``ManualClock``: the order attempts start in is the queues' order
alone, never timing.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

from engine.kit import Recorder, wait_until
from flowtop import Flow, task
from flowtop.engine import Runner
from flowtop.engine.executors import DaskBackend
from flowtop.engine.states import StateType
from flowtop.engine.timer import ManualClock

QUICK_TASKS = 20
FAILS_ONCE, HOLDS_THE_WORKER = 0, 1


def _started(log: str, i: int) -> int:
    """Record that the attempt of step ``i`` started; how many of step ``i``'s did."""
    with open(log, "a") as f:
        f.write(f"{i}\n")
    return Path(log).read_text().splitlines().count(str(i))


@task(max_retries=1, retry_delay=0.2)
def step(log: str, release: str, i: int) -> int:
    """One task for all the calls, as in a fan-out: Dask queues a big group of calls
    (``step-…`` keys) at its scheduler, retries among them."""
    if _started(log, i) == 1 and i == FAILS_ONCE:
        raise ConnectionError("first attempt")
    if i == HOLDS_THE_WORKER:
        deadline = time.monotonic() + 20
        while not Path(release).exists():
            if time.monotonic() > deadline:
                raise TimeoutError("the test never released the worker")
            time.sleep(0.005)
    return i


def _queued(dask_scheduler: Any) -> int:
    """On the scheduler: how many tasks wait for a worker thread."""
    return len(dask_scheduler.queued)


def test_a_due_retry_runs_before_first_attempts_submitted_ahead_of_it(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    import dask

    log, release = str(tmp_path / "started"), str(tmp_path / "release")
    flow = Flow("fan-out")
    keys = [flow.add_call(step, (log, release, i), {}).key for i in range(QUICK_TASKS + 2)]
    recorder = Recorder()
    with (
        dask.config.set({"distributed.scheduler.worker-saturation": 1.0}),
        distributed.LocalCluster(
            processes=False,
            n_workers=1,
            threads_per_worker=1,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
    ):
        backend = DaskBackend(workers=1, cluster=cluster)
        clock = ManualClock()
        runner = Runner(1, sinks=(recorder,), backend=backend, clock=clock, rng=lambda: 0.5)
        try:
            run = runner.start(flow)
            failed = keys[FAILS_ONCE]
            wait_until(lambda: StateType.AWAITING_RETRY in recorder.states(failed, run.run_id))
            wait_until(lambda: str(HOLDS_THE_WORKER) in Path(log).read_text().split())
            clock.advance(0.2)  # the retry comes due...
            client = backend.start()
            # ...and waits with the first attempts in the run's queue, none in Dask's
            # (its one thread holds the blocker)
            wait_until(lambda: len(run._drivers._retries) == 1)
            assert client.run_on_scheduler(_queued) == 0
            Path(release).touch()
            result = run.result(timeout=30)
        finally:
            Path(release).touch()
            runner.shutdown()
            backend.close()
    assert result.state is StateType.COMPLETED, result.counts
    order = [int(line) for line in Path(log).read_text().split()]
    assert order[:3] == [FAILS_ONCE, HOLDS_THE_WORKER, FAILS_ONCE], order
