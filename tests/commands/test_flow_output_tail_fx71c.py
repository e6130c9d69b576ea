"""The last thing a ``@flow`` body prints comes as a ``flow_output`` event too.

A body printing ``hi``, calling a task that takes a while, then printing ``bye`` gave a
``flow_output`` for ``hi`` only: what it printed after the last look at its output (twice
a second) rode on ``run_finished``'s ``output`` alone, so a script joining the pieces, as
docs/json-events.md says they join, lost the body's tail. As the body returns, what it
printed since its last piece now goes as one more piece, before ``run_finished``: on
``flowtop run --json`` (the events as the engine emits them) and on ``flowtop watch
--json`` of a launched run (the pieces its store holds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from cli_kit import PLAIN, flowtop
from flowtop.workspace.store_reader import StoreReader
from waits import wait_until

#: A body that prints a line, calls a task waiting for a file named ``go`` (the test makes
#: it once it saw that line come), then prints its last line and returns.
TAIL = """\
import time
from pathlib import Path

from flowtop import flow, task

HERE = Path(__file__).parent


@task
def wait_for_go():
    while not (HERE / "go").exists():
        time.sleep(0.01)


@flow(name="tail")
def tail():
    print("hi")
    wait_for_go()
    print("bye")
"""


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "tail.py").write_text(TAIL)
    return tmp_path


def _joined_to_the_end(events: list[dict[str, Any]]) -> None:
    """The body's pieces come before its run's end and join to its ``output``."""
    kinds = [e["event"] for e in events]
    assert kinds[-1] == "run_finished", kinds
    end = events[-1]
    assert end["output"] == "hi\nbye\n", end
    pieces = [e["text"] for e in events if e["event"] == "flow_output"]
    assert "".join(pieces) == end["output"], pieces
    assert pieces[-1].endswith("bye\n"), pieces  # its last line, before the end


def test_run_json_gives_the_body_s_last_line_as_a_flow_output(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    command = [sys.executable, "-m", "flowtop", "run", "tail.py", "--json", "--no-history"]
    proc = subprocess.Popen(
        command,
        cwd=folder,
        env={**os.environ, **PLAIN},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    guard = threading.Timer(60, proc.kill)  # a hang fails the test, not the suite
    guard.start()
    events: list[dict[str, Any]] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            event = json.loads(line)
            events.append(event)
            if event["event"] == "flow_output" and "hi\n" in event["text"]:
                (folder / "go").touch()  # its first line came: the body goes on
        assert proc.wait(timeout=60) == 0, events
    finally:
        guard.cancel()
        (folder / "go").touch()  # no run left waiting for good
        proc.kill()
        proc.wait()
    _joined_to_the_end(events)


def test_watch_json_of_a_launched_run_gives_the_same_pieces(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    started = flowtop("run", "tail.py", "--detach", cwd=folder)
    assert started.returncode == 0, started.stderr
    run_id = started.stdout.strip()
    reader = StoreReader(folder / ".flowtop" / "history.db")
    try:
        wait_until(
            lambda: "hi" in reader.run_detail(run_id).output,
            "the body's first line in the store while it runs",
            60,
        )
    finally:
        (folder / "go").touch()
    watched = flowtop("watch", run_id, "--json", cwd=folder)
    assert watched.returncode == 0, watched.stderr
    events = [json.loads(line) for line in watched.stdout.splitlines()]
    _joined_to_the_end(events)
    human = flowtop("watch", run_id, cwd=folder)
    assert human.returncode == 0, human.stderr
    assert human.stdout.count("bye") == 1 and "flow output:" not in human.stdout, human.stdout
