"""What a task's state hooks print is kept with the task: its attempts' output.

The hooks run in the flowtop process outside the attempt's capture (``on_running`` just
before it, ``on_completion`` / ``on_failure`` after the last attempt), so what they printed
went to the process's real stdout: under a run the TUI or ``--detach`` started, the run
process's log file, deleted once the run ended. It was in neither the store nor the
history. Now the ``on_running`` hooks' output starts the attempt's, the final hooks' ends
the last attempt's, whatever runs the attempt (a pool thread, the event loop, another
process), and a script still sees it once, as it comes.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

import fork_cli
from flowtop import Flow, StateType, flow, task
from flowtop.engine.timer import ManualClock


def said(kind: str) -> Any:
    def hook(task: Any, task_run: Any, state: Any) -> None:
        print(f"{kind} {task_run.name} {state.name}")

    return hook


async def said_later(task: Any, task_run: Any, state: Any) -> None:
    await asyncio.sleep(0)
    print(f"async hook {task_run.name} {state.name}")


def test_the_hooks_prints_are_the_output_of_the_attempts_they_start_and_end(
    make_runner: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    tries: list[int] = []

    @task(max_retries=1, on_running=[said("running")], on_failure=[said("failure")])
    def flaky() -> None:
        tries.append(1)
        print("body", len(tries))
        raise ValueError("no")

    @task(on_running=[said("running")], on_completion=[said("done"), said_later])
    def fine() -> int:
        print("body")
        return 1

    graph = Flow("hooks-print")
    graph.add_task(flaky)
    graph.add_task(fine)
    result = make_runner(2).start(graph).result(timeout=10)
    assert [a.output for a in result.attempts["flaky"]] == [
        "running flaky Running\nbody 1\n",
        "running flaky Retrying\nbody 2\nfailure flaky Failed\n",
    ]
    assert result.attempts["fine"][0].output == (
        "running fine Running\nbody\ndone fine Completed\nasync hook fine Completed\n"
    )
    assert "running" not in capfd.readouterr().out  # kept, not on the terminal


def test_an_async_task_s_hooks_print_into_its_output_an_async_hook_too(
    make_runner: Any,
) -> None:
    def broken(task: Any, task_run: Any, state: Any) -> None:
        raise RuntimeError("hook bug")

    @task(on_running=[said("running")], on_completion=[said_later, broken])
    async def fetch() -> int:
        await asyncio.sleep(0)
        print("fetched")
        return 1

    @flow
    def pipeline() -> int:
        return fetch()

    result = make_runner(2).start(pipeline).final_result(10)
    assert result.value == 1
    output = result.attempts["fetch"][0].output
    # the final hooks run on the event loop's thread: an async hook on a helper thread
    assert output.startswith("running fetch Running\nfetched\nasync hook fetch Completed\n")
    assert "An error was encountered while running hook 'broken'" in output


def test_the_running_hook_s_print_stays_with_an_attempt_cut_short(make_runner: Any) -> None:
    inside = threading.Event()
    stop = threading.Event()

    @task(timeout=0.05, on_running=[said("running")])
    def slow() -> None:
        print("waiting")
        inside.set()
        while not stop.is_set():  # Python lines: the timeout's TaskTimeout lands in one
            stop.wait(0.005)

    graph = Flow("hook-timeout")
    graph.add_task(slow)
    clock = ManualClock()
    run = make_runner(2, clock=clock).start(graph)
    try:
        assert inside.wait(5)
        clock.advance(0.05)
        result = run.result(timeout=5)
    finally:
        stop.set()
    assert result["slow"].type is StateType.FAILED
    assert result.attempts["slow"][0].output == "running slow Running\nwaiting\n"


def test_a_script_sees_a_hook_s_print_once_as_it_comes(capfd: pytest.CaptureFixture[str]) -> None:
    @task(on_running=[said("running")], on_completion=[said("done")])
    def step() -> int:
        print("body")
        return 1

    @flow
    def script() -> int:
        return step()

    assert script() == 1
    assert capfd.readouterr().out == "running step Running\nbody\ndone step Completed\n"


HOOKED = """
    from flowtop import flow, task


    def running(task, task_run, state):
        print("on_running says hi")


    def done(task, task_run, state):
        print("on_completion says bye")


    @task(on_running=[running], on_completion=[done])
    def step():
        print("step body")
        return 1


    @flow
    def hooked():
        step()
"""


def flowtop(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return fork_cli.run(args, cwd=cwd, timeout=120, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_flowtop_history_shows_what_a_task_s_hooks_printed(tmp_path: Path) -> None:
    (tmp_path / "hooked.py").write_text(textwrap.dedent(HOOKED))
    ran = flowtop("run", "hooked.py", "--quiet", cwd=tmp_path)  # as the TUI launches it
    assert ran.returncode == 0, ran.stderr
    shown = flowtop("history", "hooked.py", "--run", "1", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = [line.strip() for line in shown.stdout.splitlines()]
    at = lines.index("on_running says hi")
    assert lines[at : at + 3] == ["on_running says hi", "step body", "on_completion says bye"]


def test_an_attempt_in_another_process_starts_with_its_running_hook_s_print(
    tmp_path: Path,
) -> None:
    (tmp_path / "hooked.py").write_text(textwrap.dedent(HOOKED))
    ran = flowtop(
        "run", "hooked.py", "--executor", "process", "--json", "--no-history", cwd=tmp_path
    )
    assert ran.returncode == 0, ran.stderr
    events = [json.loads(line) for line in ran.stdout.splitlines() if line.startswith("{")]
    ended = [e for e in events if e.get("task") == "step" and e.get("state") == "COMPLETED"]
    assert ended[0]["output"].splitlines() == [
        "on_running says hi",
        "step body",
        "on_completion says bye",
    ]
