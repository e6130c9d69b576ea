"""``flowtop serve`` under the odd clients an explorer tried: a plain GET of the websocket
address, a page reached through an SSH tunnel, a tab whose app cannot start, a big tab that
reads nothing and closes; and what a run started from a tab inherits."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import aiohttp  # textual-serve's own client library (the test extra installs it)
import pytest

from flowtop import cli
from flowtop.commands.serve_access import origin_refusal
from flowtop.commands.serve_server import TabState, end_process
from flowtop.printable import NOTICE_MARK
from flowtop.workspace.launcher import run_environment
from test_serve import Served, free_port, serve

ONE_FLOW = "from flowtop import flow\n\n\n@flow\ndef one():\n    pass\n"


def served_output(served: Served) -> str:
    """Everything the server wrote (textual-serve's log goes to stdout, ours to stderr)."""
    served.proc.terminate()
    out, err = served.proc.communicate(timeout=15)
    return out + err


def plain_get(port: int, path: str) -> tuple[int, str]:
    """A GET without ``Upgrade`` (curl, or a proxy that drops it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


async def send_malformed_messages(url: str, token: str) -> None:
    """Messages textual-serve's loop failed on (``["stdin"]`` has no data; the tab's own
    address is no JSON): an exception logged with a traceback, whose frames held the
    request and its URL, and the tab closed. Now each is left out, and a ``ping`` after
    them is answered."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url, headers={"Origin": url.split("/ws/")[0]}) as ws,
    ):
        await ws.send_str('["stdin"]')
        await ws.send_str(f"GET /ws/{token}")
        await ws.send_str('["ping", "still there"]')
        while True:  # past the app's screen (and anything else it sends) to the pong
            message = await ws.receive(timeout=15)
            assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), message
            if message.type == aiohttp.WSMsgType.TEXT and message.json()[0] == "pong":
                break
        assert message.json() == ["pong", "still there"]


async def refused_status(url: str, origin: str) -> int:
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, headers={"Origin": origin}):
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return int(exc.status)


def test_the_console_never_shows_the_token_and_a_plain_get_is_a_400(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`curl http://127.0.0.1:PORT/ws/TOKEN` (no Upgrade) got a dropped connection, and
    the console a Rich traceback with every frame's locals: the request URL, the token in
    it, 13 times. A tunnel's page was refused with nothing said on the console. A message
    the page never sends (once a traceback, its frames holding the token) is one line
    without it."""
    (tmp_path / "one.py").write_text(ONE_FLOW)
    monkeypatch.setenv("COLUMNS", "400")  # Rich would wrap (and so split) a long token
    served = serve(tmp_path)
    try:
        status, text = plain_get(served.port, f"/ws/{served.token}")
        assert status == 400 and "takes a websocket" in text
        with urllib.request.urlopen(served.link, timeout=10) as page:
            assert page.headers["Cache-Control"] == "no-store"  # the token's page
        url = f"http://127.0.0.1:{served.port}/ws/{served.token}?width=80&height=24"
        asyncio.run(send_malformed_messages(url, served.token))
        tunnel = "http://localhost:9105"  # ssh -L 9105:127.0.0.1:PORT
        assert asyncio.run(refused_status(url, tunnel)) == 403
    finally:
        logged = served_output(served)
    assert "a stdin message without its text" in logged, logged  # a line, no traceback
    assert "a message that is not JSON (GET /ws/…)" in logged, logged
    assert "Traceback" not in logged, logged
    assert served.token not in logged, logged
    assert "locals" not in logged, logged
    assert f"--public-url {tunnel}" in logged, logged


def test_a_page_behind_a_tunnel_to_another_port_is_told_to_use_public_url() -> None:
    accepted = {"http://localhost:8105", "http://127.0.0.1:8105"}
    why = origin_refusal("http://localhost:9105", "127.0.0.1:8105", accepted)
    assert "--public-url http://localhost:9105" in why and "\n" not in why
    other = origin_refusal("https://evil.example", "127.0.0.1:8105", accepted)
    assert "--public-url" in other and "tunnel" not in other  # no address to suggest
    odd = origin_refusal("http://evil.example\x1b[2J:8105", "127.0.0.1:8105", accepted)
    assert "\x1b" not in odd


def test_a_tab_whose_app_cannot_start_is_closed_saying_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workspace moved away after `flowtop serve` started: the tab stayed blank for
    ever, and the app's stderr was printed twice on the console."""
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "one.py").write_text(ONE_FLOW)
    monkeypatch.setenv("COLUMNS", "400")
    served = serve(folder)
    try:
        shutil.rmtree(folder)

        async def first_message() -> aiohttp.WSMessage:
            url = f"http://127.0.0.1:{served.port}/ws/{served.token}?width=80&height=24"
            async with (
                aiohttp.ClientSession() as session,
                session.ws_connect(url, headers={"Origin": url.split("/ws/")[0]}) as ws,
            ):
                return await ws.receive(timeout=20)

        # (the tab stayed open: without a bound, closing it waited for ever)
        message = asyncio.run(asyncio.wait_for(first_message(), 30))
    finally:
        logged = served_output(served)
    assert message.type == aiohttp.WSMsgType.CLOSE, message
    assert message.data == aiohttp.WSCloseCode.INTERNAL_ERROR
    assert "could not start" in message.extra and "no such file or folder" in message.extra
    assert logged.count("no such file or folder") == 1, logged
    assert "ended before it started" in logged, logged


