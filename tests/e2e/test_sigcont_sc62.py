"""A monitor sent SIGCONT it did not expect (a debugger, ``cpulimit``, ``kill -STOP``/
``kill -CONT`` of every flowtop process) never quit on ``q``: Textual's driver took each
SIGCONT for a return from ctrl+z and started another pair of input and output threads
beside the running ones; ``q`` stopped only the newest, and the others kept the process
alive. Now it resumes only after a stop it saw (ctrl+z) or one that left the terminal to a
shell (``kill -STOP`` of the foreground job, then ``fg``)."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sys
from pathlib import Path

import pytest

from e2e.conftest import Tmux
from e2e.conftest import tmux as tmux  # the fixture: a private tmux server per test

pytestmark = pytest.mark.e2e

FLOW = """\
from flowtop import Flow, task


@task
def hello() -> str:
    return "hi"


with Flow("hello") as flow:
    hello()
"""


def _continue(tmux: Tmux, pid: int, times: int) -> None:
    """SIGCONT ``times`` times, each handled before the next is sent (two pending at
    once are one): after each, the help opens and closes (the main thread runs a
    signal's handler before it reads the keys sent after it)."""
    for _ in range(times):
        os.kill(pid, signal.SIGCONT)
        tmux.keys("?")
        tmux.wait_text("Keys")
        tmux.keys("Escape")
        tmux.wait_for(lambda s: "Keys" not in s and "press r to run" in s, "the help to close")


def test_q_quits_after_sigcont_it_did_not_expect(tmux: Tmux, tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text(FLOW, encoding="utf-8")
    tmux.start([sys.executable, "-m", "flowtop", str(tmp_path)], cwd=str(tmp_path))
    tmux.wait_text("press r to run")
    _continue(tmux, tmux.pane_pid(), 4)  # never stopped: nothing to resume
    tmux.keys("r")  # it reads keys, once each
    tmux.wait_text("✓ Completed")
    tmux.keys("q")
    tmux.wait_dead("flowtop to quit after four SIGCONT")


def _bash_beside_the_flow(tmux: Tmux, tmp_path: Path) -> None:
    """An interactive bash in ``tmp_path``, where the flow file is."""
    (tmp_path / "hello.py").write_text(FLOW, encoding="utf-8")
    tmux.start_bash(str(tmp_path))


def _run_then_quit_to_the_shell(tmux: Tmux) -> None:
    """The monitor reads keys (``r`` runs the flow, ``q`` quits), then the shell exits."""
    tmux.keys("r")  # it reads keys, one at a time, unechoed
    tmux.wait_text("✓ Completed")
    tmux.keys("q")
    tmux.wait_for(lambda s: s.rstrip().endswith("$"), "flowtop to quit to the shell")
    tmux.keys("exit", "Enter")
    tmux.wait_dead("the shell to exit")


def _child_of(pid: int) -> int:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="ascii").split()
    assert len(children) == 1, children
    return int(children[0])


@pytest.mark.skipif(
    shutil.which("bash") is None or not Path("/proc/self/task").is_dir(),
    reason="job control needs bash; the monitor's pid is read from /proc (Linux)",
)
def test_ctrl_z_and_a_stop_from_outside_still_come_back_redrawn(tmux: Tmux, tmp_path: Path) -> None:
    _bash_beside_the_flow(tmux, tmp_path)
    tmux.keys(f"{shlex.quote(sys.executable)} -m flowtop {shlex.quote(str(tmp_path))}", "Enter")
    tmux.wait_text("press r to run")
    monitor = _child_of(tmux.pane_pid())

    def back_from_the_shell(what: str) -> None:
        tmux.wait_text("Stopped")  # the shell's job control has the terminal
        tmux.keys("clear; fg", "Enter")
        tmux.wait_for(
            lambda s: "press r to run" in s and "TASK" in s and "? Help" in s and "$" not in s,
            f"the whole screen drawn again after {what} and fg",
        )

    tmux.keys("C-z")
    back_from_the_shell("ctrl+z")
    _continue(tmux, monitor, 4)
    # stopped from outside: the shell took the terminal (its own modes: echo, lines) and
    # printed over the screen; fg gives it back, and the monitor takes it again
    os.kill(monitor, signal.SIGSTOP)
    back_from_the_shell("kill -STOP")
    _continue(tmux, monitor, 3)
    _run_then_quit_to_the_shell(tmux)


@pytest.mark.skipif(
    shutil.which("bash") is None or not Path("/proc/self/task").is_dir(),
    reason="job control needs bash; the monitor's pid is read from /proc (Linux)",
)
def test_fg_after_a_stop_and_a_continue_from_outside_takes_keys(tmux: Tmux, tmp_path: Path) -> None:
    """A monitor stopped from outside in a shell's foreground (``kill -STOP``), then continued
    from outside (``kill -CONT``) while the shell held the terminal, never took keys again
    after ``fg``: it ran on in the background, so the shell counted the job as running and its
    ``fg`` only gave the terminal back, with no SIGCONT; nothing set the monitor's modes again
    (echo on, lines: a key was echoed and did nothing). Now the monitor, continued in the
    background, is stopped there by the terminal as it sets its modes (SIGTTOU, the shell's
    modes left as they were), and ``fg`` brings it back as after ctrl+z: redrawn, reading keys."""
    _bash_beside_the_flow(tmux, tmp_path)
    # set -b: the shell says at once when a job stops, not only at its next prompt
    command = f"{shlex.quote(sys.executable)} -m flowtop {shlex.quote(str(tmp_path))}"
    tmux.keys(f"set -b; {command}", "Enter")
    tmux.wait_text("press r to run")
    monitor = _child_of(tmux.pane_pid())

    os.kill(monitor, signal.SIGSTOP)
    tmux.wait_text("Stopped")  # the shell's job control has the terminal
    tmux.keys("clear", "Enter")  # the monitor is stopped: the keys are the shell's
    tmux.wait_for(lambda s: s.strip() == "$", "the shell to clear the screen")

    os.kill(monitor, signal.SIGCONT)  # continued in the background: the shell counts it running
    # the terminal stops it again as it would take the terminal: a job the shell's fg continues
    tmux.wait_text("Stopped")
    tmux.keys("clear; fg", "Enter")
    tmux.wait_for(
        lambda s: "press r to run" in s and "TASK" in s and "? Help" in s and "$" not in s,
        "the whole screen drawn again after fg",
    )
    _run_then_quit_to_the_shell(tmux)
