"""`flowtop serve` puts the TUI in a browser page: on loopback by default, behind a token,
and only for pages of its own origin."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp  # textual-serve's own client library (the test extra installs it)
import pytest

import fork_cli
from shipped_flows import bundled_flows

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    proc: subprocess.Popen[str]
    port: int
    link: str
    banner: str

    @property
    def token(self) -> str:
        return self.link.rsplit("token=", 1)[1]


def serve(folder: Path, *extra: str) -> Served:
    port = free_port()
    proc = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "serve", str(folder), "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stderr is not None
    banner = ""
    while "token=" not in banner:
        line = proc.stderr.readline()
        if not line:
            pytest.fail(f"flowtop serve exited: {banner}")
        banner += line
    link = re.search(r"(\S+\?token=\S+)", banner)
    assert link is not None, banner
    served = Served(proc, port, link.group(1), banner)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return served
        except OSError:
            time.sleep(0.1)
    stop(served)
    pytest.fail("flowtop serve did not listen within 20 s")


def stop(served: Served) -> None:
    served.proc.terminate()
    try:
        served.proc.wait(10)
    finally:
        for stream in (served.proc.stdout, served.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_flows(tmp_path_factory.mktemp("serve"))  # as committed


@pytest.fixture(scope="module")
def loopback(flows: Path) -> Iterator[Served]:
    served = serve(flows)
    yield served
    stop(served)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def websocket(url: str, origin: str | None, host: str | None = None) -> int:
    """101 when the websocket opened (and the app answered), else the refusal's status.
    ``host``: the ``Host`` a browser sends for the name it was given."""

    async def connect() -> int:
        headers = {"Origin": origin} if origin else {}
        if host is not None:
            headers["Host"] = host
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(url, headers=headers) as ws:
                    message = await ws.receive(timeout=15)
                    assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT)
                    return 101
            except aiohttp.WSServerHandshakeError as exc:
                return int(exc.status)

    return asyncio.run(connect())


def ws_url(page: str) -> str:
    found = re.search(r'data-session-websocket-url="([^"]+)"', page)
    assert found is not None, page[:500]
    return found.group(1).replace("ws://", "http://", 1) + "?width=80&height=24"


def test_serve_answers_on_loopback_with_its_token(loopback: Served) -> None:
    assert loopback.link == f"http://127.0.0.1:{loopback.port}/?token={loopback.token}"
    assert len(loopback.token) >= 24
    status, page = get(loopback.link)
    assert status == 200 and "flowtop" in page and "textual" in page.lower()
    with urllib.request.urlopen(loopback.link, timeout=5) as response:  # not framed elsewhere
        assert response.headers["X-Frame-Options"] == "DENY"
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        # textual-serve's page linked Google's fonts: taken out, and none fetched
        assert "fonts.googleapis.com" not in page and "style-src 'self' 'unsafe-inline'" in policy
    assert f'"ws://127.0.0.1:{loopback.port}/ws/{loopback.token}"' in page
    listening = (
        subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
        if shutil.which("ss")
        else ""
    )
    if listening:  # bound to loopback only, not every interface
        assert f"127.0.0.1:{loopback.port}" in listening
        assert f"0.0.0.0:{loopback.port}" not in listening


def test_the_page_needs_the_token(loopback: Served) -> None:
    for url in (
        f"http://127.0.0.1:{loopback.port}/",
        f"http://127.0.0.1:{loopback.port}/?token=wrong",
    ):
        status, text = get(url)
        assert status == 403 and "token" in text
        assert loopback.token not in text


def test_the_websocket_needs_the_token_and_its_own_origin(loopback: Served) -> None:
    _, page = get(loopback.link)
    url = ws_url(page)
    own = f"http://127.0.0.1:{loopback.port}"
    assert websocket(url.replace(loopback.token, "wrong"), own) == 403
    assert websocket(url, "https://evil.example") == 403
    assert websocket(url, f"http://evil.example:{loopback.port}") == 403  # DNS rebinding
    assert websocket(url, own) == 101
    assert websocket(url, f"http://localhost:{loopback.port}") == 101


def test_a_public_bind_warns_and_links_where_the_browser_is(flows: Path) -> None:
    served = serve(flows, "--host", "0.0.0.0", "--public-url", "https://flows.example.org/top")
    try:
        assert "warning: listening on 0.0.0.0" in served.banner
        assert served.link == f"https://flows.example.org/top/?token={served.token}"
        status, page = get(f"http://127.0.0.1:{served.port}/?token={served.token}")
        assert status == 200
        assert f'"wss://flows.example.org/top/ws/{served.token}"' in page
        assert "0.0.0.0" not in page
        assert (
            websocket(
                ws_url(
                    page.replace("wss://flows.example.org/top", f"ws://127.0.0.1:{served.port}")
                ),
                "https://flows.example.org",
            )
            == 101
        )
        assert (
            websocket(
                ws_url(
                    page.replace("wss://flows.example.org/top", f"ws://127.0.0.1:{served.port}")
                ),
                "https://evil.example",
            )
            == 403
        )
    finally:
        stop(served)


def test_a_public_bind_without_public_url_links_to_the_address_used(flows: Path) -> None:
    served = serve(flows, "--host", "0.0.0.0")
    try:
        assert "warning: listening on 0.0.0.0" in served.banner
        status, page = get(f"http://127.0.0.1:{served.port}/?token={served.token}")
        assert status == 200
        assert f'"ws://127.0.0.1:{served.port}/ws/{served.token}"' in page
        assert "0.0.0.0" not in page
        url, at = ws_url(page), f"127.0.0.1:{served.port}"
        assert websocket(url, f"http://{at}", host=at) == 101
        # DNS rebinding: a site's name pointed at this address is not this machine's name
        rebound = f"evil.example:{served.port}"
        assert websocket(url, f"http://{rebound}", host=rebound) == 403
    finally:
        stop(served)


@pytest.mark.parametrize(
    ("host", "shown"),
    [("0.0.0.0", "127.0.0.1"), ("0", "127.0.0.1"), ("", "127.0.0.1"), ("::", "::1")],
)
def test_an_every_address_bind_links_to_a_loopback_address_of_its_family(
    host: str, shown: str
) -> None:
    """``--host ::`` listens on IPv6 only: its link to 127.0.0.1 did not connect. With
    ``--host 0`` the link was ``http://0:PORT``, whose websocket the origin check refused."""
    from flowtop.commands.serve import link_host

    if ":" in shown and not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    assert link_host(host, 8000) == shown
    assert link_host("localhost", 8000) == "localhost"  # a name given is kept


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    return fork_cli.run(
        ["serve", *args],
        timeout=30,
    )


