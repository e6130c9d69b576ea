"""What a process forked from a task attempt prints reaches the real streams.

``multiprocessing.Pool(...).map`` with Linux's default start method (fork), or a bare
``os.fork()``: the child is a copy of the attempt's thread, whose writes went into the
attempt's capture, a buffer in the child's memory that died with it. Every print of the
children was lost, where plain Python shows them. The child's writes now go to the
streams the parent's would reach outside any attempt, and flowtop's locks another thread
held at the fork are new ones in the child.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from typing import Any

import pytest

from engine.kit import child_status
from flowtop import Flow, StateType, task
from flowtop.engine import capture, live_output

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here"),
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded"),  # 3.12+: as meant
]


def square(x: int) -> int:
    # One write per line: print() writes its pieces one by one, and unbuffered
    # (PYTHONUNBUFFERED=1) two workers' pieces interleaved ("childchild  0"). Flushed:
    # the pool's workers end by SIGTERM, with no flush at exit.
    sys.stdout.write(f"child {x}\n")
    sys.stdout.flush()
    return x * x


def test_prints_of_a_pool_s_forked_workers_reach_the_terminal(
    make_runner: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    @task
    def crunch() -> int:
        print("parent")
        with multiprocessing.get_context("fork").Pool(2) as pool:
            return sum(pool.map(square, range(4)))

    graph = Flow("pool")
    graph.add_task(crunch)
    result = make_runner(2).start(graph).result(timeout=30)
    assert result["crunch"].type is StateType.COMPLETED, result["crunch"]
    assert result.attempts["crunch"][0].output == "parent\n"  # the attempt's own
    out = capfd.readouterr().out
    assert sorted(line for line in out.splitlines() if line.startswith("child")) == [
        f"child {x}" for x in range(4)
    ]


def test_a_bare_fork_s_prints_and_logs_reach_the_real_streams(
    make_runner: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    @task
    def forky() -> int:
        print("before")
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                print("in child")
                sys.stderr.write("child stderr\n")
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException:  # noqa: BLE001 - never back into the test's code
                code = 3
            os._exit(code)
        return child_status(pid)

    graph = Flow("forky")
    graph.add_task(forky)
    result = make_runner(2).start(graph).result(timeout=30)
    assert result["forky"].result == 0
    assert result.attempts["forky"][0].output == "before\n"
    out, err = capfd.readouterr()
    assert "in child\n" in out
    assert "child stderr\n" in err


def test_a_child_forked_while_another_thread_holds_flowtop_s_locks_does_not_hang(
    make_runner: Any,
) -> None:
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with capture._install_lock, live_output._arming:
            held.set()
            release.wait(30)

    @task
    def forky() -> int:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                with capture._install_lock, live_output._arming:
                    print("in child", flush=True)
            except BaseException:  # noqa: BLE001 - never back into the test's code
                code = 3
            os._exit(code)
        return child_status(pid)

    capture._ensure_installed()  # the attempt's own begin() needs no lock then
    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(5)
        graph = Flow("locked")
        graph.add_task(forky)
        result = make_runner(2).start(graph).result(timeout=30)
    finally:
        release.set()
        thread.join()
    assert result["forky"].result == 0  # -1: it hung on a lock
