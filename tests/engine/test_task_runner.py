"""``@flow(task_runner=ThreadPoolTaskRunner(max_workers=N))``: at most N of a run's
attempts at once, as Prefect's thread pool task runner runs them."""

from __future__ import annotations

import threading
import time

import pytest

from flowtop import flow, task
from flowtop.task_runners import ThreadPoolTaskRunner


class Gauge:
    """How many attempts run at once, at most."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __enter__(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.now -= 1


def busy_flow(gauge: Gauge, **options: object):
    @task
    def wait(i: int) -> int:
        with gauge:
            time.sleep(0.05)
        return i

    @flow(**options)
    def waits() -> int:
        return sum(f.result() for f in wait.map(range(8)))

    return waits


def test_max_workers_caps_a_run_s_attempts_at_once(make_runner) -> None:
    capped, free = Gauge(), Gauge()
    runner = make_runner(8)
    flows = busy_flow(capped, task_runner=ThreadPoolTaskRunner(max_workers=2)), busy_flow(free)
    for waits in flows:
        assert runner.start(waits).final_result(10).value == 28
    assert capped.most == 2
    assert free.most > 2  # the runner's eight workers, without the cap


def test_a_task_runner_flowtop_has_not_is_refused_with_the_way_to_go() -> None:
    class DaskTaskRunner:
        pass

    with pytest.raises(TypeError, match="use --executor process or --executor dask"):

        @flow(task_runner=DaskTaskRunner())
        def elsewhere() -> None: ...

    with pytest.raises(ValueError, match="max_workers must be an int >= 1, got 0"):
        ThreadPoolTaskRunner(max_workers=0)
