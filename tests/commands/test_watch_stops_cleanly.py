"""``flowtop watch`` stopped on a terminal: its status line goes, the run goes on.

Ctrl+C left the live status line with the words after it, ``slow #8: 0/1 done · … ·
2.1s^Cflowtop watch: interrupted (Ctrl+C)``; SIGTERM (``timeout``) and SIGHUP killed the
watch where it stood, without a word, and the prompt came back on the half-drawn line.
Now each takes the line away, says so on a row of its own and exits as ``flowtop run``
does (130, 143, 129); the run, which the watch only shows, is not touched.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import fork_cli
from flowtop.workspace.store_reader import StoreReader
from pty_kit import read_until

from .test_status_line_clear import on_screen

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no pty here")

#: A run that stays live: its task waits 30 s for its retry.
WAITING = """
    from flowtop import Flow, task

    @task(max_retries=3, retry_delay=30)
    def waiter():
        raise ConnectionError("not yet")

    with Flow("waiting") as flow:
        waiter()
"""


def states(folder: Path) -> dict[str, str]:
    """Each stored run's state by its id (none while the store is being made)."""
    try:
        found = StoreReader(folder / ".flowtop" / "history.db").runs()
    except sqlite3.Error:  # not created yet: asked again
        return {}
    return {run.run_id: run.state for run in found}


@pytest.fixture(scope="module")
def live_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A folder with a live run that another process owns, and the run's id."""
    folder = tmp_path_factory.mktemp("watched")
    (folder / "waiting.py").write_text(textwrap.dedent(WAITING))
    owner = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", "."],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # no Ctrl+C meant for the watch reaches it
    )
    try:
        deadline = time.monotonic() + 60
        while not (running := [i for i, s in states(folder).items() if s == "RUNNING"]):
            assert time.monotonic() < deadline and owner.poll() is None, "the run never started"
            time.sleep(0.05)
        yield folder, running[0]
    finally:
        owner.kill()
        owner.wait()


def watch_and_stop(folder: Path, run_id: str, stop: str) -> tuple[int, str]:
    """``flowtop watch`` on a terminal of its own, stopped by ``stop`` (``ctrl+c``, or a
    signal's name) once its status line shows: its exit code and what the terminal got."""
    import pty

    pid, leader = pty.fork()  # the child leads a session whose terminal is the pty
    if pid == 0:
        try:
            os.chdir(folder)
            os.environ.update(TERM="xterm", COLUMNS="120")
            os.execv(sys.executable, [sys.executable, "-m", "flowtop", "watch", ".", run_id])
        finally:
            os._exit(127)
    code = None
    try:
        said = read_until(leader, b"next retry in")
        if stop == "ctrl+c":
            os.write(leader, b"\x03")  # as typed: echoed ^C, SIGINT to the watch
        else:
            os.kill(pid, getattr(signal, stop))
        said = read_until(leader, so_far=said)  # until the terminal closes (EIO)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and code is None:
            done, status = os.waitpid(pid, os.WNOHANG)
            code = os.waitstatus_to_exitcode(status) if done else None
            time.sleep(0.02)
    finally:
        os.close(leader)
        if code is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    assert code is not None, f"the watch did not stop: {said!r}"
    return code, said.decode("utf-8", "replace")


@pytest.mark.parametrize(
    ("stop", "how", "code"),
    [
        ("ctrl+c", "Ctrl+C", 130),
        ("SIGTERM", "SIGTERM", 128 + signal.SIGTERM),
        pytest.param(
            "SIGHUP",
            "SIGHUP",
            128 + getattr(signal, "SIGHUP", 0),
            marks=pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP"),
        ),
    ],
)
def test_a_stopped_watch_takes_its_status_line_away_and_leaves_the_run(
    live_run: tuple[Path, str], stop: str, how: str, code: int
) -> None:
    folder, run_id = live_run
    exited, said = watch_and_stop(folder, run_id, stop)
    rows = [row for row in on_screen(said) if row]
    assert exited == code, said
    assert rows[-1] == f"flowtop watch: interrupted ({how}); run {run_id} goes on", rows
    assert not any("next retry in" in row for row in rows), rows  # the status line: gone
    assert "waiter ⟳ retry in 30s" in said  # (it was shown, with the lines above it)
    assert states(folder)[run_id] == "RUNNING"  # the watch only showed it
