"""A task's error on a worker names the user's file and line, however the failing function
was reached, and a task called in a task logs no engine line on the worker's stderr.

cloudpickle names the code of every function it ships by value ``<dynamic-code>``; the
function a decorator's closure holds, a task called in the shipped task and a function
kept in a dict among the module's globals read ``(<dynamic-code>:14 in parse)`` in
``flowtop run``'s line, its ``--json`` and its history. And a worker process, where no
flowtop command had set up logging, printed ``ERROR flowtop.task_engine: Task run failed
…`` and a traceback for the task called in a task, a record the command's threads never make.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

FLOW = """
    import functools

    from flowtop import Flow, task


    def logged(fn):
        @functools.wraps(fn)
        def wrapper(*a, **k):
            return fn(*a, **k)
        return wrapper


    @logged
    def parse(x):
        return 1 / x  # parse's line


    def lookup(key):
        return {}[key]  # lookup's line


    HANDLERS = {"lookup": lookup}


    @task
    def inner(x: int) -> float:
        return 1 / x  # inner's line


    @task
    def via_decorator() -> float:
        return parse(0)


    @task
    def via_nested_task() -> float:
        return inner(0)


    @task
    def via_table() -> float:
        return HANDLERS["lookup"]("missing")


    with Flow("where") as flow:
        via_decorator()
        via_nested_task()
        via_table()
"""

#: Each failing task: the function that raised, the comment on the line that did.
WHERE = {
    "via_decorator": ("parse", "# parse's line"),
    "via_nested_task": ("inner", "# inner's line"),
    "via_table": ("lookup", "# lookup's line"),
}


def _flowtop_run(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASK_")}
    return subprocess.run(
        [sys.executable, "-m", "flowtop", "run", "where.py", *extra],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _line_of(source: Path, marker: str) -> int:
    lines = source.read_text().splitlines()
    return next(i for i, text in enumerate(lines, 1) if marker in text)


@pytest.mark.parametrize("executor", ["process", "dask"])
def test_worker_errors_name_the_user_s_file_and_line(tmp_path: Path, executor: str) -> None:
    if executor == "dask":
        pytest.importorskip("distributed")
    source = tmp_path / "where.py"
    source.write_text(textwrap.dedent(FLOW))

    shown = _flowtop_run(tmp_path, "--executor", executor)
    assert shown.returncode == 1, shown.stdout[-2000:] + shown.stderr[-2000:]
    for task_name, (function, marker) in WHERE.items():
        line = _line_of(source, marker)
        failed = [s for s in shown.stdout.splitlines() if f"where/{task_name} ✗ failed" in s]
        assert len(failed) == 1, shown.stdout
        assert f"(where.py:{line} in {function})" in failed[0]
    assert "<dynamic-code>" not in shown.stdout

    as_json = _flowtop_run(tmp_path, "--executor", executor, "--json")
    events = [json.loads(s) for s in as_json.stdout.splitlines() if s.startswith("{")]
    failed = [e for e in events if e["event"] == "task_state" and e["state"] == "FAILED"]
    failures = {e["task"]: e["error"] for e in failed}
    assert sorted(failures) == sorted(WHERE)
    for task_name, (function, marker) in WHERE.items():
        trace = failures[task_name]["traceback"]
        last = [s.strip() for s in trace.splitlines() if s.strip().startswith("File ")][-1]
        assert last == f'File "{source}", line {_line_of(source, marker)}, in {function}'
        assert "<dynamic-code>" not in trace


@pytest.mark.parametrize("extra", [(), ("--json",)])
def test_a_task_called_in_a_task_logs_no_engine_line_on_a_worker(
    tmp_path: Path, extra: tuple[str, ...]
) -> None:
    """As on threads (checked alongside): the run's output reports the failure, the
    worker's stderr (the command's own) has no record of it."""
    (tmp_path / "where.py").write_text(textwrap.dedent(FLOW))
    for executor in ("thread", "process"):
        done = _flowtop_run(tmp_path, "--executor", executor, *extra)
        assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
        assert "where/via_nested_task" in done.stdout or '"via_nested_task"' in done.stdout
        assert "Task run failed" not in done.stderr, (executor, done.stderr)
        assert "Traceback" not in done.stderr, (executor, done.stderr)


NESTED = """
    from flowtop import task


    @task
    def inner(x: int) -> float:
        return 1 / x


    def outer():
        try:
            return inner(0)
        except ZeroDivisionError:
            return "caught"
"""
#: Two attempts on one worker (a Dask worker a command and a plain script share): a
#: command's, then a script's (the payload's last field: a command shipped it).
IN_TURN = """
    import logging, sys
    import cloudpickle, nested
    from flowtop.engine import shipping

    cloudpickle.register_pickle_by_value(nested)
    for command in (True, False):
        shipment = (nested.outer, [], {}, logging.WARNING, {}, None, "outer", command)
        sys.stderr.write(f"--- command={command}\\n")
        shipping.run_pickled(shipping._pickled(shipment), "worker process")
        sys.stderr.flush()
"""


def test_a_script_s_attempt_after_a_command_s_on_one_worker_logs_as_a_script(
    tmp_path: Path,
) -> None:
    """A command's attempt pinned the worker's logging for its life: a plain script's
    attempt after it on a shared Dask worker lost the engine's failure line."""
    (tmp_path / "nested.py").write_text(textwrap.dedent(NESTED))
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(IN_TURN)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    command, script = done.stderr.split("--- command=False\n")
    assert "Task run failed" not in command, command
    assert "Task run failed" in script, script
