"""`flowtop serve` given messages its page never sends: ``["stdin"]`` without its text,
text that is not JSON, ``["resize", {}]``, a JSON number, a message of megabytes. Each
one printed a traceback on the server's console and closed the tab; a browser extension
or a flaky proxy can garble what a page sends, and the user lost their tab for it. Now it
is left out, one line on the console saying what it was, and the tab goes on.

As in ``test_serve_explored_s55``, the server runs in this process (aiohttp's
``TestServer``) with a stand-in for the tab's app (:data:`ECHO_APP`), so that each test
takes a fraction of a second.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp  # textual-serve's own client library (the test extra installs it)
import pytest
from aiohttp.test_utils import TestServer

from flowtop.commands import serve_server
from flowtop.commands.serve_messages import MAX_MESSAGE, LeftOut, read_message
from flowtop.commands.serve_server import MAX_COLUMNS, GuardedServer
from test_serve import free_port

TOKEN = "s3cr3t-t0k3n-of-the-messages-server"

#: A tab's app that says it is a Textual app, then sends back each packet it is given as
#: a ``D`` packet: ``["D", text]`` for the browser's keys, ``["M", meta]`` for the rest
#: (a resize, focus, blur); it quits on ``quit``, as a Textual app under textual-serve.
ECHO_APP = """
import json, sys

out, stdin = sys.stdout.buffer, sys.stdin.buffer
out.write(b"__GANGLION__\\n")
out.flush()
while kind := stdin.read(1):
    payload = stdin.read(int.from_bytes(stdin.read(4), "big"))
    given = json.loads(payload) if kind == b"M" else payload.decode()
    if kind == b"M" and given["type"] == "quit":
        break
    echo = json.dumps([kind.decode(), given]).encode()
    out.write(b"D" + len(echo).to_bytes(4, "big") + echo)
    out.flush()
