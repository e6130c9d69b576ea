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


def test_a_stale_idle_permit_does_not_keep_the_awaited_job_from_running() -> None:
    """A worker that found the queue empty can take a job submitted just before it said
    so: its "idle" permit stays. A submit that then took that permit started no thread,
    and a worker lending its place while it waits for that job waited for good."""
    pool = WorkerPool(1)
    ran = threading.Event()
    pool.submit(ran.set)  # one worker, idle once it has run this
    assert ran.wait(5)
    wait_until(lambda: pool._waiting._value == 1)
    pool._waiting.release()  # a stale permit, as that race leaves one
    awaited, done = threading.Event(), threading.Event()

    def lender() -> None:
        with pool.lent():
            pool.submit(awaited.set)
            if awaited.wait(5):
                done.set()

    pool.submit(lender)
    assert done.wait(10), "the job the lender waited for never ran"
    pool.shutdown()


def test_a_given_back_place_is_left_at_once_by_an_idle_thread() -> None:
    """The surplus thread left only after its next job: while the lender went on with its
    own job, that thread, idle, took the next one beside it (a one-worker pool ran two)."""
    pool = WorkerPool(1)
    inner, lent_back, go_on = threading.Event(), threading.Event(), threading.Event()
    second = threading.Event()

    def outer() -> None:
        with pool.lent():
            pool.submit(inner.set)
            assert inner.wait(5)
        lent_back.set()
        go_on.wait(5)  # the lender's job goes on after the subflow it waited for

    pool.submit(outer)
    assert lent_back.wait(5)
    wait_until(lambda: len(pool._threads) == 1)  # the idle one left, not after a job
    pool.submit(second.set)
    assert not second.wait(0.2)  # one worker, busy with the lender's job
    go_on.set()
    assert second.wait(5)
    pool.shutdown()
