"""A process a task forks ends when it leaves the task's code; it never runs the engine.

The child of ``os.fork()`` in a task attempt is a copy of the attempt's thread. When its
copy of the task's function returned or raised, it went on in flowtop's engine: it
scheduled the retry of its error, ran the task again (which forked again), or waited in
the worker pool for ever; ``flowtop run fx.py | cat`` never ended, held open by them. It
now ends there, as a ``multiprocessing`` fork child: status 0 when the code returned, 1
with the exception's line on stderr when it raised, a ``sys.exit`` code as given.

Each task here forks in the test's process only (``PARENT``): a child that went on into
the engine and ran a retry must not fork again and leave processes no one ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from engine.kit import child_status
from flowtop import Flow, StateType, task

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here"),
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded"),  # 3.12+: as meant
]

PARENT = os.getpid()
#: What a child that came back into its caller's code (an inline call's) exits with.
WENT_ON = 7


def fork_and(then: str) -> int:
    """Fork; in the child ``raise`` a ValueError, ``return`` or ``exit`` with 5; in the
    parent, the child's exit status."""
    pid = os.fork() if os.getpid() == PARENT else -1
    if pid == 0:
        if then == "raise":
            raise ValueError("boom in the child\nsecond line")
        if then == "exit":
            sys.exit(5)
        return -2
    return child_status(pid, 5.0) if pid > 0 else -3  # -3: a child's retry, which forks no more


@pytest.mark.parametrize(
    ("then", "status"), [("raise", 1), ("return", 0), ("exit", 5)], ids=["raise", "return", "exit"]
)
@pytest.mark.parametrize("timeout", [None, 30.0], ids=["plain", "interruptible"])
def test_a_forked_child_leaving_a_run_s_task_ends_with_its_status(
    make_runner: Any,
    capfd: pytest.CaptureFixture[str],
    then: str,
    status: int,
    timeout: float | None,
) -> None:
    @task(max_retries=2, retry_delay=0.01, timeout_seconds=timeout)
    def forks() -> int:
        return fork_and(then)

    graph = Flow("forks")
    graph.add_task(forks)
    result = make_runner(2).start(graph).result(timeout=30)
    assert result["forks"].type is StateType.COMPLETED, result["forks"]
    assert result["forks"].result == status  # -1: the child never ended
    assert len(result.attempts["forks"]) == 1
    err = capfd.readouterr().err
    if then == "raise":
        assert ", forked in a task, ended with ValueError: boom in the child\n" in err
        assert "second line" not in err
    else:
        assert "forked in a task" not in err


@pytest.mark.parametrize(
    ("timeout", "then", "status"),
    [(None, "raise", 1), (None, "return", 0), (30.0, "raise", 1)],
    ids=["raise", "return", "raise-on-a-helper-thread"],
)
def test_a_forked_child_leaving_an_inline_task_call_ends_there(
    timeout: float | None, then: str, status: int
) -> None:
    """Called outside any run, the task's child did not retry nor return to its caller.
    (A child on the helper thread a timeout uses that returns ends with that thread,
    status 0, either way: not a case here.)"""

    @task(max_retries=2, retry_delay=0.01, timeout_seconds=timeout)
    def forks() -> int:
        return fork_and(then)

    results: list[int] = []

    def caller() -> None:  # a thread of its own: a child going on never runs pytest's code
        results.append(forks())
        if os.getpid() != PARENT:
            os._exit(WENT_ON)

    thread = threading.Thread(target=caller)
    thread.start()
    thread.join(30)
    assert results == [status]  # WENT_ON: the child came back to the caller


def test_flowtop_run_ends_with_no_process_left_behind(tmp_path: Path) -> None:
    """The explorer's case: ``flowtop run fx.py | cat`` ended only when every process
    holding the pipe did; the children ran retries, which forked again, for ever."""
    (tmp_path / "fx.py").write_text(
        textwrap.dedent(
            """
            import os
            from flowtop import flow, task

            @task(max_retries=2, retry_delay=0.05)
            def forks() -> int:
                if os.fork() == 0:
                    raise ValueError("child raised")
                return 1

            @flow
            def fx() -> int:
                return forks()
            """
        )
    )
    command = [sys.executable, "-m", "flowtop", "run", "--no-history", "fx.py"]
    with subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its group: what it left behind is killed below
    ) as proc:
        try:
            out, err = proc.communicate(timeout=20)  # returns once no process holds the pipes
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            pytest.fail("processes forked by the task still hold flowtop run's output")
    assert proc.returncode == 0, err
    assert "fx #1 COMPLETED" in out
    assert "ended with ValueError: child raised" in err


@pytest.mark.parametrize(("then", "status"), [("raise", 1), ("return", 0)], ids=["raise", "return"])
def test_a_forked_child_leaving_an_async_task_ends_with_its_status(
    make_runner: Any, then: str, status: int
) -> None:
    """The child of a fork in an ``async def`` task's coroutine is a copy of the event
    loop's thread: when the coroutine ended there, its outcome went to the engine too."""

    @task(max_retries=2, retry_delay=0.01)
    async def forks() -> int:
        return fork_and(then)

    graph = Flow("async-forks")
    graph.add_task(forks)
    result = make_runner(2).start(graph).result(timeout=30)
    assert result["forks"].result == status  # -1: the child never ended
