"""The processes a task attempt started end with it when its run cancels it or its
timeout does (``engine.attempt_children``); one that ended of itself leaves its own.

A cancelled run was recorded CANCELLED while what its task started (``subprocess.run``,
``os.system``) ran on, reparented to PID 1. Each test's task starts ``sh``, which starts a
``sleep`` and writes both pids to a file, then waits for it: the test waits for that
file, stops the attempt, and waits for both processes to be gone (killed by pid at its
end, whatever happened).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flowtop import Flow, task
from flowtop.engine import Runner, attempt_children, capture, capture_children
from flowtop.engine.states import StateType
from waits import wait_until

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux: /proc")

#: ``sh`` starts a ``sleep``, writes its own pid and the sleep's to FILE, and waits.
TREE = 'sleep 120 & echo $$ $! > "{file}.tmp"; mv "{file}.tmp" "{file}"; wait'


def _started(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot); None when it is gone (or a
    zombie, which has ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return None if fields[0] in "ZX" else int(fields[19])


def _gone(pids: dict[int, int]) -> bool:
    return all(_started(pid) != began for pid, began in pids.items())


@contextlib.contextmanager
def _cleaned_up() -> Iterator[Callable[[Path], dict[int, int]]]:
    """``read(file)``: the pids written to ``file`` (waited for), with their start times;
    any still running at the end is killed."""
    seen: dict[int, int] = {}

    def read(file: Path) -> dict[int, int]:
        wait_until(file.exists, f"{file.name} written")
        pids = {}
        for pid in map(int, file.read_text().split()):
            began = _started(pid)
            assert began is not None, f"process {pid} ended of itself"
            pids[pid] = seen[pid] = began
        return pids

    try:
        yield read
    finally:
        for pid, began in seen.items():
            if _started(pid) == began:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)


@pytest.fixture(autouse=True)
def children_seen() -> None:
    """The audit hook a flowtop command installs (``capture.capture_info_logs``)."""
    capture_children.install(capture._local, capture.copied, launched=False)


def test_a_cancelled_runs_attempt_stops_what_it_started_and_a_finished_one_does_not(
    tmp_path: Path,
) -> None:
    left, tree, system = tmp_path / "left", tmp_path / "tree", tmp_path / "system"

    @task
    def leaves_one() -> None:  # ends of itself: what it started is its own
        subprocess.Popen(["sh", "-c", TREE.format(file=left)])

    @task
    def runs_a_tree() -> None:
        subprocess.run(["sh", "-c", TREE.format(file=tree)], check=False)

    @task
    def runs_a_system() -> None:
        os.system(TREE.format(file=system))

    flow = Flow("trees")
    flow.add_call(leaves_one, (), {})
    flow.add_call(runs_a_tree, (), {})
    flow.add_call(runs_a_system, (), {})
    with _cleaned_up() as read, Runner(4) as runner:
        run = runner.start(flow)
        kept = read(left)
        wait_until(lambda: run.tasks["leaves_one"].state is StateType.COMPLETED)
        stopped = read(tree) | read(system)
        assert run.cancel()
        assert run.wait(30)
        wait_until(lambda: _gone(stopped), "the cancelled attempts' processes gone")
        attempt_children.cut_short()  # (nothing more is stopped: it was not cut short)
        assert all(_started(pid) == began for pid, began in kept.items())
        assert run.tasks["runs_a_tree"].state is StateType.CANCELLED


def test_a_timed_out_attempt_stops_what_it_started(tmp_path: Path) -> None:
    tree = tmp_path / "tree"

    @task(timeout_seconds=2, retries=0)
    def hangs() -> None:
        subprocess.run(["sh", "-c", TREE.format(file=tree)], check=False)

    flow = Flow("hanging")
    flow.add_call(hangs, (), {})
    with _cleaned_up() as read, Runner(2) as runner:
        run = runner.start(flow)
        stopped = read(tree)
        wait_until(lambda: _gone(stopped), "the timed-out attempt's processes gone")
        assert run.wait(30)
        assert run.tasks["hangs"].state is StateType.FAILED
