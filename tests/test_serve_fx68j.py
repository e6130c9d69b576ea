"""`flowtop serve` as a tester found it: stopped by Ctrl+C, SIGTERM or SIGHUP it exited 0
without a word (every other command says ``interrupted (…)`` and exits 130/143/129); a
websocket without an ``Origin`` was accepted; its 403 page quoted the request's ``Host``
as it came, and could be sniffed as HTML; its page linked Google's fonts, which its own
policy blocks (an error on the browser's console at each load)."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp  # textual-serve's own client library (the test extra installs it)
import pytest
from aiohttp import web

from flowtop.commands.serve_access import allowed_origins, shown_address
from flowtop.commands.serve_server import GuardedServer
from test_serve import Served, get, serve, stop, websocket

ONE_FLOW = "from flowtop import flow\n\n\n@flow\ndef one():\n    pass\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("fx68j")
    (folder / "one.py").write_text(ONE_FLOW)
    server = serve(folder)
    yield server
    stop(server)


def ended(server: Served) -> str:
    """What the server said on stderr past its banner, once it has exited (a guard of 30 s
    on the exit)."""
    _, err = server.proc.communicate(timeout=30)
    return err


def raw_get(port: int, path: str, host: str) -> tuple[str, str]:
    """The head and the body of the answer to ``GET path`` sent with ``Host: host``."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
        connection.sendall(request.encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.decode(errors="replace").partition("\r\n\r\n")
    return head, body


async def first_screen_then_term(server: Served) -> aiohttp.WSMessage:
    """Open a tab (from the page's own origin), wait for its first screen, SIGTERM the
    server, and return how the tab was closed."""
    url = f"http://127.0.0.1:{server.port}/ws/{server.token}?width=100&height=30"
    origin = {"Origin": f"http://127.0.0.1:{server.port}"}
    async with aiohttp.ClientSession() as session, session.ws_connect(url, headers=origin) as ws:
        drawn = await asyncio.wait_for(ws.receive(), 60)
        assert drawn.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), drawn
        server.proc.send_signal(signal.SIGTERM)
        while True:
            message = await asyncio.wait_for(ws.receive(), 30)
            if message.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                return message


def test_sigterm_tells_the_tabs_then_exits_143_saying_so(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text(ONE_FLOW)
    server = serve(tmp_path)
    try:
        message = asyncio.run(first_screen_then_term(server))
        err = ended(server)
    finally:
        stop(server)
    assert message.type == aiohttp.WSMsgType.CLOSE, message
    assert (message.data, message.extra) == (
        aiohttp.WSCloseCode.GOING_AWAY,
        "flowtop serve stopped",
    )
    assert server.proc.returncode == 143, err
    assert "flowtop serve: interrupted (SIGTERM)" in err.splitlines(), err
    assert "Traceback" not in err, err


@pytest.mark.parametrize(
    ("stopping", "how"),
    [(signal.SIGINT, "Ctrl+C"), (signal.SIGTERM, "SIGTERM"), (signal.SIGHUP, "SIGHUP")],
)
def test_a_stop_signal_ends_serve_with_its_status_and_line(
    tmp_path: Path, stopping: signal.Signals, how: str
) -> None:
    (tmp_path / "one.py").write_text(ONE_FLOW)
    server = serve(tmp_path)
    try:
        server.proc.send_signal(stopping)
        err = ended(server)
    finally:
        stop(server)
    assert server.proc.returncode == 128 + stopping, err
    assert err.strip().splitlines() == [f"flowtop serve: interrupted ({how})"], err


def test_a_second_signal_changes_neither_the_status_nor_the_stop() -> None:
    """Raised again while the tabs were told and their apps ended, it cut that short."""
    server = GuardedServer("true", host="127.0.0.1", port=1, token="t", public=None)
    with pytest.raises(web.GracefulExit):
        server.stop_on(signal.SIGTERM)
    server.stop_on(signal.SIGHUP)  # nothing raised
    server.stop_on(signal.SIGINT)
    assert server.stopped_by == signal.SIGTERM


def test_a_websocket_without_origin_is_refused_saying_so(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text(ONE_FLOW)
    server = serve(tmp_path)
    try:
        url = f"http://127.0.0.1:{server.port}/ws/{server.token}?width=80&height=24"
        assert websocket(url, None) == 403
        server.proc.terminate()
        err = ended(server)
    finally:
        stop(server)
    assert "flowtop serve: websocket without an Origin refused" in err, err


def test_the_other_loopback_is_not_an_origin_of_a_server_bound_to_one(served: Served) -> None:
    """A page at http://[::1]:PORT, on a server bound to 127.0.0.1 alone, is another
    program's: it passed as the server's own."""
    assert "http://[::1]:8000" not in allowed_origins("127.0.0.1", 8000, None)
    assert "http://127.0.0.1:8000" not in allowed_origins("::1", 8000, None)
    assert "http://localhost:8000" in allowed_origins("127.0.0.1", 8000, None)
    url = f"http://127.0.0.1:{served.port}/ws/{served.token}?width=80&height=24"
    assert websocket(url, f"http://[::1]:{served.port}") == 403


def test_a_refusal_is_not_sniffed_and_shows_no_markup_from_the_host(served: Served) -> None:
    head, body = raw_get(served.port, f"/?token={served.token}", f"a<b>c:{served.port}")
    assert head.startswith("HTTP/1.1 403"), head
    assert "x-content-type-options: nosniff" in head.lower(), head
    assert "this page was opened at" in body, body
    assert "<" not in body and ">" not in body, body
    assert f"http://a%3Cb%3Ec:{served.port}" in body, body
    head, _ = raw_get(served.port, "/?token=wrong", f"127.0.0.1:{served.port}")
    assert "x-content-type-options: nosniff" in head.lower(), head


def test_an_origin_refusal_shows_no_markup_from_the_client() -> None:
    assert shown_address("http://<script>x") == "http://%3Cscript%3Ex"
    assert shown_address("evil\x1b[2J\n:80") == "evil%1B[2J%0A:80"


def test_the_page_links_no_other_site(served: Served) -> None:
    status, page = get(served.link)
    assert status == 200
    assert "fonts.googleapis.com" not in page
    assert f"http://127.0.0.1:{served.port}/static/css/xterm.css" in page  # its own kept


def test_the_cli_exit_line_is_said_once_a_signal_comes_while_starting(tmp_path: Path) -> None:
    """SIGTERM while the server's modules import killed it at once, without a word."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, sys\n"
            "from flowtop.commands import serve\n"
            "real = serve.serve_extra_installed\n"
            "def then_term():\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n"
            "    return real()\n"
            "serve.serve_extra_installed = then_term\n"
            "from flowtop.cli import main\n"
            "sys.exit(main(['serve', sys.argv[1], '--port', '1']))\n",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 143, done.stderr
    assert done.stderr.strip().splitlines() == ["flowtop serve: interrupted (SIGTERM)"]
