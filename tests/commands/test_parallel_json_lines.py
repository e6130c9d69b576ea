"""Several ``flowtop run --json`` writing into one pipe (a CI step running two flows at once,
``{ flowtop run a.py --json & flowtop run b.py --json & wait; } | jq``): every line whole.

A batch of lines went through the text layer's 8 KB buffer in cuts that fall anywhere, and
another process's bytes came between two cuts: jq stopped at ``parse error: Invalid
numeric literal at line 3564``. Lines are now written in pieces of whole lines that a pipe
keeps whole (``PIPE_BUF``), each one write (``commands/line_pieces.py``).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import fork_cli
from flowtop.commands.line_pieces import WHOLE_WRITE, whole_line_pieces
from flowtop.commands.printers import JsonPrinter
from flowtop.engine.events import Event, TaskOutput

if TYPE_CHECKING:
    from typing_extensions import Buffer


class RecordedWrites(io.RawIOBase):
    """A file that keeps each write it is given, as the system call would get it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Buffer, /) -> int:
        self.writes.append(bytes(data))
        return memoryview(data).nbytes


def stdout_like(raw: RecordedWrites) -> io.TextIOWrapper:
    """``raw`` behind the layers ``open(fd, "w")`` gives ``--json``'s stream
    (``run_output.json_stdout``): an 8 KB buffer, then the text layer."""
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8", errors="backslashreplace")


def test_a_batch_of_lines_reaches_the_file_as_whole_lines_a_pipe_keeps_whole() -> None:
    raw = RecordedWrites()
    events: list[Event] = [
        TaskOutput("r1", "f", f"page-{i}", 1, f"line {i}\n" * 3, 1.0) for i in range(300)
    ]
    JsonPrinter(stdout_like(raw))(events)
    assert b"".join(raw.writes).decode().splitlines() == [
        json.dumps(event.as_json()) for event in events
    ]
    assert len(raw.writes) > 1
    for write in raw.writes:
        assert write.endswith(b"\n") and len(write) <= WHOLE_WRITE, write[-80:]


def test_a_line_longer_than_a_whole_write_goes_alone_and_whole() -> None:
    lines = ["a\n", "b" * 5000 + "\n", "c\n", "d\n"]
    assert list(whole_line_pieces(lines, limit=4096)) == ["a\n", lines[1], "c\nd\n"]
    assert list(whole_line_pieces(["é" * 3 + "\n"] * 2, limit=8)) == ["ééé\n", "ééé\n"]


#: A flow of many events at once, under a pipe's whole write each: ``gate`` says it is
#: ready and waits for ``go``, then 600 tasks run, each a RUNNING line and a COMPLETED line
#: carrying 1,500 characters of output. Three runs' bursts then meet in the pipe.
MANY = """\
import time
from pathlib import Path

from flowtop import Flow, task

HERE = Path(__file__).parent


@task
def gate() -> int:
    (HERE / "ready-{n}").touch()
    while not (HERE / "go").exists():
        time.sleep(0.01)
    return 0


@task
def page(i: int, gate: int) -> int:
    print("x" * 1500)
    return i


with Flow("many-{n}") as flow:
    opened = gate()
    for i in range(600):
        page(i, opened)
"""


def test_runs_writing_into_one_pipe_leave_every_line_whole(tmp_path: Path) -> None:
    for n in (1, 2, 3):
        (tmp_path / f"many{n}.py").write_text(MANY.replace("{n}", str(n)))
    read_end, write_end = os.pipe()
    env = {**os.environ, "NO_COLOR": "1"}
    runs = [
        fork_cli.popen(
            [sys.executable, "-m", "flowtop", "run", f"many{n}.py", "--json"],
            cwd=tmp_path,
            stdout=write_end,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        for n in (1, 2, 3)
    ]
    os.close(write_end)
    ready = [tmp_path / f"ready-{n}" for n in (1, 2, 3)]
    deadline = time.monotonic() + 60
    while not all(path.exists() for path in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    (tmp_path / "go").touch()  # the three bursts at once
    with open(read_end, encoding="utf-8") as pipe:
        lines = pipe.read().splitlines()
    assert [run.wait(timeout=60) for run in runs] == [0, 0, 0]
    records = [json.loads(line) for line in lines]  # a line cut in two raises here
    finished = sorted(r["flow"] for r in records if r["event"] == "run_finished")
    assert finished == ["many-1", "many-2", "many-3"]
