"""`flowtop serve` as an explorer drove it with curl and a websocket client: a tab asking
for a size that cannot be drawn, the palette's Screenshot opened in a tab of its own, and
a page reached through an SSH tunnel to another port.

Each test runs the server in this process (aiohttp's ``TestServer``) with a stand-in for
the tab's app (:data:`TAB_APP`, a few lines of Python speaking textual-serve's packets):
no ``flowtop open`` is started, and each test takes a fraction of a second.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp  # textual-serve's own client library (the test extra installs it)
import pytest
from aiohttp.test_utils import TestServer

from flowtop.commands.serve_access import page_refusal
from flowtop.commands.serve_server import MAX_COLUMNS, GuardedServer, TabService

TOKEN = "t0k3n-of-the-explored-server"

#: A tab's app: says it is a Textual app, sends the size it was started at (a ``D``
#: packet), offers two files for download (``shot``, fetched by the test while the tab
#: is open, and ``later``, after it closed), sends back each size a ``resize`` gives it,
#: answers chunk requests, and quits on ``quit``, as a Textual app under textual-serve.
TAB_APP = """
import json, os, sys
from textual_serve._binary_encode import dump

out = sys.stdout.buffer


def send(kind, payload):
    out.write(kind + len(payload).to_bytes(4, "big") + payload)
    out.flush()


out.write(b"__GANGLION__\\n")
send(b"D", json.dumps([os.environ["COLUMNS"], os.environ["ROWS"]]).encode())
for key in ("shot", "later"):
    offer = {"type": "deliver_file_start", "key": key, "path": f"/x/{key}.svg",
             "open_method": "browser", "mime_type": "image/svg+xml", "encoding": "utf-8"}
    send(b"M", json.dumps(offer).encode())
left = {"shot": [b"<svg/>"], "later": [b"<svg/>"]}
stdin = sys.stdin.buffer
while kind := stdin.read(1):
    meta = stdin.read(int.from_bytes(stdin.read(4), "big"))
    if kind != b"M":
        continue
    meta = json.loads(meta)
    if meta["type"] == "quit":
        break
    if meta["type"] == "resize":
        send(b"D", json.dumps([meta["width"], meta["height"]]).encode())
    if meta["type"] == "deliver_chunk_request":
        chunks = left[meta["key"]]
        send(b"P", dump(["deliver_chunk", meta["key"], chunks.pop() if chunks else b""]))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def serving(tmp_path: Path, host: str = "127.0.0.1") -> AsyncIterator[GuardedServer]:
    """A ``GuardedServer`` configured as bound to ``host``, listening on 127.0.0.1 (at the
    port it is configured with: its own origins name it), whose tabs run :data:`TAB_APP`."""
    app = tmp_path / "tab_app.py"
    app.write_text(TAB_APP)
    port = free_port()
    server = GuardedServer(
        f"exec {sys.executable} {app}", host=host, port=port, token=TOKEN, public=None
    )
    listening = TestServer(await server._make_app(), host="127.0.0.1", port=port)
    await listening.start_server()
    try:
        yield server
    finally:
        await listening.close()


async def next_data(tab: aiohttp.ClientWebSocketResponse) -> list[object]:
    """The next ``D`` packet the tab's app sent (a JSON list), skipping text messages."""
    while True:
        message = await tab.receive(timeout=10)
        if message.type == aiohttp.WSMsgType.BINARY:
            return list(json.loads(message.data))
        assert message.type == aiohttp.WSMsgType.TEXT, message


async def resized(tab: aiohttp.ClientWebSocketResponse, width: object, height: object) -> None:
    await tab.send_str(json.dumps(["resize", {"width": width, "height": height}]))


