"""`flowtop serve` as explorer rv353 left it: a tab whose client stopped reading (a
suspended ``ssh -L``) held a SIGTERMed server 1-2 minutes, ending with a traceback, and
its connection outlived the heartbeat's "tab closed"; a tab closed as its app started (a
reload), or with others on a busy host, had its app killed as stuck; the page opened at a
foreign name advised allowing that name.

The stand-in apps speak textual-serve's packets (no ``flowtop open`` is started)."""

from __future__ import annotations

import asyncio
import base64
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path

import aiohttp  # textual-serve's own client library (the test extra installs it)
import pytest
from aiohttp.test_utils import TestServer

from flowtop.commands import serve_server
from flowtop.commands.serve_access import page_refusal
from flowtop.commands.serve_server import GuardedServer
from waits import until

TOKEN = "t0k3n-of-the-s57-server"

#: A tab's app that draws as fast as it can and quits on ``quit``, as a Textual app
#: under textual-serve: a client that reads nothing has the server's writes stall.
FLOOD_APP = """
import os, select, sys
out = sys.stdout.buffer
out.write(b"__GANGLION__\\n")
screen = b"x" * 65536
packet = b"D" + len(screen).to_bytes(4, "big") + screen
asked = b""
while True:
    out.write(packet)
    out.flush()
    if select.select([0], [], [], 0)[0]:
        asked += os.read(0, 65536)
        if b'"quit"' in asked:
            sys.exit(0)
"""

#: The server, which says on its stdout when a tab's writes to its client stall (its
#: send queue is not empty) and when a tab's handler is over.
SERVER = """
import asyncio, sys
from flowtop.commands import serve_server
from flowtop.commands.serve_server import GuardedServer
command, port, token, heartbeat = sys.argv[1:]
serve_server.HEARTBEAT = float(heartbeat)

class Told(GuardedServer):
    async def serve_tab(self, request):
        async def watch():
            while request.transport is not None:
                if request.transport.get_write_buffer_size() > 0:
                    print("stalled", flush=True)
                    return
                await asyncio.sleep(0.01)
        watching = asyncio.create_task(watch())
        try:
            return await super().serve_tab(request)
        finally:
            watching.cancel()
            print("tab over", flush=True)

Told(command, host="127.0.0.1", port=int(port), token=token, public=None).serve()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def said_line(server: subprocess.Popen[str], line: str, seconds: float = 30) -> None:
    """Wait until ``server`` writes ``line`` on its stdout (a safety timeout)."""
    assert server.stdout is not None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if select.select([server.stdout], [], [], 0.2)[0]:
            got = server.stdout.readline()
            assert got, f"the server ended before saying {line!r}"
            if got.strip() == line:
                return
    pytest.fail(f"the server did not say {line!r} within {seconds} s")


@contextmanager
def flood_server(tmp_path: Path, heartbeat: float = 15.0) -> Iterator[subprocess.Popen[str]]:
    (tmp_path / "app.py").write_text(FLOOD_APP)
    port = free_port()
    command = f"exec {sys.executable} {tmp_path / 'app.py'}"
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, command, str(port), TOKEN, str(heartbeat)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server.port = port  # type: ignore[attr-defined]
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.communicate()
                assert time.monotonic() < deadline, "the server did not listen"
                time.sleep(0.1)
        yield server
    finally:
        if server.poll() is None:
            server.kill()
        server.communicate()


def deaf_tab(port: int) -> socket.socket:
    """A tab whose client opens its websocket, then never reads (a suspended ssh -L)."""
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    client.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    client.sendall(
        f"GET /ws/{TOKEN}?width=80&height=24 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Origin: http://127.0.0.1:{port}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    return client


def established(port: int) -> bool:
    """Whether a TCP connection of this machine's on local ``port`` is established."""
    wanted = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(OSError), open(table) as rows:
            for row in list(rows)[1:]:
                local, state = row.split()[1], row.split()[3]
                if local.endswith(wanted) and state == "01":
                    return True
    return False


def test_sigterm_ends_a_server_whose_tab_stopped_reading_at_once(tmp_path: Path) -> None:
    """It waited out aiohttp's shutdown timeout (60 s, 120 s) on the tab's stalled
    connection, then wrote ``Exception ignored … Event loop is closed``."""
    with flood_server(tmp_path) as server:
        client = deaf_tab(server.port)  # type: ignore[attr-defined]
        try:
            said_line(server, "stalled")
            server.terminate()
            try:
                server.wait(timeout=20)  # a safety bound: it took 60-120 s
            except subprocess.TimeoutExpired:
                pytest.fail("flowtop serve was still there 20 s after SIGTERM")
            _, err = server.communicate()
        finally:
            client.close()
    assert server.returncode == 0, err
    assert "Traceback" not in err and "Event loop is closed" not in err, err


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's TCP table")
def test_a_tab_the_heartbeat_closed_lets_go_of_its_connection(tmp_path: Path) -> None:
    """ "tab closed", the console said, yet the socket (its megabytes of send queue) and
    the tab's handler stayed until the client went, and the app was never reaped."""
    with flood_server(tmp_path, heartbeat=1.0) as server:
        port = server.port  # type: ignore[attr-defined]
        client = deaf_tab(port)
        try:
            said_line(server, "stalled")
            said_line(server, "tab over")  # the client still there, and deaf
            assert not established(port), "the tab's connection is still there"
        finally:
            client.close()
            server.terminate()
            _, err = server.communicate(timeout=20)
    assert "did not quit" not in err, err  # its app read its quit: its output was read on