"""

#: What no page of textual-serve's sends, and why it is left out (in the console's line).
MALFORMED: list[tuple[str | bytes, str]] = [
    ('["stdin"]', "a stdin message without its text"),
    ('["stdin", 5]', "a stdin message without its text"),
    ('["stdin", "\\ud800"]', "a stdin message with a lone surrogate"),
    ("not json", "a message that is not JSON"),
    ("", "a message that is not JSON"),
    ("5", "a message that is not a list of its kind and data"),
    ("null", "a message that is not a list of its kind and data"),
    ("[]", "a message that is not a list of its kind and data"),
    ("[5]", "a message that is not a list of its kind and data"),
    ('{"stdin": "a"}', "a message that is not a list of its kind and data"),
    ('["resize", {}]', "a resize without both a width and a height"),
    ('["resize", {"width": "x"}]', "a resize without both a width and a height"),
    ('["resize", 3]', "a resize without both a width and a height"),
    ('["resize", {"width": "x", "height": 1}]', "a size that is no size ('x' x 1)"),
    ('["resize", {"width": 1.5, "height": NaN}]', "a size that is no size (1.5 x nan)"),
    ('["resize", {"width": 1' + "0" * 5000 + ', "height": 1}]', "a number too long to read"),
    ('["ping"]', "a ping without its data"),
    ('["paste", "a"]', "a message of an unknown kind"),
    ("[" * 100_000, "a message nested too deeply to read"),
    ('["stdin", "' + "x" * MAX_MESSAGE + '"]', f"characters (a tab takes up to {MAX_MESSAGE:,})"),
    (b"\x00\x01", "a binary message (2 bytes)"),
]


@asynccontextmanager
async def serving(tmp_path: Path) -> AsyncIterator[GuardedServer]:
    """A ``GuardedServer`` on 127.0.0.1 whose tabs run :data:`ECHO_APP`."""
    app = tmp_path / "echo_app.py"
    app.write_text(ECHO_APP)
    port = free_port()
    server = GuardedServer(
        f"exec {sys.executable} {app}", host="127.0.0.1", port=port, token=TOKEN, public=None
    )
    listening = TestServer(await server._make_app(), host="127.0.0.1", port=port)
    await listening.start_server()
    try:
        yield server
    finally:
        await listening.close()


async def next_message(tab: aiohttp.ClientWebSocketResponse) -> list[object]:
    """What the tab's app echoed next (a ``D`` packet), or the server's own text message
    (a ``pong``); failing when the tab closes instead."""
    message = await tab.receive(timeout=10)
    if message.type == aiohttp.WSMsgType.BINARY:
        return list(json.loads(message.data))
    assert message.type == aiohttp.WSMsgType.TEXT, f"the tab closed: {message}"
    return list(json.loads(message.data))


def test_each_malformed_message_is_left_out_and_the_tab_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    async def scenario() -> None:
        async with serving(tmp_path) as server, aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{server.port}/ws/{TOKEN}?width=80&height=24"
            async with session.ws_connect(url, headers={"Origin": url.split("/ws/")[0]}) as tab:
                for number, (malformed, _) in enumerate(MALFORMED):
                    if isinstance(malformed, bytes):
                        await tab.send_bytes(malformed)
                    else:
                        await tab.send_str(malformed)
                    await tab.send_str(json.dumps(["stdin", f"typed {number}"]))
                    assert await next_message(tab) == ["D", f"typed {number}"], malformed[:40]
                await tab.send_str(json.dumps(["resize", {"width": 99_999, "height": 30}]))
                resized = {"type": "resize", "width": MAX_COLUMNS, "height": 30}
                assert await next_message(tab) == ["M", resized]
                await tab.send_str('["focus"]')
                assert await next_message(tab) == ["M", {"type": "focus"}]
                await tab.send_str('["blur"]')
                assert await next_message(tab) == ["M", {"type": "blur"}]
                await tab.send_str('["ping", {"at": 1}]')
                assert await next_message(tab) == ["pong", {"at": 1}]

    asyncio.run(scenario())
    said = capsys.readouterr().err.splitlines()
    assert len(said) == len(MALFORMED), said  # one line each, nothing else
    for line, (_, why) in zip(said, MALFORMED, strict=True):
        assert why in line and line.endswith(": left out"), (why, line)
        assert len(line) < 300, line  # the message cut, not the megabytes
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_a_message_left_out_is_shown_on_one_printable_line_without_the_token() -> None:
    """A line on the console goes around its log filter, which writes the token as ``…``:
    a message holding it (a page's address pasted whole) must not show any of it."""
    for text in (
        f'["resize", {{"width": "{TOKEN}", "height": 1}}]',
        f"\x1b]0;owned\x07 GET /?token={TOKEN}\n\u202eline two",
        "x" * 70 + TOKEN,  # cut within the token: no part of it either
    ):
        read = read_message(text, TOKEN)
        assert isinstance(read, LeftOut), read
        assert TOKEN[:6] not in read.what, read.what
        assert not any(c in read.what for c in "\x1b\x07\n\u202e"), read.what
    cut = read_message("y" * 1000, TOKEN)
    assert isinstance(cut, LeftOut) and cut.what.endswith("y" * 80 + "…)"), cut


def test_a_message_over_what_a_tab_reads_closes_it_saying_so(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """aiohttp refuses a message over its bound at the frame's header, and cannot skip
    it: the tab closes (``1009``), now saying so on the console, without a traceback."""
    monkeypatch.setattr(serve_server, "READ_LIMIT", 1024)
    caplog.set_level(logging.DEBUG)

    async def scenario() -> aiohttp.WSMessage:
        async with serving(tmp_path) as server, aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{server.port}/ws/{TOKEN}"
            async with session.ws_connect(url, headers={"Origin": url.split("/ws/")[0]}) as tab:
                await tab.send_str(json.dumps(["stdin", "x" * 2048]))
                return await tab.receive(timeout=10)

    closed = asyncio.run(scenario())
    assert closed.type == aiohttp.WSMsgType.CLOSE, closed
    assert closed.data == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    said = capsys.readouterr().err
    assert "a browser tab's websocket could not read its message (" in said, said
    assert "exceeds limit 1024): tab closed" in said and said.count("\n") == 1, said
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
