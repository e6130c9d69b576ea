"""A ``@flow`` body's own children end with it when its run is cancelled or timed out, as a
task attempt's do (``engine.attempt_children``); a body that ends of itself leaves its own.

A body calling ``subprocess.run`` itself (not in a task) was cut short, its run recorded
CANCELLED or FAILED, and the child ran on, reparented to PID 1: only tasks' children were
stopped. The process trees and their cleanup are the task tests' (``test_attempt_children_fx72e``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flowtop import flow
from flowtop.engine import Runner, attempt_children, capture, capture_children
from flowtop.engine.states import StateType
from waits import wait_until

from .test_attempt_children_fx72e import TREE, _cleaned_up, _gone, _started

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux: /proc")


@pytest.fixture(autouse=True)
def children_seen() -> None:
    """The audit hook a flowtop command installs (``capture.capture_info_logs``)."""
    capture_children.install(capture._local, capture.copied, launched=False)


@pytest.mark.parametrize("hooked", [False, True], ids=["plain", "with an on_cancellation hook"])
def test_a_cancelled_flow_body_stops_what_it_started(tmp_path: Path, hooked: bool) -> None:
    """With a hook, which writes into the body's output and ends that capture while the
    body still runs, what the body started was left running even once it was followed."""
    tree, heard = tmp_path / "tree", []

    def hook(*_: object) -> None:
        heard.append("hook")

    @flow(name="body-tree-s73", on_cancellation=[hook] if hooked else None)
    def body_tree() -> None:
        subprocess.run(["sh", "-c", TREE.format(file=tree)], check=False)

    with _cleaned_up() as read, Runner(2) as runner:
        run = runner.start(body_tree)
        stopped = read(tree)
        assert run.cancel()
        wait_until(lambda: _gone(stopped), "the cancelled body's processes gone")
        assert run.wait(30)
        assert run.state is StateType.CANCELLED
        assert heard == (["hook"] if hooked else [])


def test_a_timed_out_flow_body_stops_what_it_started(tmp_path: Path) -> None:
    tree = tmp_path / "tree"

    @flow(name="body-hangs-s73", timeout_seconds=1)
    def body_hangs() -> None:
        subprocess.run(["sh", "-c", TREE.format(file=tree)], check=False)

    with _cleaned_up() as read, Runner(2) as runner:
        run = runner.start(body_hangs)
        stopped = read(tree)
        wait_until(lambda: _gone(stopped), "the timed-out body's processes gone")
        assert run.wait(30)
        assert run.state is StateType.FAILED


def test_a_flow_body_that_ends_leaves_what_it_started(tmp_path: Path) -> None:
    left = tmp_path / "left"

    @flow(name="body-leaves-s73")
    def body_leaves() -> None:
        subprocess.Popen(["sh", "-c", TREE.format(file=left)])

    with _cleaned_up() as read, Runner(2) as runner:
        run = runner.start(body_leaves)
        kept = read(left)
        assert run.wait(30)
        assert run.state is StateType.COMPLETED
        attempt_children.cut_short()  # (nothing is stopped: it was not cut short)
        assert all(_started(pid) == began for pid, began in kept.items())
