"""flowtop over a real SSH session: sshd on loopback, `ssh -tt` inside tmux, keys and screen.

This is the "works over SSH in a plain terminal" promise tested for real: a throwaway
host key and user key, sshd on a free port of 127.0.0.1, and the screen read back with
`tmux capture-pane`. Skipped, saying why, only where sshd, ssh or tmux are missing.
"""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)

FLOW = """
    from pathlib import Path
    from flowtop import Flow, task

    # Each run is a process of its own: the calls are counted in a file beside the flow.
    CALLS = Path(__file__).with_name("calls")

    @task(max_retries=1, retry_delay=2)
    def flaky_upload():
        n = int(CALLS.read_text()) + 1 if CALLS.exists() else 1
        CALLS.write_text(str(n))
        # Calls 1 and 2 (the first run) fail; the rerun's call succeeds.
        if n <= 2:
            raise ConnectionError("upload reset by peer")
        return "uploaded"

    with Flow("ssh-demo") as flow:
        flaky_upload()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[dict[str, str]]:
    if SSHD is None or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.skip("openssh-server/openssh-client not installed (.ci/run installs them with apt)")
    if shutil.which("tmux") is None:
        pytest.skip("tmux not installed (.ci/run installs it with apt)")
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    for name in ("host", "user"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True
        )
    (keys / "authorized_keys").write_text((keys / "user.pub").read_text())
    os.chmod(keys / "authorized_keys", 0o600)
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation dir
    port = free_port()
    config = keys / "sshd_config"
    config.write_text(
        textwrap.dedent(f"""
            Port {port}
            ListenAddress 127.0.0.1
            HostKey {keys / "host"}
            AuthorizedKeysFile {keys / "authorized_keys"}
            PidFile {keys / "sshd.pid"}
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin yes
            StrictModes no
            UsePAM no
            AcceptEnv LANG LC_*
        """)
    )
    proc = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.skip(f"sshd could not start here: {proc.stderr.read() if proc.stderr else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    ssh = [
        "ssh",
        "-tt",
        "-p",
        str(port),
        "-i",
        str(keys / "user"),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "BatchMode=yes",
        f"{getpass.getuser()}@127.0.0.1",
    ]
    probe = subprocess.run([*ssh[:1], *ssh[2:], "true"], capture_output=True, text=True, timeout=20)
    if probe.returncode != 0:
        proc.terminate()
        pytest.skip(f"cannot log in to the test sshd: {probe.stderr.strip()}")
    try:
        yield {"ssh": shlex.join(ssh)}
    finally:
        proc.terminate()
        proc.wait(5)


class Screen:
    """A tmux session and its visible text."""

    def __init__(self, command: str, width: int = 100, height: int = 30) -> None:
        self.name = f"flowtop-ssh-{uuid.uuid4().hex[:8]}"
        subprocess.run(
            [
                "tmux",
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                str(width),
                "-y",
                str(height),
                command,
            ],
            check=True,
        )

    def text(self) -> str:
        done = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        )
        return done.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def wait_for(self, needle: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.text()
            if needle in screen:
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} did not appear within {timeout}s; screen:\n{self.text()}")

    def alive(self) -> bool:
        return (
            subprocess.run(["tmux", "has-session", "-t", self.name], capture_output=True).returncode
            == 0
        )

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def test_flowtop_over_ssh(sshd: dict[str, str], tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "demo.py").write_text(textwrap.dedent(FLOW))
    remote = f"cd {shlex.quote(str(tmp_path))} && TERM=xterm-256color {shlex.quote(sys.executable)} -m flowtop flows"
    screen = Screen(f"{sshd['ssh']} {shlex.quote(remote)}")
    try:
        screen.wait_for("ssh-demo", timeout=30)
        screen.keys("r")
        screen.wait_for("Retry in", timeout=20)
        screen.wait_for("Failed", timeout=20)
        screen.keys("f")
        screen.wait_for("Completed", timeout=20)
        screen.keys("q")
        deadline = time.monotonic() + 15
        while screen.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not screen.alive(), "flowtop did not quit on q (the ssh session is still open)"
    finally:
        screen.close()
