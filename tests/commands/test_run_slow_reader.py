"""``flowtop run`` into a pipe whose reader is slow: every line arrives, however long the
reader takes, and the command exits 0; a reader that does not read while the command is
stopped loses lines, and the command says how many on stderr.

Before: the runner's shutdown waited 5 s for the printer, then left it, and the command
exited 0 without a word: ``flowtop run --json | (sleep 8; cat)`` got 610 of 20,002 lines.
Each test runs the command in a process of its own, the bus's wait for a sink that
delivers nothing shortened to ``STALL`` seconds (it is 5 s), so a reader that waits past
it need not wait 5 s.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cli_kit import stored_runs

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals only")

#: The bus's wait for a stuck sink in these tests (seconds).
STALL = 0.3
TASKS = 1500
#: Lines a completed run writes: its start, each task's two steps, its end.
LINES = 2 * TASKS + 2

FLOW = f"""
    from flowtop import Flow, task

    @task
    def one(i: int) -> int:
        return i

    with Flow("many") as flow:
        for i in range({TASKS}):
            one(i)
"""

#: Prepended to the command: the bus gives up on a stuck sink after ``STALL`` seconds.
SHORT_STALL = f"""
from flowtop.engine.bus import EventBus
EventBus.close.__defaults__ = ({STALL},)
"""


def flowtop_run(*words: str) -> list[str]:
    """``flowtop run WORDS`` with the bus's wait shortened (``SHORT_STALL``)."""
    code = f"import sys\n{SHORT_STALL}\nfrom flowtop.cli import main\n"
    code += f"sys.exit(main({['run', *words]!r}))"
    return [sys.executable, "-c", code]


def wait_until_completed(folder: Path) -> None:
    """Wait until ``folder``'s store has the run COMPLETED: the run is over, what is left
    is the printer's writing."""
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(sqlite3.OperationalError):  # (the store being made)
            runs = stored_runs(folder)
            if runs and runs[0].state == "COMPLETED":
                return
        assert time.monotonic() < deadline, "the run did not complete"
        time.sleep(0.05)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "many.py").write_text(textwrap.dedent(FLOW))
    return tmp_path


@pytest.mark.parametrize("json_flag", [["--json"], []], ids=["json", "human"])
def test_a_reader_that_waits_before_reading_gets_every_line(
    folder: Path, json_flag: list[str]
) -> None:
    """``| (sleep 8; cat)``: the run ends while its lines fill the pipe; the reader reads
    only once the command has waited longer than the bus's timeout, and gets them all."""
    err = folder / "err"
    with err.open("w") as err_file:
        proc = subprocess.Popen(
            flowtop_run("many.py", *json_flag),
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=err_file,
            text=True,
        )
    try:
        wait_until_completed(folder)
        with contextlib.suppress(subprocess.TimeoutExpired):  # the reader sleeps on
            proc.wait(timeout=5 * STALL)
        out, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
        proc.wait()
    lines = out.splitlines()
    assert len(lines) == LINES, f"{len(lines)} of {LINES} lines reached the reader"
    if json_flag:
        assert json.loads(lines[-1])["event"] == "run_finished"
    assert proc.returncode == 0
    assert err.read_text() == ""


@pytest.mark.parametrize(
    ("stop", "status", "how"),
    [(signal.SIGINT, 130, "Ctrl+C"), (signal.SIGTERM, 143, "SIGTERM")],
    ids=["ctrl-c", "sigterm"],
)
def test_a_reader_that_never_reads_loses_lines_said_when_stopped(
    folder: Path, stop: signal.Signals, status: int, how: str
) -> None:
    """The run is over, its printer blocked on a full pipe nobody reads: the command
    waits for the reader (as a Unix tool does) until it is stopped, then exits within
    about a second, saying how many events it could not write."""
    read_end, write_end = os.pipe()
    err = folder / "err"
    with err.open("w") as err_file:
        proc = subprocess.Popen(
            flowtop_run("many.py", "--json"), cwd=folder, stdout=write_end, stderr=err_file
        )
    os.close(write_end)
    try:
        wait_until_completed(folder)
        with contextlib.suppress(subprocess.TimeoutExpired):  # well past the bus's wait
            proc.wait(timeout=5 * STALL)
        assert proc.poll() is None, f"flowtop run left its reader (exit {proc.returncode})"
        proc.send_signal(stop)
        began = time.monotonic()
        assert proc.wait(timeout=10) == status
        assert time.monotonic() - began < 4
        with os.fdopen(read_end, "rb") as reader:
            read_end = -1
            written = reader.read().decode().count("\n")
    finally:
        proc.kill()
        proc.wait()
        if read_end >= 0:
            os.close(read_end)
    said = err.read_text()
    assert f"interrupted ({how})" in said
    lost = re.search(r"the last ([\d,]+) events were not written", said)
    assert lost is not None, said
    not_written = int(lost.group(1).replace(",", ""))
    assert written < LINES and written + not_written >= LINES > not_written
    assert "Traceback" not in said


STUCK_PICKLING = """
    import threading
    from flowtop import Flow, task

    class Stuck:
        def __deepcopy__(self, memo):  # the engine's copy of the result goes through
            return self

        def __reduce__(self):  # the run store's pickling of it never returns
            threading.Event().wait()

    @task
    def make():
        return Stuck()

    @task
    def after(value):
        return 1

    with Flow("stuck") as flow:
        after(make())
"""


def test_recording_stuck_at_the_end_is_given_up_on_and_said(tmp_path: Path) -> None:
    """The run store's sink stuck for ever in user code must not hold the command, but
    the events it did not get are said, and the command exits 1 (before: 0, silently,
    and the store read the run INTERRUPTED)."""
    (tmp_path / "stuck.py").write_text(textwrap.dedent(STUCK_PICKLING))
    done = subprocess.run(
        flowtop_run("stuck.py"), cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert "stuck #1 COMPLETED" in done.stdout
    assert re.search(r"the last [\d,]+ events may not be recorded", done.stderr), done.stderr
    assert done.returncode == 1
