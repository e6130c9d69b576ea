"""`flowtop serve` as explorer rv398 left it, against a hostile or careless client: any
local process ended a newly started server with 1,100 connections that never finished
their headers (it then said it "cannot listen", though it had listened); a closed pipe on
stdout ended it at the first request; a percent-encoded token reached the console whole;
``--public-url`` took a user:password and spaces; ``--host 127.1`` was warned of as not
loopback; closing its terminal (SIGHUP) cut its tabs off."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import unquote

import aiohttp  # textual-serve's own client library (the test extra installs it)
import pytest

import fork_cli
from flowtop.cli import main
from flowtop.commands import serve_server
from flowtop.commands.serve import check_bind, public_url
from flowtop.commands.serve_access import is_loopback
from flowtop.commands.serve_server import ConsoleSafe, GuardedServer
from test_serve import Served, free_port, serve, stop
from waits import until, wait_until

TOKEN = "ZRNYA4oMbgP1cybY2AxD_Z8-s59token"
ONE_FLOW = "from flowtop import flow\n\n\n@flow\ndef one():\n    pass\n"

#: A server on the port and token given, its limits set from the command line (where
#: this module has them): ``idle`` seconds without a request, ``cap`` connections
#: waiting for one (or stalled), ``stall`` seconds stalled; 256 files open at most.
#: ``hog`` on its stdin opens files until none can be; ``free`` lets them go (each said on stderr).
SERVER = """
import os, resource, sys, threading
resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
from flowtop.commands.serve_server import GuardedServer
port, token, idle, cap, stall = sys.argv[1:]
try:
    from flowtop.commands import serve_listen
except ImportError:  # (before the limits)
    pass
else:
    serve_listen.IDLE_TIMEOUT, serve_listen.MAX_WAITING = float(idle), int(cap)
    serve_listen.WRITE_STALL = float(stall)

def hog():
    held = []
    for line in sys.stdin:
        if line.strip() == "hog":
            try:
                while True:
                    held.append(os.open(os.devnull, os.O_RDONLY))
            except OSError:
                pass
            print("hogged", file=sys.stderr, flush=True)
        elif line.strip() == "free":
            for fd in held:
                os.close(fd)
            held.clear()
            print("freed", file=sys.stderr, flush=True)

threading.Thread(target=hog, daemon=True).start()
said = lambda: print("listening", file=sys.stderr, flush=True)
GuardedServer("true", host="127.0.0.1", port=int(port), token=token, public=None,
              listening=said).serve()
"""


class Lines:
    """A process's pipe, read line by line as it comes: read by its file descriptor,
    since a text stream's ``readline`` keeps what it read past the line, where ``select``
    does not see it."""

    def __init__(self, stream: IO[str] | None) -> None:
        assert stream is not None
        self.fd = stream.fileno()
        self.kept = b""

    def until(self, text: str, seconds: float = 30) -> str:
        """The first line to come that holds ``text`` (a guard of ``seconds``)."""
        deadline = time.monotonic() + seconds
        while True:
            while b"\n" in self.kept:
                line, self.kept = self.kept.split(b"\n", 1)
                if text in (shown := line.decode(errors="replace")):
                    return shown
            if time.monotonic() > deadline:
                pytest.fail(f"nothing said {text!r} within {seconds} s")
            if select.select([self.fd], [], [], 0.2)[0]:
                read = os.read(self.fd, 65536)
                assert read, f"the process ended before saying {text!r}"
                self.kept += read


@dataclass
class Limited:
    """A server of :data:`SERVER`: its process, port and what it says on stderr."""

    proc: subprocess.Popen[str]
    port: int
    said: Lines

    def tell(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{line}\n")
        self.proc.stdin.flush()


@contextlib.contextmanager
def limited_server(
    idle: float = 600.0, cap: int = 100_000, stall: float = 600.0
) -> Iterator[Limited]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port), TOKEN, str(idle), str(cap), str(stall)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = Limited(proc, port, Lines(proc.stderr))
    try:
        server.said.until("listening")
        yield server
    finally:
        proc.kill()
        proc.wait(10)
        for stream in (proc.stdin, proc.stderr):
            assert stream is not None
            with contextlib.suppress(OSError):
                stream.close()


def half_request(port: int) -> socket.socket:
    """A connection that sends the start of a request, never its end."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return connection


def closed_by_server(connection: socket.socket) -> bool:
    """Whether the server closed ``connection`` (it sent nothing else)."""
    if not select.select([connection], [], [], 0)[0]:
        return False
    try:
        return connection.recv(1024) == b""
    except OSError:  # reset
        return True


