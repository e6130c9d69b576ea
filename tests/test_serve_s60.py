"""`flowtop serve` on ``--host localhost``, and a tab whose client stopped answering.

``--host localhost`` bound 127.0.0.1 only (what ``/etc/hosts`` names), while browsers try
``::1`` first: http://localhost:PORT was refused there (``curl -6`` gave up). It now binds
both loopbacks where this machine has IPv6, and the link still says ``localhost``.

A tab whose websocket stopped answering pings was said as "could not read its message (No
PONG received after 7.5 seconds)": it now says the client stopped answering.

Real sockets throughout; the stalled tab's server runs in this process (aiohttp's
``TestServer``) with a stand-in for the tab's app, its heartbeat shortened.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

import fork_cli
from flowtop.commands import serve_server
from flowtop.commands.serve import check_bind
from flowtop.commands.serve_bind import ipv6_loopback_works, listen_addresses
from flowtop.commands.serve_server import GuardedServer
from test_serve import Served, free_port, stop, websocket
from waits import until

ONE_FLOW = "from flowtop import flow\n\n\n@flow\ndef one():\n    pass\n"
TOKEN = "s60-t0k3n-of-the-stalled-tab-server"
#: A tab's app that says it is a Textual app, then draws nothing; it quits on ``quit``,
#: as a Textual app under textual-serve.
QUIET_APP = """
import json, sys
out, stdin = sys.stdout.buffer, sys.stdin.buffer
out.write(b"__GANGLION__\\n")
out.flush()
while kind := stdin.read(1):
    payload = stdin.read(int.from_bytes(stdin.read(4), "big"))
    if kind == b"M" and json.loads(payload)["type"] == "quit":
        break
"""

needs_ipv6 = pytest.mark.skipif(not ipv6_loopback_works(), reason="no IPv6 loopback here")


def ipv6_socket() -> socket.socket:
    """A TCP socket on IPv6 only, as asyncio listens."""
    six = socket.socket(socket.AF_INET6)
    six.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    return six


def port_free_on_both_loopbacks() -> int:
    """A port that 127.0.0.1 and ::1 can both bind (each was free when asked)."""
    for _ in range(50):
        with ipv6_socket() as six, socket.socket() as four:
            six.bind(("::1", 0))
            port = int(six.getsockname()[1])
            try:
                four.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("no port free on both loopbacks")


@contextmanager
def serving(folder: Path, host: str, port: int) -> Iterator[Served]:
    """``flowtop serve folder --host host --port port``, once it has printed its link
    (which it does once every address it binds listens)."""
    (folder / "one.py").write_text(ONE_FLOW)
    proc = fork_cli.popen(
        [
            sys.executable,
            "-m",
            "flowtop",
            "serve",
            str(folder),
            "--host",
            host,
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stderr is not None
    served = Served(proc, port, "", "")
    try:
        while "token=" not in served.banner:
            line = proc.stderr.readline()
            if not line:
                pytest.fail(f"flowtop serve exited: {served.banner}")
            served.banner += line
        link = re.search(r"(\S+\?token=\S+)", served.banner)
        assert link is not None, served.banner
        served.link = link.group(1)
        yield served
    finally:
        stop(served)


def status_of(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return int(response.status)


@needs_ipv6
def test_localhost_listens_on_both_loopbacks_and_its_link_says_localhost(tmp_path: Path) -> None:
    port = port_free_on_both_loopbacks()
    with serving(tmp_path, "localhost", port) as served:
        assert served.link == f"http://localhost:{port}/?token={served.token}", served.banner
        assert "warning" not in served.banner, served.banner
        query = f"/?token={served.token}"
        assert status_of(f"http://[::1]:{port}{query}") == 200  # refused before
        assert status_of(f"http://127.0.0.1:{port}{query}") == 200
        # a browser at http://localhost:PORT that reached ::1: its tab opens
        ws = f"http://[::1]:{port}/ws/{served.token}?width=80&height=24"
        origin = f"http://localhost:{port}"
        assert websocket(ws, origin, host=f"localhost:{port}") == 101


@needs_ipv6
def test_ipv6_loopback_host_listens_there_and_its_link_is_bracketed(tmp_path: Path) -> None:
    port = port_free_on_both_loopbacks()
    with serving(tmp_path, "::1", port) as served:
        assert served.link == f"http://[::1]:{port}/?token={served.token}", served.banner
        assert "warning" not in served.banner, served.banner
        assert status_of(served.link) == 200


@needs_ipv6
def test_localhost_with_its_port_taken_on_ipv6_is_refused_naming_the_address() -> None:
    """A server of another program on [::1]:PORT would get the browsers' requests for
    http://localhost:PORT: the port is not free for localhost."""
    with ipv6_socket() as other:
        other.bind(("::1", 0))
        other.listen()
        port = int(other.getsockname()[1])
        why = check_bind("localhost", port)
    assert why is not None and f"[::1]:{port}" in why and "in use" in why, why


def test_localhost_without_ipv6_binds_as_the_os_resolves_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "has_ipv6", False)
    assert listen_addresses("localhost") == ("localhost",)
    assert listen_addresses("127.0.0.1") == ("127.0.0.1",)


def test_a_tab_whose_client_stops_answering_pings_is_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The client opens its websocket, then neither reads nor answers (a laptop put to
    sleep): aiohttp's heartbeat closes the tab, and the console says why in words."""
    monkeypatch.setattr(serve_server, "HEARTBEAT", 0.2)
    app = tmp_path / "quiet_app.py"
    app.write_text(QUIET_APP)
    port = free_port()
    server = GuardedServer(
        f"exec {sys.executable} {app}", host="127.0.0.1", port=port, token=TOKEN, public=None
    )

    async def scenario() -> str:
        listening = TestServer(await server._make_app(), host="127.0.0.1", port=port)
        await listening.start_server()
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            key = base64.b64encode(os.urandom(16)).decode()
            writer.write(
                f"GET /ws/{TOKEN}?width=80&height=24 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Origin: http://127.0.0.1:{port}\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n".encode()
            )
            await writer.drain()
            said: list[str] = []

            def closed_said() -> bool:
                said.append(capsys.readouterr().err)
                return "closed" in "".join(said)

            await until(closed_said, "the stalled tab closed")
            writer.close()
            return "".join(said)
        finally:
            await listening.close()

    said = asyncio.run(scenario())
    assert "a browser tab stopped answering (no reply to a ping in 0.1 s): closed" in said, said
    assert "could not read" not in said and "PONG" not in said, said