def test_the_ending_of_a_tab_fits_a_close_frame() -> None:
    said = "Traceback (most recent call last):\n  ...\nValueError: " + "é" * 200 + "!\n"
    ending = TabState(said=said).ending()
    assert ending.startswith("flowtop could not start: …é") and ending.endswith("é!")
    assert len(ending.encode()) <= 123  # a websocket close frame's reason
    moved = TabState(said="flowtop: /a/b: no such file or folder\n").ending()
    assert moved == "flowtop could not start: /a/b: no such file or folder"
    named = TabState(said="flowtop open: /a/b: no such file or folder\n").ending()
    assert named == moved  # a line naming the app's command is not said twice either
    assert TabState(ready=True).ending() == "the app ended"


class Stuck:
    """An app process blocked in a write: it ends only when killed."""

    pid = 4242

    def __init__(self, *, quits: bool) -> None:
        self.quits = quits
        self.killed = False
        self.returncode: int | None = None
        self._gone = asyncio.Event()

    async def wait(self) -> int:
        if self.quits:
            self.returncode = 0
        else:
            await self._gone.wait()
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        self.killed, self.returncode = True, -signal.SIGKILL
        self._gone.set()


def test_an_app_still_there_after_its_tab_closed_is_killed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stuck, quits = Stuck(quits=False), Stuck(quits=True)
    assert asyncio.run(end_process(stuck, 0.05)) is True
    assert (
        stuck.killed and "(pid 4242) did not quit within 0.05 s: killed" in capsys.readouterr().err
    )
    assert asyncio.run(end_process(quits, 0.05)) is False
    assert not quits.killed and capsys.readouterr().err == ""


#: An app that floods its output and starts a run (in a session of its own, as
#: ``launcher.launch`` does). ``deaf``: it never reads its input, so only a kill ends it;
#: ``quits``: it reads ``quit`` between two writes, as a Textual app does. A 64 KiB frame
#: at most every 1/60 s, as Textual draws under textual-serve (``TEXTUAL_FPS``): written
#: back to back, the frames the server drains for ``QUIT_GRACE`` cost 2.5 s of CPU.
FAKE_APP = """
    import os, select, subprocess, sys
    folder = sys.argv[1]
    mode = open(os.path.join(folder, "mode")).read()
    run = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    with open(os.path.join(folder, "pids.tmp"), "w") as pids:
        pids.write(f"{os.getpid()} {run.pid}")
    os.rename(os.path.join(folder, "pids.tmp"), os.path.join(folder, "pids"))
    out = sys.stdout.buffer
    out.write(b"__GANGLION__\\n")
    screen = b"x" * 65536
    packet = b"D" + len(screen).to_bytes(4, "big") + screen
    asked = b""
    while True:
        out.write(packet)
        out.flush()  # blocks while nobody reads
        if select.select([0] if mode == "quits" else [], [], [], 1 / 60)[0]:
            asked += os.read(0, 65536)
            if b'"quit"' in asked:
                sys.exit(0)
"""

#: Seconds the server below gives an app to quit (``QUIT_GRACE``, 2 s): the deaf app is
#: killed after them, the other quits within a few frames (1/60 s each).
GRACE = 0.5