def test_a_tab_is_drawn_at_a_size_that_can_be_drawn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``?width=-5&height=-5`` (or a ``resize`` to it) crashed the tab's app, its Rich
    traceback with every frame's variables on the server's console, and the page said
    "Session ended."; 20000 x 5000 had the app take 700 MB and more, drawing for good."""

    async def scenario() -> None:
        async with serving(tmp_path) as server, aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{server.port}/ws/{TOKEN}?width=-5&height=-5"
            async with session.ws_connect(url, headers={"Origin": url.split("/ws/")[0]}) as tab:
                assert await next_data(tab) == ["1", "1"]  # its COLUMNS and ROWS
                await resized(tab, 20_000, -3)
                assert await next_data(tab) == [MAX_COLUMNS, 1]
                await resized(tab, "80", None)  # no size: left out, not passed on
                await resized(tab, True, 30)
                await resized(tab, 100, 30)
                assert await next_data(tab) == [100, 30]

    asyncio.run(scenario())
    said = capsys.readouterr().err
    assert "a browser tab asked for a size that is no size ('80' x None): left out" in said


def test_a_download_is_sandboxed_and_one_whose_tab_closed_says_so(tmp_path: Path) -> None:
    """The palette's Screenshot opens in a tab of its own, an SVG on this server's origin:
    it ran as any page of the origin could (no policy), and asked cdnjs.cloudflare.com
    for its font each time it was opened. Fetched after its tab closed, it was a 200 with
    nothing in it (a blank image); an unknown one said only "not found"."""

    async def scenario() -> None:
        async with serving(tmp_path) as server, aiohttp.ClientSession() as session:
            base = f"http://127.0.0.1:{server.port}"
            async with session.ws_connect(f"{base}/ws/{TOKEN}", headers={"Origin": base}) as tab:
                offered = []
                while len(offered) < 2:
                    message = await tab.receive(timeout=10)
                    if message.type == aiohttp.WSMsgType.TEXT:
                        offered.append(json.loads(message.data))
                assert offered == [["deliver_file_start", "shot"], ["deliver_file_start", "later"]]
                async with session.get(f"{base}/download/shot") as shot:
                    assert (shot.status, await shot.read()) == (200, b"<svg/>")
                    assert shot.headers["Content-Security-Policy"].startswith("sandbox;")
                    assert "font-src" not in shot.headers["Content-Security-Policy"]
                    assert shot.headers["X-Content-Type-Options"] == "nosniff"
            later = await server.download_manager.get_download_metadata("later")
            deadline = time.monotonic() + 10
            while not (isinstance(later.app_service, TabService) and later.app_service.closed):
                assert time.monotonic() < deadline, "the tab was not closed"
                await asyncio.sleep(0.01)
            async with session.get(f"{base}/download/later") as gone:
                assert gone.status == 410
                assert "the tab that saved this file is closed" in await gone.text()
                assert gone.headers["Content-Security-Policy"].startswith("sandbox;")
            async with session.get(f"{base}/download/shot") as again:  # sent once
                assert again.status == 404 and "save it again" in await again.text()

    asyncio.run(scenario())


def test_a_page_its_websocket_would_be_refused_from_says_why_in_the_browser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through ``ssh -L 9105:127.0.0.1:PORT`` the page loaded, its websocket was refused,
    and the browser said only "Session ended." (why was on the server's console)."""

    async def page(port: int, host_header: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/?token={TOKEN}"
            async with session.get(url, headers={"Host": host_header}) as response:
                return response.status, await response.text()

    async def scenario() -> None:
        async with serving(tmp_path) as server:
            status, text = await page(server.port, "localhost:9105")
            assert status == 403 and "--public-url http://localhost:9105" in text, text
            for own in (f"127.0.0.1:{server.port}", f"localhost:{server.port}"):
                assert (await page(server.port, own))[0] == 200
        async with serving(tmp_path, host="0.0.0.0") as server:  # bound: 127.0.0.1 all the same
            status, text = await page(server.port, f"rebound.example:{server.port}")
            assert status == 403 and "rebound.example" in text, text
            assert (await page(server.port, f"127.0.0.1:{server.port}"))[0] == 200

    asyncio.run(scenario())
    said = capsys.readouterr().err
    assert "this page was opened at http://localhost:9105" in said  # the console too
    assert "\x1b" not in page_refusal("", "evil\x1b[2J:80")
