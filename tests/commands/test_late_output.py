"""``flowtop run`` lets an attempt it gave up on print its last lines before it exits.

A sync attempt past its timeout is given up on: its thread (a daemon) goes on alone, and
what it prints in its ``except CancelledError:`` handler goes to the terminal. The run ends
without waiting for it, and ``flowtop run`` then exited at once: the interpreter's exit
took the thread with it, and the print never showed.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import fork_cli
from flowtop.commands.late_output import wait_for_given_up

LATE = """
    import time
    from asyncio import CancelledError
    from flowtop import flow, task


    @task(timeout_seconds=0.2)
    def slow():
        try:
            time.sleep(0.6)  # in C: CancelledError comes once it returns, after the run's end
        except CancelledError:  # what a timed-out task's code gets, sync or async
            print("cleaned up late")
            raise


    @flow
    def late():
        slow()
"""


def test_a_timed_out_task_s_late_print_reaches_the_terminal_before_flowtop_run_exits(
    tmp_path: Path,
) -> None:
    (tmp_path / "late.py").write_text(textwrap.dedent(LATE))
    done = fork_cli.run(
        ["run", "late.py", "--no-history"],
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert "late #1 FAILED" in done.stdout  # the run ended at the timeout: the print is later
    assert lines[-1] == "cleaned up late", done.stdout


class Pool:
    """A worker pool as ``wait_for_given_up`` sees it: its count of threads given up on
    (``WorkerPool.abandoned``), each look taking one off, never below ``stays``."""

    def __init__(self, abandoned: int, stays: int = 0) -> None:
        self.count = abandoned
        self.stays = stays
        self.looks = 0

    @property
    def abandoned(self) -> int:
        self.looks += 1
        self.count = max(self.stays, self.count - 1) if self.looks > 1 else self.count
        return self.count


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_run_that_gave_up_on_nothing_exits_without_waiting() -> None:
    clock = Clock()
    wait_for_given_up(Pool(0), clock=clock, sleep=clock.sleep)
    wait_for_given_up(object(), clock=clock, sleep=clock.sleep)  # processes, Dask: none
    assert clock.slept == []


def test_the_wait_ends_when_the_given_up_threads_are_done() -> None:
    clock = Clock()
    wait_for_given_up(Pool(3), 1.0, clock=clock, sleep=clock.sleep)
    assert len(clock.slept) == 3


def test_a_thread_blocked_for_good_holds_the_exit_no_longer_than_the_grace() -> None:
    clock = Clock()
    wait_for_given_up(Pool(1, stays=1), 1.0, clock=clock, sleep=clock.sleep)
    assert clock.now == pytest.approx(1.0)


def test_the_grace_counts_from_the_runs_end_not_from_the_wait() -> None:
    """The runner's shutdown may have spent the grace already (a line to a stdout nobody
    reads): the wait for given-up threads then adds nothing. It added a second of its own,
    and a stopped ``flowtop run`` with a task blocked in C took 2 s to exit, not about 1."""
    clock = Clock()
    ended = clock.now
    clock.now += 0.7  # the shutdown's wait for the stuck printer
    wait_for_given_up(Pool(1, stays=1), 1.0, since=ended, clock=clock, sleep=clock.sleep)
    assert clock.now == pytest.approx(1.0)