SERVER = f"""
import sys
from flowtop.printable import NOTICE_MARK
from flowtop.commands import serve_server
from flowtop.commands.serve_server import GuardedServer
serve_server.QUIT_GRACE = {GRACE}
command, port, token = sys.argv[1:]
GuardedServer(command, host="127.0.0.1", port=int(port), token=token, public=None).serve()
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def open_and_abandon(port: int, token: str, folder: Path) -> tuple[int, int]:
    """A 1000x300 tab that reads nothing while its app floods it, then closes cleanly
    (a close frame, then gone). Returns the app's pid and its run's."""
    pids = folder / "pids"
    pids.unlink(missing_ok=True)
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    client.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    client.sendall(
        f"GET /ws/{token}?width=1000&height=300 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Origin: http://127.0.0.1:{port}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    deadline = time.monotonic() + 10
    while not pids.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the server's writes to the tab are paused by now
    mask = os.urandom(4)
    code = (1001).to_bytes(2, "big")
    client.sendall(
        bytes([0x88, 0x80 | 2]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(code))
    )
    time.sleep(0.1)
    client.close()
    app, run = (int(pid) for pid in pids.read_text().split())
    return app, run


def test_an_app_whose_tab_stopped_reading_and_closed_ends(tmp_path: Path) -> None:
    """A big tab that read nothing, then closed, left its `flowtop open` blocked writing
    its output (`anon_pipe_write`) until the server stopped, SIGTERM or not: nothing read
    its output any more. Now its output is read to the end, and an app that does not
    quit is killed; the runs it started go on."""
    (tmp_path / "app.py").write_text(textwrap.dedent(FAKE_APP))
    port, token = free_port(), "t" * 32
    command = f"exec {sys.executable} {tmp_path / 'app.py'} {tmp_path}"
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, command, str(port), token],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    runs: list[int] = []
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
        for mode in ("quits", "deaf"):
            (tmp_path / "mode").write_text(mode)
            app, run = open_and_abandon(port, token, tmp_path)
            runs.append(run)
            deadline = time.monotonic() + GRACE + 5
            while alive(app) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not alive(app), f"{mode}: the app is still there after its tab closed"
            assert alive(run), f"{mode}: the app's run was killed with it"
    finally:
        server.terminate()
        _, err = server.communicate(timeout=15)
        for run in runs:
            with contextlib.suppress(ProcessLookupError):
                os.kill(run, signal.SIGKILL)
    assert err.count("did not quit within") == 1, err  # the deaf one; the other quit


def test_serve_help_says_the_link_is_a_password(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "can start runs" in text and "the password" in text and "--public-url" in text


def test_a_run_started_from_a_browser_tab_does_not_inherit_textual_serve_s_variables() -> None:
    """A run started from a tab got TEXTUAL_DRIVER (a Textual app a task started took the
    web driver) and COLUMNS (its tasks' Rich output wrapped at the tab's width)."""
    served = {
        "PATH": "/usr/bin",
        "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver",
        "TEXTUAL_FPS": "60",
        "TEXTUAL_COLOR_SYSTEM": "truecolor",
        "TERM_PROGRAM": "textual",
        "TERM_PROGRAM_VERSION": "1.1.3",
        "COLUMNS": "173",
        "ROWS": "41",
    }
    assert run_environment(served, "ab12") == {"PATH": "/usr/bin", NOTICE_MARK: "ab12"}
    terminal = {"PATH": "/usr/bin", "COLUMNS": "120", "TERM_PROGRAM": "iTerm.app"}
    assert run_environment(terminal, "ab12") == {**terminal, NOTICE_MARK: "ab12"}


def test_the_loader_of_a_browser_tab_does_not_inherit_textual_serve_s_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flow file's import-time code runs in the loader (and the flow host): it saw the
    tab's ``COLUMNS`` and the web driver as a run's tasks used to."""
    from flowtop.workspace.remote_workspace import RemoteWorkspace

    (tmp_path / "seen.py").write_text(
        "import os\nfrom pathlib import Path\nfrom flowtop import Flow, task\n"
        "Path(__file__).with_name('env').write_text(repr((os.environ.get('TEXTUAL_DRIVER'),"
        " os.environ.get('COLUMNS'))))\n"
        "with Flow('seen') as flow:\n    task(print, name='p')('hi')\n"
    )
    monkeypatch.setenv("TEXTUAL_DRIVER", "textual.drivers.web_driver:WebDriver")
    monkeypatch.setenv("COLUMNS", "173")
    workspace = RemoteWorkspace(tmp_path)  # as the monitor a tab shows loads it
    try:
        assert set(workspace.load().flows) == {"seen"}, workspace.errors
    finally:
        workspace.close()
    assert (tmp_path / "env").read_text() == "(None, None)"
