"""`flowtop serve` as testers found it: behind a proxy under a path the palette's
Screenshot opened at the proxy's root (404); ``--host vm`` (``/etc/hosts``: 127.0.0.1)
warned of listening "not only on this machine"; a ``Host`` with a path put every link of
the page under it, one missing pointed them at port 80, and an IPv6 address was taken
on a server listening on IPv4 only; aiohttp's own 400 echoed the request's bytes and was
not marked ``nosniff``; an old link after a restart got the words for no token at all;
``?fontsize=`` went into the page as it came.

Most run the server in this process (aiohttp's ``TestServer``); the 400 aiohttp sends
itself needs the real command's listener (``flowtop serve`` in a process of its own).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import textual_serve
from aiohttp.test_utils import TestServer

from flowtop.commands import serve_access
from flowtop.commands.serve_access import allowed_origins, host_refusal, is_loopback
from flowtop.commands.serve_server import GuardedServer
from test_serve import Served, serve, stop

TOKEN = "t0k3n-of-fx72d"
PUBLIC = "https://example.org/flowtop"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def serving(host: str = "127.0.0.1", public: str | None = None) -> AsyncIterator[int]:
    """A ``GuardedServer`` configured as bound to ``host`` (and ``--public-url public``),
    listening on 127.0.0.1 at the port it is configured with; yields that port."""
    port = free_port()
    server = GuardedServer("true", host=host, port=port, token=TOKEN, public=public)
    listening = TestServer(await server._make_app(), host="127.0.0.1", port=port)
    await listening.start_server()
    try:
        yield port
    finally:
        await listening.close()


def raw(port: int, request: str) -> tuple[str, str]:
    """The head and the body of the answer to ``request``, sent as it is."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
        connection.sendall(request.encode("latin-1"))
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.decode(errors="replace").partition("\r\n\r\n")
    return head, body


async def get(port: int, path: str, host: str | None) -> tuple[str, str]:
    """``GET path`` with ``Host: host`` (none when None: HTTP/1.0), from a thread: the
    server answers on this one's loop."""
    if host is None:
        request = f"GET {path} HTTP/1.0\r\n\r\n"
    else:
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    return await asyncio.to_thread(raw, port, request)


def status(head: str) -> int:
    return int(head.split(" ", 2)[1])


# 1. the Screenshot behind a proxy under a path


async def test_a_download_behind_a_proxy_keeps_its_path() -> None:
    """textual.js opens ``${window.location.origin}/download/KEY``: the page points it at
    ``--public-url``'s path; without a path the page is left as it was."""
    textual_js = Path(textual_serve.__file__).parent / "static" / "js" / "textual.js"
    assert "${window.location.origin}/download/" in textual_js.read_text()  # what is pointed
    async with serving(public=PUBLIC) as port:
        head, page = await get(port, f"/?token={TOKEN}", "example.org")
    assert status(head) == 200, head + page
    assert '"https://example.org/flowtop/download/"' in page, page[:600]
    found = re.search(r"<script>\s*(\(function \(\) \{.*?)</script>", page, re.DOTALL)
    assert found is not None, page[:600]
    async with serving() as port:
        head, page = await get(port, f"/?token={TOKEN}", f"127.0.0.1:{port}")
    assert status(head) == 200 and "window.open" not in page
    if shutil.which("node") is None:
        pytest.skip("no node here to run the page's script")
    harness = (
        "const vm = require('vm'); const opened = [];\n"
        "const window = {location: {origin: 'https://example.org'},\n"
        "  open: function (url, target) { opened.push([url, target]); return null; }};\n"
        f"vm.runInNewContext({json.dumps(found.group(1))}, {{window}});\n"
        "vm.runInNewContext('window.open(`${window.location.origin}/download/K?instance=I`,"
        ' "_blank"); window.open("https://other.example/x");\', {window});\n'
        "console.log(JSON.stringify(opened));\n"
    )
    done = subprocess.run(["node", "-e", harness], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        ["https://example.org/flowtop/download/K?instance=I", "_blank"],
        ["https://other.example/x", None],
    ]


# 2. a host name that resolves to loopback only


@pytest.fixture
def resolving(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """Names resolved as the test says (``{"vm": ["127.0.0.1"]}``); others as the OS does."""
    names: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> list[object]:
        if isinstance(host, str) and host in names:
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, 0, 0, 0) if ":" in a else (a, 0),
                )
                for a in names[host]
            ]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    serve_access.resolved.cache_clear()
    monkeypatch.setattr(serve_access.socket, "getaddrinfo", getaddrinfo)
    yield names
    serve_access.resolved.cache_clear()


def test_a_name_of_loopback_addresses_only_is_loopback(resolving: dict[str, list[str]]) -> None:
    resolving["vm-fx72d"] = ["127.0.0.1"]
    resolving["both-fx72d"] = ["127.0.1.1", "::1"]
    resolving["out-fx72d"] = ["127.0.0.1", "192.0.2.7"]
    assert is_loopback("vm-fx72d") and is_loopback("both-fx72d")
    assert not is_loopback("out-fx72d") and not is_loopback("nowhere-fx72d.invalid")
    # its page at the address it is bound on passes, as it did
    assert "http://127.0.0.1:8000" in allowed_origins("vm-fx72d", 8000, None)
    assert "http://vm-fx72d:8000" in allowed_origins("vm-fx72d", 8000, None)


