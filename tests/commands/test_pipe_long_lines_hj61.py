"""Runs writing ``--json`` into one pipe keep every line whole, however long it is.

A pipe keeps a write of at most ``PIPE_BUF`` (4 KB) whole; a longer one it splits at its
64 KB capacity, and another run's write landed inside it: two runs of a flow whose tasks
print 100 KB lines, into one pipe, gave lines jq could not parse. Into a pipe each write
now holds the pipe's record lock (``line_pieces.PipeWrites``).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import fork_cli
from flowtop.commands.line_pieces import PipeWrites, into_pipe_whole

#: ``gate`` says it is ready and waits for ``go``; then each task prints a 100 KB line,
#: which its ``COMPLETED`` line carries: lines far past a pipe's size.
LOUD = """\
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
def loud(i: int, gate: int) -> int:
    print("{n}" * 100_000)
    return i


with Flow("loud-{n}") as flow:
    opened = gate()
    for i in range(8):
        loud(i, opened)
"""


def read_slowly(fd: int) -> bytes:
    """All of the pipe, a small read at a time: the pipe stays full, and its writers take
    turns at each bit of room (where a long write was cut)."""
    chunks = []
    while chunk := os.read(fd, 1024):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def test_two_runs_into_one_pipe_keep_lines_over_the_pipes_size_whole(tmp_path: Path) -> None:
    for n in (1, 2):
        (tmp_path / f"loud{n}.py").write_text(LOUD.replace("{n}", str(n)))
    read_end, write_end = os.pipe()
    runs = [
        fork_cli.popen(
            [sys.executable, "-m", "flowtop", "run", f"loud{n}.py", "--json"],
            cwd=tmp_path,
            stdout=write_end,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "NO_COLOR": "1"},
        )
        for n in (1, 2)
    ]
    os.close(write_end)
    ready = [tmp_path / f"ready-{n}" for n in (1, 2)]
    deadline = time.monotonic() + 60
    while not all(path.exists() for path in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    (tmp_path / "go").touch()  # both runs' long lines at once
    lines = read_slowly(read_end).splitlines()
    assert [run.wait(timeout=60) for run in runs] == [0, 0]
    broken = []
    for number, line in enumerate(lines, 1):
        try:
            json.loads(line)
        except ValueError:
            broken.append(number)
    assert not broken, f"lines cut by the other run's: {broken}"
    records = [json.loads(line) for line in lines]
    loud = [r for r in records if r.get("task", "").startswith("loud") and "output" in r]
    assert len(loud) == 16
    assert all(set(r["output"].strip()) == {r["flow"][-1]} for r in loud)


def test_writes_take_a_lock_into_a_pipe_only(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    try:
        assert PipeWrites(write_end, closefd=False).locks
    finally:
        os.close(read_end)
        os.close(write_end)
    with open(tmp_path / "a.jsonl", "wb") as file:
        assert not PipeWrites(file.fileno(), closefd=False).locks  # a file needs no lock


def test_a_non_blocking_pipe_that_is_full_is_waited_on_not_cut() -> None:
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    raw = PipeWrites(write_end)
    data = b"y" * 300_000
    got = bytearray()

    def drain() -> None:
        while chunk := os.read(read_end, 65536):
            got.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    assert raw.write(data) == len(data)
    raw.close()
    reader.join()
    os.close(read_end)
    assert bytes(got) == data


def test_a_stream_not_into_a_pipe_is_kept_as_it_is(tmp_path: Path) -> None:
    text = io.StringIO()
    assert into_pipe_whole(text) is text
    with open(tmp_path / "out.txt", "w") as file:
        assert into_pipe_whole(file) is file
