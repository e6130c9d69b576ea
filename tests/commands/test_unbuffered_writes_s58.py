"""``flowtop run`` under ``PYTHONUNBUFFERED=1`` (the text layer writes straight to the
raw file, which may take part of a write), a task printing one 1 MB line, and a reader
that reads nothing until the run has ended: every line arrives whole, the task's output
as its head and tail with the note saying what was dropped (``attempt_output``), and
the command exits 0. Checked for the JSON lines (their own stream, ``json_stdout``)
and for people (``printers.write_whole``); nothing was found lost."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import fork_cli
from cli_kit import PLAIN, stored_runs
from waits import wait_until

FLOW = """
from flowtop import Flow, task

@task
def shout():
    print("x" * 1_000_000)
    return 1

flow = Flow("big")
flow.add_task(shout)
"""

#: What of the line the task printed is kept: its head and tail, the middle said dropped.
KEPT = 131_072 + 131_071
NOTE = "… 737,857 characters of output dropped …"


def ended(folder: Path) -> bool:
    """Whether the folder's run has ended (its store may not be made yet)."""
    try:
        runs = stored_runs(folder)
    except sqlite3.Error:
        return False
    return bool(runs) and runs[0].state == "COMPLETED"


@pytest.mark.parametrize("json_lines", [True, False])
def test_a_1_mb_line_reaches_a_reader_that_reads_late_whole(
    tmp_path: Path, json_lines: bool
) -> None:
    (tmp_path / "big.py").write_text(FLOW)
    command = [sys.executable, "-m", "flowtop", "run", "big.py", *(["--json"] * json_lines)]
    running = fork_cli.popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **PLAIN},  # PYTHONUNBUFFERED=1
    )
    try:  # the pipe is full long before: nothing is read until the run has ended
        wait_until(lambda: ended(tmp_path), "the run's end", timeout=60)
        out, err = running.communicate(timeout=60)
    finally:
        if running.poll() is None:
            running.kill()
    assert running.returncode == 0, err.decode()
    text = out.decode()
    if json_lines:
        events = [json.loads(line) for line in text.splitlines()]  # each line whole
        assert [e["event"] for e in events][-1] == "run_finished"
        (output,) = [e["output"] for e in events if e.get("output")]
        assert output.count("x") == KEPT and NOTE in output
    else:
        assert text.count("x" * 1000) == KEPT // 1000 and NOTE in text
        assert " COMPLETED: 1 completed in " in text.splitlines()[-1], text[-300:]
