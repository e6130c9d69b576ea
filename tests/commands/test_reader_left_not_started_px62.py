"""A folder run whose reader left (``flowtop run . --json | head -1``) named none of the
flows it never started: the first was cancelled, the command exited 141, and nothing said
the others never ran, where a stop by a signal names them. They are said on stderr, and
in the cancelled run's record (its note), which is all that is left when stderr went
into the same pipe (``2>&1 | head -1``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import fork_cli
from cli_kit import flowtop

FIRST = """\
import time
from flowtop import Flow, task

@task
def nap(i):
    time.sleep(0.2)
    return i

with Flow("first") as flow:
    for i in range(100):
        nap(i)
"""

LATER = """\
from flowtop import Flow, task

@task
def quick():
    return 1

with Flow("{name}") as flow:
    quick()
"""

NOTE = (
    "2 flows were not started: 'second', 'third': flowtop run was stopped (its reader "
    "left: broken pipe) before their turn"
)


def _folder(tmp_path: Path) -> None:
    (tmp_path / "a_first.py").write_text(FIRST)
    for at, name in enumerate(["second", "third"]):
        (tmp_path / f"b{at}_later.py").write_text(LATER.format(name=name))


def _leave_after_the_first_line(tmp_path: Path, **streams: object) -> int:
    proc = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", ".", "--json", "--workers", "1"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        **streams,
    )
    try:
        assert proc.stdout is not None
        assert json.loads(proc.stdout.readline())["event"] == "run_started"
        proc.stdout.close()  # the reader leaves; the first flow has ~20 s of work left
        return proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.wait()


def _note_of_first(tmp_path: Path) -> str:
    history = flowtop("history", ".", "--json", cwd=tmp_path)
    rows = [json.loads(line) for line in history.stdout.splitlines() if line.strip()]
    assert [(row["flow"], row["state"]) for row in rows] == [("first", "CANCELLED")], rows
    return flowtop("history", ".", "--run", "1", cwd=tmp_path).stdout


def test_stderr_names_the_flows_the_reader_s_leaving_left_unstarted(tmp_path: Path) -> None:
    _folder(tmp_path)
    err = tmp_path / "err.txt"
    with err.open("w") as stderr:
        assert _leave_after_the_first_line(tmp_path, stderr=stderr) == 141
    said = err.read_text().splitlines()
    assert f"flowtop run: {NOTE}" in said, said
    assert "Traceback" not in err.read_text()
    assert NOTE in _note_of_first(tmp_path)


def test_the_run_s_record_names_them_when_stderr_went_into_the_pipe(tmp_path: Path) -> None:
    _folder(tmp_path)
    assert _leave_after_the_first_line(tmp_path, stderr=subprocess.STDOUT) == 141
    said = _note_of_first(tmp_path)
    assert "cancelled: the reader of flowtop run's output left (broken pipe)" in said, said
    assert NOTE in said, said
