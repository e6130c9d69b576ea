"""What a task's subprocess writes is neither lost nor garbled (rv401 §2, §3).

A task shells out (``subprocess.run(["sh", ...], check=True)``), the usual ``make`` or
``dbt`` call, whose stderr is why it failed. Its lines bypass flowtop's stand-in streams:
in a launched run (``--detach``, the monitor's ``r``) they went only to the run's log,
deleted at the run's end; in ``flowtop run > f.txt`` they came before the run's own
``started``/``running`` lines; on a terminal they were glued to the live status line.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

from cli_kit import flowtop
from flowtop.commands.printers import HumanPrinter
from flowtop.engine import capture_children
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from pty_kit import TERMINAL, on_terminal, read_until

SHELLS_OUT = """\
import subprocess
from flowtop import Flow, task

@task
def build():
    subprocess.run(
        ["sh", "-c", "echo SUBPROC-STDOUT-LINE; echo SUBPROC-STDERR-LINE-$((40+2)) >&2; exit 2"],
        check=True,
    )

flow = Flow("sp")
flow.add_task(build)
"""


def shelling_out(folder: Path) -> Path:
    path = folder / "subproc_output.py"
    path.write_text(SHELLS_OUT)
    return path


def test_a_detached_runs_subprocess_output_is_its_attempts(tmp_path: Path) -> None:
    """``--detach``: the child's lines are the failed attempt's output, as its prints are,
    in ``watch``, ``history --run`` and ``--json``; flowtop's own lines are not."""
    shelling_out(tmp_path)
    started = flowtop("run", "subproc_output.py", "--detach", cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    run_id = started.stdout.strip()
    watched = flowtop("watch", run_id, cwd=tmp_path)
    assert "│ SUBPROC-STDERR-LINE-42" in watched.stdout, watched.stdout
    assert "│ SUBPROC-STDOUT-LINE" in watched.stdout
    shown = flowtop("history", "--run", run_id, cwd=tmp_path)
    assert "SUBPROC-STDERR-LINE-42" in shown.stdout, shown.stdout
    as_json = flowtop("history", "--run", run_id, "--json", cwd=tmp_path)
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    (task,) = [r for r in records if r["record"] == "task"]
    output = task["attempts"][0]["output"]
    assert output == "SUBPROC-STDOUT-LINE\nSUBPROC-STDERR-LINE-42\n", output
    assert not (tmp_path / ".flowtop" / "logs" / f"{run_id}.log").exists()


BODY_AND_TASK = """\
import subprocess
from flowtop import flow, task

@task
def build():
    subprocess.run(["sh", "-c", "echo TASK-CHILD >&2; exit 2"], check=True)

@flow
def nightly():
    print("BODY-PRINT")
    subprocess.run(["echo", "BODY-CHILD"])
    build()
"""


def test_a_flow_bodys_subprocess_output_is_the_runs_less_its_tasks(tmp_path: Path) -> None:
    """A ``@flow`` body's child's lines join the body's output, once; its task's child's
    lines, written while the body's window was open, are the task's only."""
    (tmp_path / "body.py").write_text(BODY_AND_TASK)
    started = flowtop("run", "body.py", "--detach", cwd=tmp_path)
    run_id = started.stdout.strip()
    watched = flowtop("watch", run_id, cwd=tmp_path)
    assert watched.returncode == 1, watched.stdout + watched.stderr
    as_json = flowtop("history", "--run", run_id, "--json", cwd=tmp_path)
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    (run,) = [r for r in records if r["record"] == "run"]
    (task,) = [r for r in records if r["record"] == "task"]
    assert run["output"] == "BODY-PRINT\nBODY-CHILD\n", run
    assert task["attempts"][0]["output"] == "TASK-CHILD\n"


def test_a_subprocess_line_comes_after_the_runs_own_lines(tmp_path: Path) -> None:
    """Into a pipe or file: ``started`` and ``running`` were still in the printer's batch
    window when the child wrote its line."""
    shelling_out(tmp_path)
    done = flowtop("run", "subproc_output.py", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    running = next(i for i, line in enumerate(lines) if "sp/build ▶ running" in line)
    assert lines.index("SUBPROC-STDOUT-LINE") > running, done.stdout
    assert "sp #1 started" in lines[0]
    assert "SUBPROC-STDERR-LINE-42" in done.stderr


def test_a_subprocess_line_starts_on_a_row_of_its_own_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal: the live status line is taken away before the child starts."""
    shelling_out(tmp_path)
    command = [sys.executable, "-m", "flowtop", "run", "subproc_output.py"]
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1"}
    terminal = on_terminal(command, cwd=tmp_path, env=env, stdin=TERMINAL, size=(40, 160))
    with terminal as (proc, leader):
        said = read_until(leader)
        assert proc.wait(timeout=60) == 1
    text = said.decode()
    at = text.index("SUBPROC-STDOUT-LINE")
    assert "sp/build ▶ running" in text[:at], text
    row = text[:at].rsplit("\n", 1)[-1].rsplit("\x1b[2K", 1)[-1]
    assert row.replace("\r", "").replace("\x1b[1G", "") == "", repr(text)
    assert "\nSUBPROC-STDERR-LINE-42" in text


class _Child:
    """A child a task started, not yet waited for (``capture_children.writing``)."""

    returncode: int | None = None


def test_no_status_line_is_drawn_while_a_child_may_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A long ``make``'s later lines were glued to the status line drawn since."""
    monkeypatch.setenv("COLUMNS", "200")
    out = io.StringIO()
    printer = HumanPrinter(out, live=True)
    child = _Child()
    capture_children._children.add(child)  # type: ignore[arg-type]
    try:
        printer([RunStarted("r1", "etl", 1, ("make",), (1,), ("",), None, 1.0)])
        printer([TaskStateChanged("r1", "etl", "make", StateType.RUNNING, 1, 1, 1.0)])
        assert "etl #1:" not in out.getvalue()
        printer.tick()
        assert "etl #1:" not in out.getvalue()
        child.returncode = 0  # waited for: the next event draws it again
        printer([])
        assert "etl #1: 0/1 done · 1 running" in out.getvalue()
    finally:
        capture_children._children.discard(child)  # type: ignore[arg-type]


POOL_SHELLS_OUT = """\
import subprocess
from concurrent.futures import ThreadPoolExecutor
from flowtop import Flow, task

def shell(i):
    subprocess.run(["echo", f"POOL-CHILD-{i}"])
    return i

@task
def fan():
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(shell, range(2)))

flow = Flow("poolsub")
flow.add_task(fan)
"""


def test_a_detached_runs_pool_work_items_subprocess_output_is_its_attempts(
    tmp_path: Path,
) -> None:
    """A child a task's ``ThreadPoolExecutor`` work item starts writes into the run's log
    as the task's own child does: the attempt's output (``capture_threads``); it was lost."""
    (tmp_path / "poolsub.py").write_text(POOL_SHELLS_OUT)
    started = flowtop("run", "poolsub.py", "--detach", cwd=tmp_path)
    run_id = started.stdout.strip()
    assert flowtop("watch", run_id, cwd=tmp_path).returncode == 0
    as_json = flowtop("history", "--run", run_id, "--json", cwd=tmp_path)
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    (task,) = [r for r in records if r["record"] == "task"]
    output = task["attempts"][0]["output"]
    assert sorted(output.splitlines()) == ["POOL-CHILD-0", "POOL-CHILD-1"], output