#: A tab's app slow to start (it greets once ``go`` exists), which then quits on
#: ``quit``: ``slow`` seconds after it read it. It notes its pid, and ``heard`` when it
#: read its quit.
SLOW_APP = """
import json, os, sys, time
folder, slow = sys.argv[1], float(sys.argv[2])
open(os.path.join(folder, "pid"), "w").write(str(os.getpid()))
while not os.path.exists(os.path.join(folder, "go")):
    time.sleep(0.02)
out = sys.stdout.buffer
out.write(b"__GANGLION__\\n")
out.write(b"D" + (2).to_bytes(4, "big") + b"hi")
out.flush()
stdin = sys.stdin.buffer
while kind := stdin.read(1):
    meta = stdin.read(int.from_bytes(stdin.read(4), "big"))
    if kind == b"M" and json.loads(meta)["type"] == "quit":
        open(os.path.join(folder, "heard"), "w").close()
        time.sleep(slow)
        sys.exit(0)
"""


@asynccontextmanager
async def slow_server(tmp_path: Path, slow: float) -> AsyncIterator[tuple[GuardedServer, str]]:
    app = tmp_path / "slow_app.py"
    app.write_text(SLOW_APP)
    port = free_port()
    command = f"exec {sys.executable} {app} {tmp_path} {slow}"
    server = GuardedServer(command, host="127.0.0.1", port=port, token=TOKEN, public=None)
    listening = TestServer(await server._make_app(), host="127.0.0.1", port=port)
    await listening.start_server()
    try:
        yield server, f"http://127.0.0.1:{port}/ws/{TOKEN}?width=80&height=24"
    finally:
        await listening.close()  # waits for the tabs' handlers: their app is ended


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def written(path: Path) -> bool:
    """Whether ``path`` has its text: the app creates it, then writes (seen empty once)."""
    return path.exists() and bool(path.read_text().strip())


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads /proc")
def test_a_tab_closed_before_its_app_started_ends_it_without_calling_it_stuck(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reload (a tab closed 0-0.6 s after it opened): its app, not reading yet, left
    ``quit`` unread and was killed 2 s later, "did not quit within 2 s: killed"."""

    async def scenario() -> None:
        async with slow_server(tmp_path, 0.0) as (_, url), aiohttp.ClientSession() as session:
            async with session.ws_connect(
                url, headers={"Origin": url.split("/ws/")[0]}
            ):  # closed as its app starts: a reload
                await until(lambda: written(tmp_path / "pid"), "the app's start")
            pid = int((tmp_path / "pid").read_text())
            await until(lambda: not alive(pid), "the app's end")

    asyncio.run(scenario())
    said = capsys.readouterr().err
    assert "did not quit" not in said and "ended before it started" not in said, said


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads /proc")
def test_an_app_that_read_its_quit_is_given_time_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tabs closed together on a busy host: each app got ``quit`` and 2 s, then was
    killed while quitting. One that read its ``quit`` is on its way: it gets more."""
    monkeypatch.setattr(serve_server, "QUIT_GRACE", 0.2)
    (tmp_path / "go").touch()

    async def scenario() -> None:
        async with slow_server(tmp_path, 1.0) as (_, url), aiohttp.ClientSession() as session:
            async with session.ws_connect(url, headers={"Origin": url.split("/ws/")[0]}) as tab:
                message = await tab.receive(timeout=15)  # it started
                assert message.type == aiohttp.WSMsgType.BINARY, message
            await until((tmp_path / "heard").exists, "the app to read its quit")
            await until(lambda: written(tmp_path / "pid"), "its pid")
            pid = int((tmp_path / "pid").read_text())
            await until(lambda: not alive(pid), "the app's end")

    asyncio.run(scenario())
    said = capsys.readouterr().err
    assert "did not quit" not in said, said


def test_a_page_opened_at_a_foreign_name_is_not_told_to_allow_it() -> None:
    """A DNS-rebinding name was told ``--public-url http://evil.example:18353``."""
    foreign = page_refusal("http://evil.example:18353", "evil.example:18353")
    assert "--public-url http://evil.example" not in foreign, foreign
    assert "trust" in foreign and "--public-url" in foreign
    tunnel = page_refusal("http://localhost:9105", "localhost:9105")  # this machine's
    assert "--public-url http://localhost:9105" in tunnel, tunnel
