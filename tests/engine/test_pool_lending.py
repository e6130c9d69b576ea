"""A worker waiting on its own pool's work lends its place only while it waits.

A task attempt waiting for a subflow it called needs the pool to run that subflow's tasks
(one worker: nothing would run). Raising the pool's size for the wait left the extra
thread for good: a pool of one worker (a rate-limited API) then ran two tasks at once.
"""

from __future__ import annotations

import threading
import time

from flowtop.engine.pool import WorkerPool

from .kit import wait_until


def test_a_lent_place_lets_the_awaited_job_run_then_the_pool_shrinks_back() -> None:
    pool = WorkerPool(1)
    inner_done, outer_done = threading.Event(), threading.Event()

    def outer() -> None:
        with pool.lent():
            pool.submit(inner_done.set)
            assert inner_done.wait(5), "the job waited for never ran"
        outer_done.set()

    pool.submit(outer)
    assert outer_done.wait(5)
    wait_until(lambda: len(pool._threads) == 1)
    running, most = [0], [0]
    lock = threading.Lock()

    def counted() -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1

    finished = threading.Semaphore(0)
    for _ in range(4):
        pool.submit(lambda: (counted(), finished.release()))
    for _ in range(4):
        assert finished.acquire(timeout=5)
    assert most[0] == 1
    pool.shutdown()
