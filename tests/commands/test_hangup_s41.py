"""A terminal that closes under a foreground ``flowtop run`` cancels its runs, as SIGTERM does.

SIGHUP was left to the default: the process died at once (the shell said ``Hangup``),
its status line stayed, and the run read INTERRUPTED ("its process (pid …) is gone").
Now it is recorded CANCELLED, says why, and the command exits 129 (128 + SIGHUP) — also
when the terminal is gone and every write to it fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import fork_cli
from flowtop.workspace.store_reader import StoreReader
from pty_kit import read_until

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP here")

WAITING = """
    from flowtop import flow, task

    @task(max_retries=3, retry_delay=30)
    def waiter() -> int:
        raise ConnectionError("not yet")

    @flow
    def nightly() -> int:
        return waiter()
"""

REASON = "cancelled: SIGHUP (flowtop run's terminal closed)"


def folder_with_waiting_flow(tmp_path: Path) -> Path:
    (tmp_path / "waiting.py").write_text(textwrap.dedent(WAITING))
    return tmp_path


def the_run(folder: Path) -> tuple[str, str]:
    """The one stored run's state and its task's note."""
    reader = StoreReader(folder / ".flowtop" / "history.db")
    (run,) = reader.runs()
    detail = fork_cli.run(
        ["history", ".", "--run", "1"],
        cwd=folder,
        timeout=60,
    )
    return run.state, detail.stdout


def wait_for_exit(pid: int, within: float = 60.0) -> int | None:
    """The process's exit code (negative: killed by that signal), None if it runs on."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    return None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no pty here")
def test_closing_the_terminal_cancels_the_run_and_exits_129(tmp_path: Path) -> None:
    """The terminal itself goes (its window closed, ``tmux kill-session``): the run is
    still recorded CANCELLED with why, though nothing can be written to the terminal any
    more, and nothing hangs."""
    import pty

    folder = folder_with_waiting_flow(tmp_path)
    pid, master = pty.fork()  # the child leads a session whose terminal is the pty
    if pid == 0:
        try:
            os.chdir(folder)
            os.execv(sys.executable, [sys.executable, "-m", "flowtop", "run", "."])
        finally:
            os._exit(127)
    code = None
    try:
        read_until(master, b"next retry in")  # the run waits; its status line is drawn
        os.close(master)  # the terminal closes: its session leader gets SIGHUP
        master = -1
        code = wait_for_exit(pid)
    finally:
        if master != -1:
            os.close(master)
        if code is None:  # still running (or never reached): not left behind
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    assert code == 128 + signal.SIGHUP, code
    state, detail = the_run(folder)
    assert state == "CANCELLED", detail
    assert REASON in detail and "is gone" not in detail, detail


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        ("SIGHUP", REASON),
        # a run stopped by SIGTERM read "cancelled by the user", which no user did
        ("SIGTERM", "cancelled: SIGTERM (flowtop run was stopped)"),
    ],
)
def test_kill_hup_with_the_terminal_still_there_is_said_as_sigterm_is(
    tmp_path: Path, sent: str, reason: str
) -> None:
    """``kill -HUP PID``: the runs' last lines and ``interrupted (SIGHUP)`` are printed,
    as for SIGTERM; each cancels the runs saying which signal stopped them."""
    folder = folder_with_waiting_flow(tmp_path)
    proc = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", "."],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the retry wait has begun
            if "retry in" in line:
                break
        proc.send_signal(getattr(signal, sent))
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + getattr(signal, sent), (out, err)
    assert "nightly #1 CANCELLED" in out and reason in out, out
    assert err.endswith(f"flowtop run: interrupted ({sent})\n"), err
    state, _ = the_run(folder)
    assert state == "CANCELLED"


def test_nohup_leaves_a_run_to_go_on(tmp_path: Path) -> None:
    """A SIGHUP ignored when flowtop run started (``nohup``) stays ignored."""
    from flowtop.commands.run_signals import stop_like_ctrl_c_on_sigterm

    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    terminate = signal.getsignal(signal.SIGTERM)
    interrupt = signal.getsignal(signal.SIGINT)
    try:
        stop_like_ctrl_c_on_sigterm()
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, before)
        signal.signal(signal.SIGTERM, terminate)
        signal.signal(signal.SIGINT, interrupt)
