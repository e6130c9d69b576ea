"""Under ``--executor process``, what an attempt printed before its worker process died
is its output (``death_output``): kept on disk as it comes, in a private folder, and
removed once the outcome is sent, the worker killed, the backend closed."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.kit import wait_until
from flowtop.engine.attempt_output import MAX_CAPTURE
from flowtop.engine.executors import ProcessBackend

DIES = """
import os, signal
from flowtop import flow, task

@task
def dies():
    print("about to die: step 3 of 5")
    print("half a line", end="")
    {end}

@flow
def crash():
    return dies()
"""


#: Put in a script: the backend's folder is made in the one its first argument names
#: (not all of its temporary folders: a forkserver's socket path must stay short).
IN_FOLDER = """
import sys, tempfile
made = tempfile.mkdtemp
def in_folder(suffix=None, prefix=None, dir=None):
    if prefix == "flowtop-output-":
        dir = sys.argv[1]
    return made(suffix, prefix, dir)
tempfile.mkdtemp = in_folder
"""


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the backend makes its folder in for this test."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    made = tempfile.mkdtemp

    def in_folder(suffix: Any = None, prefix: Any = None, dir: Any = None) -> Any:  # noqa: A002 - mkdtemp's own name
        return made(suffix, prefix, str(folder) if prefix == "flowtop-output-" else dir)

    monkeypatch.setattr(tempfile, "mkdtemp", in_folder)
    return folder


def outputs_folder(temp: Path) -> Path:
    (found,) = temp.glob("flowtop-output-*")  # one, made with the first worker
    return found


@pytest.mark.parametrize(
    ("end", "said"),
    [
        ("os._exit(3)", "the process running task 'dies' died (exit code 3)"),
        (
            "os.kill(os.getpid(), signal.SIGKILL)",
            "the process running task 'dies' was killed by SIGKILL",
        ),
    ],
)
def test_what_an_attempt_printed_before_its_process_died_is_its_output(
    run_flow: Callable[..., Any], temp: Path, end: str, said: str
) -> None:
    result = run_flow(DIES.format(end=end), "crash", ProcessBackend(2))
    (attempt,) = result.attempts["dies"]
    assert attempt.error.type == "ShippingError"
    assert attempt.error.message.startswith(said)
    assert attempt.output == "about to die: step 3 of 5\n"  # the line not ended is lost
    assert list(temp.glob("flowtop-output-*")) == []  # the backend closed: its folder is gone


def test_an_attempt_that_ends_leaves_no_file_behind(temp: Path) -> None:
    def prints() -> list[str]:  # what is on disk as it runs: this line
        print("hello from the worker")
        return [p.read_text() for p in temp.glob("flowtop-output-*/*")]

    backend = ProcessBackend(1)
    try:
        value, error, output = backend.call(prints, [], {}, timeout=None)
        assert (value, error, output) == (["hello from the worker\n"], None, value[0])
        folder = outputs_folder(temp)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700  # private
        # the next attempt runs once the worker removed the files of the one before
        assert backend.call(abs, [-1], {}, timeout=None)[:2] == (1, None)
        assert list(folder.iterdir()) == []
    finally:
        backend.close()
    assert list(temp.glob("flowtop-output-*")) == []


def test_a_timed_out_attempt_leaves_no_file_behind(temp: Path) -> None:
    def hangs() -> None:
        import time

        print("waiting", flush=True)
        while not list(temp.glob("flowtop-output-*/*")):  # (it was written: on disk)
            time.sleep(0.01)
        time.sleep(30)

    backend = ProcessBackend(1)
    try:
        _, error, _ = backend.call(hangs, [], {}, timeout=1)
        assert type(error).__name__ == "TaskTimeout"
        assert list(outputs_folder(temp).iterdir()) == []  # killed: its files removed
    finally:
        backend.close()
    assert list(temp.glob("flowtop-output-*")) == []


def test_a_long_output_kept_on_disk_is_cut_as_a_capture_is(temp: Path) -> None:
    line = "x" * 99 + "\n"
    count = 3 * MAX_CAPTURE // len(line)  # past the cap: files written and removed

    def floods(die: bool) -> None:
        for n in range(count):
            print(f"{n:08d}{line}", end="")
        if die:
            os._exit(3)

    backend = ProcessBackend(1)
    try:
        _, error, kept = backend.call(floods, [True], {}, timeout=None)
        assert "died (exit code 3)" in str(error)
        _, error, captured = backend.call(floods, [False], {}, timeout=None)
        assert error is None
    finally:
        backend.close()
    assert kept.startswith(f"{0:08d}{line}")
    assert kept.endswith(f"{count - 1:08d}{line}")
    assert "characters of output dropped" in kept
    assert len(kept) <= MAX_CAPTURE + 100
    assert kept == captured  # (the same lines as the worker's own capture says them)


def test_a_coordinator_killed_leaves_no_folder_behind(tmp_path: Path, temp: Path) -> None:
    script = tmp_path / "coordinator.py"
    script.write_text(
        IN_FOLDER
        + textwrap.dedent(
            """
            from flowtop.engine.executors import ProcessBackend

            def hangs():
                import time
                print("working")
                time.sleep(60)

            ProcessBackend(1).call(hangs, [], {}, timeout=None)
            """
        )
    )
    app = str(Path(__file__).resolve().parents[2] / "app")
    env = {**os.environ, "PYTHONPATH": app}
    command = [sys.executable, str(script), str(temp)]
    coordinator = subprocess.Popen(command, env=env, cwd=tmp_path)
    try:
        wait_until(lambda: list(temp.glob("flowtop-output-*/*")))  # its line, on disk
    finally:
        coordinator.kill()  # SIGKILL: nothing of it cleans up
        coordinator.wait()
    wait_until(lambda: not list(temp.glob("flowtop-output-*")))  # its worker removed it
