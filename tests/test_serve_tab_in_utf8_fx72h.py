"""A `flowtop serve` tab draws in UTF-8 whatever the server's locale: a browser tab shows
UTF-8 always. Under a locale without Unicode (``LC_ALL=C`` with ``PYTHONUTF8=0``) the
server started, and every tab closed at once with "the monitor draws with Unicode, and
this terminal's encoding is ascii"."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp  # textual-serve's own client library (the test extra installs it)
import pytest

from test_serve import Served, serve, stop

ONE_FLOW = "from flowtop import flow\n\n\n@flow\ndef utf8tab():\n    pass\n"


async def drawn_until(server: Served, text: bytes) -> bytes:
    """What the tab drew until ``text`` showed; fails when the tab closed first."""
    url = f"http://127.0.0.1:{server.port}/ws/{server.token}?width=100&height=30"
    origin = {"Origin": f"http://127.0.0.1:{server.port}"}
    drawn = b""
    async with aiohttp.ClientSession() as session, session.ws_connect(url, headers=origin) as ws:
        while text not in drawn:
            message = await asyncio.wait_for(ws.receive(), 60)
            if message.type == aiohttp.WSMsgType.BINARY:
                drawn += message.data
            elif message.type == aiohttp.WSMsgType.TEXT:
                drawn += message.data.encode()
            else:
                pytest.fail(f"the tab closed: {message}")
    return drawn


def test_a_tab_draws_under_a_locale_without_unicode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "one.py").write_text(ONE_FLOW, encoding="utf-8")
    monkeypatch.setenv("LC_ALL", "C")
    monkeypatch.setenv("PYTHONUTF8", "0")
    monkeypatch.delenv("PYTHONIOENCODING", raising=False)
    server = serve(tmp_path)
    try:
        drawn = asyncio.run(drawn_until(server, b"utf8tab"))
    finally:
        stop(server)
    assert "▕".encode() in drawn  # drawn in UTF-8
