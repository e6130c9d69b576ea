"""The process pool: a timed-out or cancelled attempt's process is killed and replaced."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from engine.kit import wait_until
from flowtop import Flow
from flowtop.engine.executors import ProcessBackend

from . import tasks


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def worker_pid(backend: ProcessBackend) -> int:
    """The process id of the worker ``backend`` runs its next call in."""
    pid, error, _ = backend.call(os.getpid, [], {}, timeout=None)
    assert error is None, error
    return pid


def test_start_method_is_not_fork():
    backend = ProcessBackend(1)
    try:
        assert backend.start_method in ("forkserver", "spawn")
    finally:
        backend.close()


def test_timeout_kills_the_attempts_process(make_runner, tmp_path: Path):
    pid_file = tmp_path / "pid"
    with Flow("slow") as flow:
        tasks.sleeps_past_timeout(str(pid_file))
    runner = make_runner("process", workers=1)
    with Flow("warm") as warm:  # its worker started first: on a loaded machine, starting
        tasks.noisy(1)  # one took longer than the 0.5 s timeout, and no pid was written
    assert runner.run(warm).is_completed()
    result = runner.start(flow).result(timeout=10)  # a 30 s sleep, stopped at 0.5 s
    assert result["sleeps_past_timeout"].is_failed()
    assert type(result["sleeps_past_timeout"].exception).__name__ == "TaskTimeout"
    # its own words (fx74: "the executor was told to stop it", said of Dask's too)
    assert "(its process was killed)" in str(result["sleeps_past_timeout"].exception)
    pid = int(pid_file.read_text())
    wait_until(lambda: gone(pid))
    assert worker_pid(runner.backend) != pid  # the next attempt runs in a fresh process


def test_cancel_kills_the_running_attempts_process(make_runner, tmp_path: Path):
    pid_file = tmp_path / "pid"
    with Flow("slow") as flow:
        tasks.sleeper(str(pid_file), 30)
    runner = make_runner("process", workers=1)
    run = runner.start(flow)
    wait_until(pid_file.exists)
    wait_until(lambda: pid_file.read_text() != "")
    pid = int(pid_file.read_text())
    assert run.cancel()
    wait_until(lambda: gone(pid))


def test_a_dead_worker_fails_its_attempt_and_is_replaced(make_runner, tmp_path: Path):
    with Flow("dies") as flow:
        tasks.dies_once(str(tmp_path / "n"))
    result = make_runner("process", workers=1).run(flow)
    attempts = result.attempts["dies_once"]
    assert "died (exit code 3)" in attempts[0].error.message
    assert result["dies_once"].result == 2


def test_close_kills_every_worker(tmp_path: Path):
    backend = ProcessBackend(2)
    value, error, output = backend.call(tasks.noisy.fn, [1], {}, timeout=None)
    assert (value, error, output) == (2, None, "working on 1\n")
    pid = worker_pid(backend)  # (the one worker started)
    backend.close()
    assert gone(pid)
    value, error, _ = backend.call(tasks.noisy.fn, [1], {}, timeout=None)
    assert value is None and "shut down" in str(error)


def test_abandoned_attempt_is_stopped_without_the_runner(tmp_path: Path):
    backend = ProcessBackend(1)
    stop = time.monotonic() + 0.3
    try:
        value, error, _ = backend.call(
            tasks.sleeper.fn,
            [str(tmp_path / "pid"), 30],
            {},
            timeout=None,
            abandoned=lambda: time.monotonic() > stop,
        )
    finally:
        backend.close()
    assert value is None and "stopped" in str(error)


@pytest.mark.parametrize("workers", [0, True, "2"])
def test_bad_worker_counts_are_refused(workers):
    with pytest.raises(ValueError, match="workers must be an int >= 1"):
        ProcessBackend(workers)


def test_workers_do_not_rerun_an_unguarded_main_script(tmp_path: Path):
    import subprocess
    import sys
    import textwrap

    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            """
            from flowtop import Flow, task
            from flowtop.engine import Runner
            from flowtop.engine.executors import ProcessBackend

            print("main ran")

            @task
            def triple(x):
                return x * 3

            with Flow("script") as flow:
                triple(2)
            with Runner(1, backend=ProcessBackend(1)) as runner:
                print("result", runner.run(flow)["triple"].result)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["main ran", "result 6"]
