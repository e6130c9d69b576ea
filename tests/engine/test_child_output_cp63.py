"""Under ``flowtop run`` (and ``--json``), what a process a task starts writes is that
attempt's output, as in a run a client launched: the history of a nightly ``flowtop run``
kept none of its ``dbt``/shell lines (``child_pipes``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cli_kit import flowtop

SUBPROC = """\
import subprocess
import sys

from flowtop import flow, task


@task
def shell() -> int:
    subprocess.run(["sh", "-c", "echo from-sh-stdout; echo from-sh-stderr >&2"], check=True)
    code = subprocess.run([sys.executable, "-c", "print('child python')"]).returncode
    print("after the children")
    return code


@task
def reads_its_own() -> str:
    return subprocess.run(["echo", "kept by the task"], capture_output=True, text=True).stdout


@flow
def sub_flow() -> str:
    subprocess.run(["echo", "from the body's child"], check=True)
    shell()
    return reads_its_own()
"""


def _events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_a_task_s_child_output_is_its_attempt_s_under_flowtop_run(tmp_path: Path) -> None:
    (tmp_path / "subproc.py").write_text(SUBPROC)
    done = flowtop("run", "--json", "subproc.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    events = _events(done.stdout)
    (shell,) = [e for e in events if e.get("task") == "shell" and e.get("state") == "COMPLETED"]
    lines = shell["output"].splitlines()  # (stdout and stderr: two pipes here, no order)
    assert sorted(lines[:2]) == ["from-sh-stderr", "from-sh-stdout"]
    assert lines[2:] == ["child python", "after the children"]  # waited for: in order
    (own,) = [
        e for e in events if e.get("task") == "reads_its_own" and e.get("state") == "COMPLETED"
    ]
    assert own["result"] == repr("kept by the task\n")  # its own pipe: read by the task
    assert "output" not in own
    (finished,) = [e for e in events if e["event"] == "run_finished"]
    assert finished["output"] == "from the body's child\n"
    assert "from-sh" not in done.stderr  # the attempt's, shown with it
    assert "from the body's child" in done.stderr  # as the body's prints go, under --json

    human = flowtop("run", "subproc.py", cwd=tmp_path)
    assert human.returncode == 0, human.stderr
    lines = human.stdout.splitlines()
    assert "  │ from-sh-stdout" in lines and "  │ child python" in lines  # under its attempt
    assert "from the body's child" in lines  # as the body's prints, as it comes
