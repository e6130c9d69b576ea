"""A flow file that forks at import a child that never comes back (a daemon's loop).

That child kept the flow host's socket open: the host killed, the monitor's end of the
socket never read its end. It kept a loader child's reply pipe open too. Now neither is
open in a process forked from code the host or a loader child runs
(``forked_child.closed_in_children``). Each test's flow file writes the pid of the child
it forks, and the descriptors open there; the test kills it (it loops for a minute).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.workspace.helper_process import ready
from flowtop.workspace.loader_process import probe
from flowtop.workspace.remote_workspace import RemoteWorkspace
from waits import wait_until

DAEMON = """
import os, time
from flowtop import Flow, task

if os.fork() == 0:  # a daemon's loop: never comes back to flowtop
    links = []
    for fd in os.listdir("/proc/self/fd"):
        with __import__("contextlib").suppress(OSError):
            links.append(os.readlink(f"/proc/self/fd/{{fd}}"))
    with open({fds!r}, "w") as said:
        said.write("\\n".join(links))
    with open({pids!r}, "w") as pids:
        pids.write(str(os.getpid()))
    end = time.monotonic() + 60
    while time.monotonic() < end:
        time.sleep(0.05)
    os._exit(0)


@task
def t():
    return 1


with Flow("daemon") as f:
    t()
"""


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Path]:
    """``daemon.py`` in ``tmp_path``; the process it forked killed after the test."""
    pids = tmp_path / "daemon.pid"
    path = tmp_path / "daemon.py"
    text = DAEMON.format(fds=str(tmp_path / "daemon.fds"), pids=str(pids))
    path.write_text(text, encoding="utf-8")
    yield path
    if pids.exists():
        with contextlib.suppress(OSError):
            os.kill(int(pids.read_text()), signal.SIGKILL)


def daemon_fds(folder: Path) -> list[str]:
    """What the descriptors of the daemon's process name, once it has said."""
    wait_until(lambda: (folder / "daemon.pid").exists(), "the daemon's pid")
    return (folder / "daemon.fds").read_text().split("\n")


def test_a_flow_host_killed_is_seen_gone_beside_a_daemon_it_forked(
    tmp_path: Path, daemon: Path
) -> None:
    with RemoteWorkspace(tmp_path) as ws:
        ws.load()
        assert set(ws.shapes) == {"daemon"}, ws.errors
        assert not [fd for fd in daemon_fds(tmp_path) if fd.startswith("socket:")]
        host = ws._host
        sock, process = host._socket, host._process
        assert sock is not None and process is not None
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        # old: the daemon held the host's end open: never readable, never its end
        wait_until(lambda: ready(sock, 0), "the host's end of the socket")
        assert sock.recv(1) == b""


def test_a_loader_child_s_daemon_keeps_no_pipe_of_its(tmp_path: Path, daemon: Path) -> None:
    result = probe(daemon, tmp_path, prefect_compat=False, timeout=20)
    assert result.error is None and [f.name for f in result.flows] == ["daemon"]
    links = daemon_fds(tmp_path)
    assert not [fd for fd in links if fd.startswith(("pipe:", "socket:"))], links  # old: pipe
