"""A stop (SIGTERM, Ctrl+C) during ``flowtop run FOLDER`` says which of the folder's flows
were never started: the first flow was cancelled, the command exited 143 saying
``interrupted (SIGTERM)``, and nothing said the others never ran (no run, no JSON line,
no row in the store says so either)."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import pytest

import fork_cli
from waits import wait_until

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals only")

FIRST = """\
import time
from flowtop import Flow, task

@task
def nap():
    time.sleep(30)

with Flow("first") as flow:
    nap()
"""

LATER = """\
from flowtop import Flow, task

@task
def quick():
    return 1

with Flow("{name}") as flow:
    quick()
"""


def started(out: Path) -> list[str]:
    """The flows whose ``run_started`` line ``out`` holds so far."""
    lines = out.read_text().splitlines() if out.exists() else []
    whole = [json.loads(line) for line in lines if line.endswith("}")]
    return [line["flow"] for line in whole if line["event"] == "run_started"]


@pytest.mark.parametrize("later", [["ünï-flow"], ["second", "third"]])
def test_sigterm_says_which_flows_of_the_folder_were_not_started(
    tmp_path: Path, later: list[str]
) -> None:
    (tmp_path / "a_first.py").write_text(FIRST)
    for at, name in enumerate(later):
        (tmp_path / f"b{at}_later.py").write_text(LATER.format(name=name))
    out, err = tmp_path / "out.jsonl", tmp_path / "err.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = fork_cli.popen(
            [sys.executable, "-m", "flowtop", "run", ".", "--json"],
            cwd=tmp_path,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            wait_until(lambda: started(out) == ["first"], "the first flow's start")
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 143
        finally:
            process.kill()
            process.wait()
    assert started(out) == ["first"]
    said = err.read_text().splitlines()
    which = ", ".join(repr(name) for name in later)
    if len(later) == 1:
        note = f"flow {which} was not started: flowtop run was stopped (SIGTERM) before its turn"
    else:
        note = (
            f"{len(later)} flows were not started: {which}: flowtop run was stopped (SIGTERM) "
            "before their turn"
        )
    assert said[-2:] == [f"flowtop run: {note}", "flowtop run: interrupted (SIGTERM)"], said