def test_serve_on_a_name_of_loopback_does_not_warn(tmp_path: Path) -> None:
    """``flowtop serve --host NAME``, NAME resolving to 127.0.0.1 alone, in a process
    whose resolver says so."""
    (tmp_path / "one.py").write_text("from flowtop import flow\n\n\n@flow\ndef one():\n    pass\n")
    code = (
        "import socket, sys\n"
        "real = socket.getaddrinfo\n"
        "def getaddrinfo(host, *args, **kwargs):\n"
        "    return real('127.0.0.1' if host == 'vm-fx72d' else host, *args, **kwargs)\n"
        "socket.getaddrinfo = getaddrinfo\n"
        "from flowtop.cli import main\n"
        "sys.exit(main(['serve', sys.argv[1], '--host', 'vm-fx72d', '--port', sys.argv[2]]))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path), str(free_port())],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    said = ""
    try:
        while "token=" not in said:
            line = proc.stderr.readline()
            if not line:
                break
            said += line
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert "token=" in said, said
    assert "warning" not in said, said


# 3. the Host the page's links are built on


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:8000/evil",
        "127.0.0.1:8000?x",
        "a#b",
        "u@127.0.0.1",
        "a b",
        "a\\b",
        "[::1",
        "127.0.0.1:",
    ],
)
def test_a_host_that_is_not_host_and_port_is_refused(host: str) -> None:
    refusal = host_refusal(host, frozenset({4}), None)
    assert refusal is not None and refusal[0] == 400 and "host[:port]" in refusal[1], refusal
    assert host_refusal("127.0.0.1:99999", frozenset({4}), None) is not None
    for fine in ("127.0.0.1:8000", "localhost", "vm.:8000", "a<b>c:80", "[::1]:8000"):
        assert host_refusal(fine, frozenset({4, 6}), None) is None, fine


async def test_the_page_is_refused_at_a_host_with_a_path() -> None:
    async with serving() as port:
        head, body = await get(port, f"/?token={TOKEN}", f"127.0.0.1:{port}/evil")
        assert status(head) == 400 and "is not a host[:port]" in body, head + body
        assert "/evil/static" not in body
        head, body = await get(port, f"/ws/{TOKEN}", f"127.0.0.1:{port}/evil")
        assert status(head) == 400, head + body
        head, _ = await get(port, f"/?token={TOKEN}", f"127.0.0.1:{port}")
        assert status(head) == 200, head


async def test_a_request_without_a_host_is_refused_saying_so() -> None:
    """Served with links to port 80; on loopback, a 403 that suggested
    ``--public-url http://127.0.0.1``."""
    async with serving() as port:
        head, body = await get(port, f"/?token={TOKEN}", None)
    assert status(head) == 400, head + body
    assert "without a Host header" in body and "--public-url" not in body, body
    async with serving("0.0.0.0") as port:
        head, body = await get(port, f"/?token={TOKEN}", None)
    assert status(head) == 400 and "static" not in body, head + body


async def test_an_ipv6_host_on_a_server_listening_on_ipv4_only_is_refused() -> None:
    async with serving("0.0.0.0") as port:
        head, body = await get(port, f"/?token={TOKEN}", f"[::1]:{port}")
        assert status(head) == 403 and "listens on IPv4 only" in body, head + body
        head, _ = await get(port, f"/?token={TOKEN}", f"127.0.0.1:{port}")
        assert status(head) == 200, head
    # a tunnel at the --public-url's address passes it on as it is
    assert host_refusal("[::1]:9105", frozenset({4}), "http://[::1]:9105") is None
    assert host_refusal("127.0.0.1:8000", frozenset({6}), None) is not None


# 4. aiohttp's own 400


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("fx72d")
    (folder / "one.py").write_text("from flowtop import flow\n\n\n@flow\ndef one():\n    pass\n")
    server = serve(folder)
    yield server
    stop(server)


@pytest.mark.parametrize(
    "request_line", ["GARBAGE\x01 / HTTP/1.1", "GET /\x01secret HTTP/1.1", "GET / HTTP/9"]
)
def test_a_request_aiohttp_cannot_read_is_nosniff_and_not_echoed(
    served: Served, request_line: str
) -> None:
    head, body = raw(served.port, f"{request_line}\r\nHost: 127.0.0.1\r\n\r\n")
    assert status(head) == 400, head + body
    assert "x-content-type-options: nosniff" in head.lower(), head
    assert "GARBAGE" not in body and "secret" not in body and "HTTP/9" not in body, body
    assert body.startswith("flowtop serve: "), body


# 5. an old link after a restart


async def test_a_wrong_token_says_the_server_may_have_restarted() -> None:
    async with serving() as port:
        _, wrong = await get(port, "/?token=an-old-one", f"127.0.0.1:{port}")
        _, none = await get(port, "/", f"127.0.0.1:{port}")
        head, websocket = await get(port, "/ws/an-old-one", f"127.0.0.1:{port}")
    assert "may have restarted" in wrong and TOKEN not in wrong, wrong
    assert "restarted" not in none and "?token=" in none, none
    assert status(head) == 403 and "may have restarted" in websocket, websocket


# 6. ?fontsize=


@pytest.mark.parametrize(
    ("given", "drawn"),
    [
        ("12", "12"),
        ("-5", "6"),
        ("99", "72"),
        ("99999999999999999999", "72"),
        ("0", "6"),
        ("x", "16"),
        ("", "16"),
    ],
)
async def test_the_font_size_is_one_of_sane_sizes(given: str, drawn: str) -> None:
    async with serving() as port:
        head, page = await get(port, f"/?token={TOKEN}&fontsize={given}", f"127.0.0.1:{port}")
    assert status(head) == 200, head
    assert f'data-font-size="{drawn}"' in page, re.findall(r"data-font-size=\S+", page)