def test_serve_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    done = run_serve(str(tmp_path / "nope"))
    assert done.returncode == 2 and "no such file or folder" in done.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--port", "99999"], "argument --port: must be a port number 1-65535, got 99999"),
        (["--port", "http"], "argument --port: must be a port number 1-65535, got 'http'"),
        (["--host", "no-such-host.invalid"], "--host 'no-such-host.invalid': not an address"),
        (["--public-url", "flows.example.org"], "argument --public-url: must be an http://"),
    ],
)
def test_odd_serve_values_are_one_line_and_exit_2(
    tmp_path: Path, args: list[str], says: str
) -> None:
    done = run_serve(str(tmp_path), *args)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert says in done.stderr and "Traceback" not in done.stderr


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_serve(str(tmp_path), "--port", str(port))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"flowtop serve: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]


def test_the_access_log_never_writes_the_token(flows: Path) -> None:
    """Every request's line (`GET /?token=…`, `GET /ws/<token>`) went to stderr whole:
    a journal or a shared log file kept the key to the page for anyone to read."""
    served = serve(flows)
    try:
        assert get(served.link)[0] == 200
        assert get(f"http://127.0.0.1:{served.port}/?token=wrong")[0] == 403
    finally:
        served.proc.terminate()
        out, err = served.proc.communicate(timeout=10)
    logged = out + err  # textual-serve's log goes to its console: stdout
    assert "GET /?token=… " in logged, logged
    assert served.token not in logged


def test_a_loopback_bind_of_its_own_address_accepts_its_own_page() -> None:
    """`--host 127.0.0.2` printed a link whose page's websocket was refused (403): the
    origins listed were the usual loopback names, not the address bound."""
    from flowtop.commands.serve_access import allowed_origins

    origins = allowed_origins("127.0.0.2", 8745, None)
    assert origins == {"http://127.0.0.2:8745"}  # localhost reaches 127.0.0.1, not it
    assert allowed_origins("::1", 8000, None) == {"http://[::1]:8000", "http://localhost:8000"}
