"""The worker pool starts its threads on demand: a submit that finds no worker waiting
starts one, up to ``workers``, and never more."""

from __future__ import annotations

import threading

from flowtop import Flow, task
from flowtop.engine.pool import WorkerPool

from .kit import wait_until

BOUND = 5.0


def test_a_pool_starts_no_thread_before_its_first_submit_and_one_for_it() -> None:
    pool = WorkerPool(8)
    try:
        assert pool._threads == []
        done = threading.Event()
        pool.submit(done.set)
        assert done.wait(BOUND)
        assert len(pool._threads) == 1
        # The one worker is waiting again: the next submit needs no new thread.
        wait_until(lambda: pool._waiting._value == 1)
        again = threading.Event()
        pool.submit(again.set)
        assert again.wait(BOUND)
        assert len(pool._threads) == 1
    finally:
        pool.shutdown(wait=True)


def test_busy_workers_make_a_submit_start_another_thread_up_to_workers() -> None:
    pool = WorkerPool(3)
    release = threading.Event()
    inside = threading.Semaphore(0)

    def hold() -> None:
        inside.release()
        release.wait(BOUND)

    try:
        for _ in range(5):
            pool.submit(hold)
        for _ in range(3):  # three run at once, each on its own thread
            assert inside.acquire(timeout=BOUND)
        assert len(pool._threads) == 3
        assert not inside.acquire(timeout=0.05)  # the other two wait for a free worker
        release.set()
        for _ in range(2):
            assert inside.acquire(timeout=BOUND)
        assert len(pool._threads) == 3
    finally:
        release.set()
        pool.shutdown(wait=True)


def test_a_one_task_run_starts_one_worker_thread() -> None:
    names: set[str] = set()

    @task
    def one() -> int:
        names.update(t.name for t in threading.enumerate() if t.name.startswith("flowtop-worker"))
        return 1

    flow = Flow("one")
    flow.add_task(one)
    assert flow.run(workers=8).is_completed()
    assert len(names) == 1


def test_a_shut_down_pool_has_no_backlog_to_yield_to() -> None:
    pool = WorkerPool(1)
    release = threading.Event()
    pool.submit(release.wait, BOUND)
    pool.submit(lambda: None)  # queued behind the first
    wait_until(lambda: pool._threads and pool.has_backlog())
    pool.shutdown(wait=False)  # its stop markers are queued now
    assert not pool.has_backlog()
    release.set()
