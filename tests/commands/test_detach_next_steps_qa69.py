"""``flowtop run --detach`` at a terminal printed a bare run id and nothing else: nothing
said the run goes on without the terminal, nor how to follow or stop it. It now says so
on stderr when stderr is a terminal; stdout keeps the bare id for ``id=$(…)``."""

from __future__ import annotations

import os
import pty
import sys
from pathlib import Path

import fork_cli
from cli_kit import wait_for_runs
from flowtop.workspace.history_records import RunRecord

FLOW = """\
from flowtop import Flow, task

@task
def one():
    return 1

flow = Flow("quick")
flow.add_task(one)
"""


def _ended(runs: list[RunRecord]) -> bool:
    return [run.state for run in runs] == ["COMPLETED"]


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the terminal's other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode()


def test_a_detached_run_started_at_a_terminal_says_how_to_follow_and_stop_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "quick.py").write_text(FLOW)
    controller, terminal = pty.openpty()
    command = [sys.executable, "-m", "flowtop", "run", "flows", "--detach"]
    with fork_cli.popen(
        command, cwd=tmp_path, stdout=fork_cli.subprocess.PIPE, stderr=terminal
    ) as started:
        os.close(terminal)
        run_id = started.communicate(timeout=60)[0].decode().strip()
    said = _read_all(controller)
    os.close(controller)
    assert started.returncode == 0, said
    assert len(run_id) == 12 and run_id.isalnum(), run_id  # stdout: the id alone
    assert said.strip() == (
        f"flowtop run: the run goes on without this terminal: flowtop watch flows {run_id} "
        f"follows it, flowtop cancel flows {run_id} stops it"
    )
    wait_for_runs(tmp_path / "flows", _ended)  # (ended before the folder goes)


def test_a_detached_run_says_nothing_more_when_stderr_is_no_terminal(tmp_path: Path) -> None:
    (tmp_path / "quick.py").write_text(FLOW)
    done = fork_cli.run(["run", "quick.py", "--detach"], cwd=tmp_path, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    wait_for_runs(tmp_path, _ended)
