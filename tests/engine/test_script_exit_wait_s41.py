"""A script's exit waits a little for the threads its runs gave up on, as ``flowtop run``.

A sync attempt blocked in C past its timeout is given up on: its thread goes on alone
and prints its ``except`` handler's line once the call returns. ``flowtop run`` waits for
such threads (at most a second) before it exits; ``python script.py`` calling a ``@flow``
function or ``Flow.run()`` did not, and the interpreter's exit took the print with it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from flowtop.engine import capture, given_up

SCRIPT_FLOW = """
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
        try:
            slow()
        except TimeoutError:
            print("the flow saw the timeout")


    late()
    print("script done")
"""

SCRIPT_GRAPH = """
    import time
    from asyncio import CancelledError
    from flowtop import Flow, task


    @task(timeout=0.2)
    def slow():
        try:
            time.sleep(0.6)
        except CancelledError:
            print("cleaned up late")
            raise


    graph = Flow("late")
    graph.add_task(slow)
    print(graph.run()["slow"].type.name)
"""

PLAIN = """
    from flowtop import flow, task
    from flowtop.engine import given_up


    @task
    def quick():
        return 1


    @flow
    def fine():
        return quick()


    print(fine(), given_up._hooked)
"""


def run_script(tmp_path: Path, source: str) -> list[str]:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_a_script_calling_a_flow_shows_a_timed_out_task_s_last_print(tmp_path: Path) -> None:
    lines = run_script(tmp_path, SCRIPT_FLOW)
    assert lines == ["the flow saw the timeout", "script done", "cleaned up late"]


def test_a_script_running_a_flow_graph_shows_a_timed_out_task_s_last_print(
    tmp_path: Path,
) -> None:
    assert run_script(tmp_path, SCRIPT_GRAPH) == ["FAILED", "cleaned up late"]


def test_a_script_that_gave_up_on_no_thread_sets_up_no_wait(tmp_path: Path) -> None:
    assert run_script(tmp_path, PLAIN) == ["1 False"]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_thread_blocked_for_good_holds_the_exit_no_longer_than_the_grace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(given_up, "_threads", set())
    monkeypatch.setattr(given_up, "_hooked", True)  # no exit hook for this test's thread
    stop = threading.Event()
    stuck = threading.Thread(target=stop.wait, daemon=True)
    stuck.start()
    try:
        given_up.gave_up(stuck)
        clock = Clock()
        given_up.wait(1.0, clock=clock, sleep=clock.sleep)
        assert clock.now == pytest.approx(1.0)
    finally:
        stop.set()
        stuck.join(5)
    clock = Clock()
    given_up.wait(1.0, clock=clock, sleep=clock.sleep)
    assert clock.now == 0.0  # none left: no wait at all


def test_a_flowtop_command_is_not_made_to_wait_again_at_its_exit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(given_up, "wait", lambda grace=1.0: waits.append(grace))
    monkeypatch.setattr(capture, "_pinned", True)  # ``capture_info_logs``: a command's
    given_up._at_exit()
    assert waits == []
    monkeypatch.setattr(capture, "_pinned", False)  # a script's
    given_up._at_exit()
    assert waits == [1.0]