def status_of(port: int, path: str = "/?token=wrong") -> int:
    """The status a plain request to ``path`` gets (a guard of 20 s on the answer)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        return int(connection.recv(1024).split()[1])


def test_a_connection_that_sends_no_request_is_not_held_for_long() -> None:
    """One that never finished its headers was held 75 s (aiohttp's keep-alive)."""
    with limited_server(idle=0.5) as server:
        silent = half_request(server.port)
        with silent:
            wait_until(lambda: closed_by_server(silent), "the silent connection's end")


def test_past_the_cap_the_connection_waiting_longest_for_a_request_is_closed() -> None:
    """Connections without a request were not bounded: each held a file descriptor."""
    with limited_server(cap=4) as server:
        port = server.port
        flood = [half_request(port) for _ in range(10)]
        try:
            for silent in flood[:6]:  # the 10th accepted closes the 6th
                wait_until(lambda s=silent: closed_by_server(s), "the oldest ones' end")
            assert not any(map(closed_by_server, flood[6:]))
            assert status_of(port) == 403  # answered, the longest waiting let go
            wait_until(lambda: closed_by_server(flood[6]), "the longest waiting one's end")
        finally:
            for silent in flood:
                silent.close()


def test_out_of_file_descriptors_the_server_says_so_and_serves_on() -> None:
    """Rich imported what it draws with on its first line: with no file left to open, that
    import failed in the event loop's exception handler, and the server ended."""
    with limited_server() as server:
        server.tell("hog")
        server.said.until("hogged")
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as waiting:
            line = server.said.until("cannot take a connection now")
            assert "Too many open files" in line and "serving goes on" in line
            server.tell("free")
            server.said.until("freed")
            request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n"
            waiting.sendall(request.encode())
            assert waiting.recv(1024).startswith(b"HTTP/1.1 403")
        assert server.proc.poll() is None


def test_the_first_log_line_imports_nothing() -> None:
    """Rich imported ``rich.table`` (and more) to draw its first line, which failed once a
    flood of connections had taken every file descriptor."""
    code = (
        "import logging, sys\n"
        "from flowtop.commands.serve_server import GuardedServer\n"
        "GuardedServer('true', host='127.0.0.1', port=1, token='t', public=None)"
        ".initialize_logging()\n"
        "before = set(sys.modules)\n"
        "logging.getLogger('aiohttp.access').info('\"GET /?token=t HTTP/1.1\" 200 é 中')\n"
        "try:\n    raise OSError(24, 'Too many open files')\n"
        "except OSError:\n    logging.getLogger('asyncio').error('accept', exc_info=True)\n"
        "print(sorted(set(sys.modules) - before), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr


def test_an_error_once_listening_is_not_said_as_a_failure_to_listen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An EMFILE that escaped the loop was said as "cannot listen on …", exit 2: the
    link printed just before was listening."""

    def listens_then_fails(self: GuardedServer, debug: bool = False) -> None:
        self.listening()
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(serve_server.GuardedServer, "serve", listens_then_fails)
    (tmp_path / "one.py").write_text(ONE_FLOW)
    code = main(["serve", str(tmp_path), "--port", str(free_port())])
    err = capsys.readouterr().err
    assert "cannot listen" not in err, err
    assert "flowtop serve: stopped: Too many open files" in err
    assert code == 1


@pytest.mark.parametrize("stdout", ["closed pipe", "/dev/full"])
def test_stdout_that_cannot_be_written_stops_the_access_log_not_the_server(
    tmp_path: Path, stdout: str
) -> None:
    """A closed pipe ended the server at the first request (exit 1, not a word); a full
    disk printed a 58-line "Logging error" for each request."""
    if stdout == "/dev/full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    (tmp_path / "one.py").write_text(ONE_FLOW)
    port = free_port()
    if stdout == "closed pipe":
        reader, writer = os.pipe()
        os.close(reader)
    else:
        writer = os.open("/dev/full", os.O_WRONLY)
    try:
        server = fork_cli.popen(
            [sys.executable, "-m", "flowtop", "serve", str(tmp_path), "--port", str(port)],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(writer)
    said = Lines(server.stderr)
    try:
        token = said.until("token=").rsplit("token=", 1)[1].strip()
        for _ in range(3):
            assert status_of(port, f"/?token={token}") == 200
        assert server.poll() is None
    finally:
        server.terminate()
        _, rest = server.communicate(timeout=20)
    err = said.kept.decode(errors="replace") + rest
    assert server.returncode == 143, err  # stopped by SIGTERM
    assert err.count("cannot write to stdout") == 1, err
    assert "the access log stops here; serving goes on" in err
    assert "Logging error" not in err and "Traceback" not in err, err
    assert "Exception ignored" not in err, err


def record(message: str) -> logging.LogRecord:
    return logging.makeLogRecord({"msg": message, "levelno": logging.INFO})


def test_the_token_reaches_the_console_in_no_spelling() -> None:
    """``/?token=%5A%52…`` was taken as the token (aiohttp decodes it) and written whole."""
    upper = "".join(f"%{ord(c):02X}" for c in TOKEN)
    mixed = TOKEN[:5] + "".join(f"%{ord(c):02x}" for c in TOKEN[5:12]) + TOKEN[12:]
    lines = [
        f'127.0.0.1 "GET /?token={upper} HTTP/1.1" 200 4703',
        f'127.0.0.1 "GET /?fontsize=12&%74oken={mixed} HTTP/1.1" 200 4703',
        f'127.0.0.1 "GET /ws/{upper}?width=80 HTTP/1.1" 400 281',
        f'127.0.0.1 "GET /?token={TOKEN[:-1]} HTTP/1.1" 403 12',  # cut short: most of it
        f"a traceback's <Request GET /ws/{mixed} >",
    ]
    safe = ConsoleSafe(TOKEN)
    for line in lines:
        logged = record(line)
        assert safe.filter(logged)
        shown = logged.getMessage()
        assert TOKEN[:-1] not in unquote(shown), shown
        assert "…" in shown
    kept = record('"GET /?fontsize=12&tokens=2 HTTP/1.1" 200 /home/me/ws/flows')
    safe.filter(kept)
    assert kept.getMessage() == '"GET /?fontsize=12&tokens=2 HTTP/1.1" 200 /home/me/ws/flows'


@pytest.mark.parametrize(
    "given",
    [
        "http://user:secret@localhost:9105",
        "https://user@example.org/flowtop",
        "http://localhost:9105/a b",
        "http://localhost:9105/a\tb",
    ],
)
def test_a_public_url_with_a_password_or_a_space_is_refused(given: str) -> None:
    """The first was printed in the link, the password with it; the last led a terminal
    to link the part before the space, and the page's links held it."""
    with pytest.raises(argparse.ArgumentTypeError, match="must be an http") as refused:
        public_url(given)
    assert "secret" not in str(refused.value)


def flowtop_serve(folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """``flowtop serve folder options…`` that is expected to end at once."""
    return fork_cli.run(
        ["serve", str(folder), *options],
        timeout=60,
    )


def test_a_public_url_with_a_password_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = flowtop_serve(
        tmp_path, "--port", str(free_port()), "--public-url", "http://user:secret@localhost:9105"
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "user or password" in done.stderr and "secret" not in done.stderr


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.1", True),
        ("2130706433", True),
        ("0x7f000001", True),
        ("127.0.0.2", True),
        ("::ffff:127.0.0.1", True),
        ("[::ffff:127.0.0.1]", True),
        ("0.0.0.0", False),
        ("1.1", False),
        ("::ffff:10.0.0.1", False),
        ("example.org", False),
    ],
)
def test_a_loopback_address_is_loopback_however_written(host: str, loopback: bool) -> None:
    """``127.1`` (which binds 127.0.0.1) and ``::ffff:127.0.0.1`` were warned of as
    listening "not only on this machine"."""
    assert is_loopback(host) is loopback


def test_serving_on_127_1_warns_of_nothing(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text(ONE_FLOW)
    served = serve(tmp_path, "--host", "127.1")
    try:
        assert "warning" not in served.banner, served.banner
    finally:
        stop(served)


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6 here")
def test_an_ipv4_mapped_host_is_refused_in_one_line_without_a_warning(tmp_path: Path) -> None:
    """It was warned of, and then failed to bind ("invalid argument"): asyncio listens on
    IPv6 only."""
    port = free_port()
    why = check_bind("::ffff:127.0.0.1", port)
    assert why is not None and "--host 127.0.0.1" in why
    done = flowtop_serve(tmp_path, "--port", str(port), "--host", "::ffff:127.0.0.1")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"flowtop serve: {why}"], done.stderr


async def first_screen_then_close(served: Served, stopping: signal.Signals) -> aiohttp.WSMessage:
    """Open a tab, wait for its app's first screen, send ``stopping`` to the server, and
    return how the tab was closed."""
    url = f"http://127.0.0.1:{served.port}/ws/{served.token}?width=100&height=30"
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url, headers={"Origin": url.split("/ws/")[0]}) as websocket,
    ):
        drawn = await asyncio.wait_for(websocket.receive(), 60)
        assert drawn.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), drawn
        served.proc.send_signal(stopping)
        while True:
            message = await asyncio.wait_for(websocket.receive(), 30)
            if message.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                await until(lambda: served.proc.poll() is not None, "serve's end", 20)
                return message


def test_sighup_stops_the_server_as_sigterm_does(tmp_path: Path) -> None:
    """Closing the terminal killed the server: its tabs got a 1006, not the clean close
    that says "flowtop serve stopped"."""
    (tmp_path / "one.py").write_text(ONE_FLOW)
    served = serve(tmp_path)
    try:
        message = asyncio.run(first_screen_then_close(served, signal.SIGHUP))
    finally:
        stop(served)
    assert message.type == aiohttp.WSMsgType.CLOSE, message
    assert (message.data, message.extra) == (
        aiohttp.WSCloseCode.GOING_AWAY,
        "flowtop serve stopped",
    )
    assert served.proc.returncode == 129  # stopped by SIGHUP
