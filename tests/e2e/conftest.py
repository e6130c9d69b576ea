"""A private tmux server per test: start a command in a 120×36 pane, type, read the screen.

Each test gets its own server socket (``tmux -L``), so it never touches a user's tmux
sessions and its teardown kills only what it started.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

WIDTH, HEIGHT = 120, 36
#: What a program reads before its terminal's size.
TERMINAL_SIZE = ("COLUMNS", "LINES")


def pane_environment() -> dict[str, str]:
    """The environment for the tmux server, which its panes start with: this process's
    without ``COLUMNS`` and ``LINES``, which a program reads before its terminal's size
    (``shutil.get_terminal_size``): a pane's program reads the pane's 120×36. Passed
    whole, not inherited: pytest's ``readline`` set both in the C environment, unseen
    (``conftest``'s ``terminal_size_as_os_environ_says``); a shell may export them."""
    return {name: value for name, value in os.environ.items() if name not in TERMINAL_SIZE}


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket
        self.session = "flowtop-e2e"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
            env=pane_environment(),
        )
        if check and done.returncode != 0:  # what tmux said: the exit code alone told nothing
            raise AssertionError(
                f"tmux {' '.join(args[:3])}…: exit {done.returncode}: {done.stderr}"
            )
        return done

    def start(self, argv: list[str], *, cwd: str, env: dict[str, str] | None = None) -> None:
        """Start ``argv`` in a detached 120×36 session; the pane stays after it exits."""
        assignments = [f"{k}={shlex.quote(v)}" for k, v in (env or {}).items()]
        command = " ".join(["exec", "env", *assignments, *map(shlex.quote, argv)])
        self.run(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            str(WIDTH),
            "-y",
            str(HEIGHT),
            "-c",
            cwd,
            command,
        )
        self.run("set-option", "-t", self.session, "remain-on-exit", "on")

    def start_bash(self, cwd: str) -> None:
        """An interactive bash in ``cwd``, with job control as a user has it (prompt ``$ ``),
        once it prompts."""
        self.start(
            ["bash", "--norc", "--noprofile", "-i"],
            cwd=cwd,
            env={"TERM": "xterm-256color", "PS1": "$ "},
        )
        self.wait_text("$")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session).stdout

    def pane_dead(self) -> bool:
        out = self.run(
            "display-message", "-p", "-t", self.session, "#{pane_dead}", check=False
        ).stdout
        return out.strip() == "1"

    def wait_dead(self, what: str = "flowtop to quit") -> None:
        """Wait for the pane's program to end."""
        self.wait_for(lambda screen: self.pane_dead(), what, timeout=20)

    def pane_pid(self) -> int:
        """The pid of the pane's program (``start`` execs it in place of the shell)."""
        out = self.run("display-message", "-p", "-t", self.session, "#{pane_pid}").stdout
        return int(out.strip())

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 20.0) -> str:
        """Poll the screen until ``predicate(screen)`` holds; fail with the last screen."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            if self.pane_dead():  # one last look: it may have died as the predicate held
                screen = self.screen()
                if predicate(screen):
                    return screen
                break
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")

    def wait_text(self, text: str, timeout: float = 20.0) -> str:
        return self.wait_for(lambda screen: text in screen, repr(text), timeout)

    def kill(self) -> None:
        """End the server, and wait until it is gone: a session started on the socket
        while the old server was still exiting failed (``new-session`` exit 1, a loaded
        CI host, a test reopening the app after a restart)."""
        self.run("kill-server", check=False)
        deadline = time.monotonic() + 10
        while (
            time.monotonic() < deadline and self.run("list-sessions", check=False).returncode == 0
        ):
            time.sleep(0.05)
        self.socket_path().unlink(missing_ok=True)  # kill-server leaves it: 100 a day piled up

    def socket_path(self) -> Path:
        """Where tmux keeps this server's socket (``-L``: by name, under its folder)."""
        folder = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        return folder / self.socket


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it; apt-get install tmux)")
    server = Tmux(f"flowtop-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        yield server
    finally:
        server.kill()
