"""A helper process that answers JSON requests over a socket: the loader's fork server and
the flow host are two.

The helper runs ``serve(fd, *args)`` of a module, in a session of its own (a Ctrl-C or a
hang-up of the terminal is not for it) with no terminal: what user code prints there
never reaches the screen. It ends when its socket closes, so a client that dies — even
of ``kill -9`` — leaves no helper behind. A helper that died or stopped answering is
started again on the next request.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

_HEADER = struct.Struct("!I")
#: Seconds between two looks, while a helper is silent, at whether it has exited.
EXIT_SEEN = 0.25

#: What textual-serve sets for the app it serves (``AppService._build_environment``), its
#: driver first. A run started from a browser tab inherited them (its tasks' Rich output
#: wrapped at the tab's width, a Textual app a task started took the web driver), and so
#: did the loader and the flow host, where the flow files' import-time code runs.
SERVED_DRIVER = ("TEXTUAL_DRIVER", "textual.drivers.web_driver:WebDriver")
SERVED_VARIABLES = (
    "TEXTUAL_FPS",
    "TEXTUAL_COLOR_SYSTEM",
    "TERM_PROGRAM",
    "TERM_PROGRAM_VERSION",
    "COLUMNS",
    "ROWS",
)


def unserved(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` for a process flowtop starts (a run, the loader, the flow host): without
    what textual-serve set when flowtop is an app it serves (a user's own ``COLUMNS``
    stays everywhere else; under textual-serve it was overwritten already)."""
    environment = dict(environ)
    name, web_driver = SERVED_DRIVER
    if environment.get(name) == web_driver:
        for served in (name, *SERVED_VARIABLES):
            environment.pop(served, None)
    return environment


def python_command(*args: str) -> list[str]:
    """This interpreter run with ``args``, without the folder it starts in on ``sys.path``
    (``-P``): ``python -m`` and ``-c`` put it first, so a package beside the user's
    shell imported in the monitor's runs and not under ``flowtop run`` (the console
    script adds no such folder), and a ``json.py`` there shadowed the standard library."""
    return [sys.executable, "-P", *args]


class HelperGone(Exception):
    """The helper died or did not answer in time (it is stopped; the next ask restarts it)."""


class HelperProcess:
    """One helper process, started on first use, asked one request at a time."""

    def __init__(
        self,
        module: str,
        args: Sequence[str] = (),
        cwd: str | None = None,
        heard: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.module = module
        #: Given each ``{"news": {...}}`` message the helper sends before its reply (the
        #: flow host's: ``flow_host_news``), on the asking thread; None: none is sent.
        self.heard = heard
        self.args = list(args)
        self.cwd = cwd
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: socket.socket | None = None
        #: How many processes were started: a client whose helper keeps state sees a
        #: replacement (its predecessor died between two requests) by this changing.
        self.starts = 0
        #: How many times ``close`` ran: a process whose start it overlapped is killed.
        self._closes = 0

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """The helper's reply; raises :class:`HelperGone` when it died or took longer than
        ``timeout`` seconds, news and all (it is then stopped: whatever it was doing is
        lost). News that is not as ``HostNews`` sends it (a flow file at import may write
        to the host's socket) is the helper gone wrong, as a reply that is not JSON is."""
        with self._lock:
            try:
                sock = self._connect()
                send(sock, request)
                end = time.monotonic() + timeout
                while True:
                    left = end - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    self._wait_readable(sock, left)
                    sock.settimeout(left)
                    message = receive(sock)
                    if self.heard is None or "news" not in message:
                        return message
                    self.heard(dict(message["news"]))
            except (OSError, EOFError, ValueError, TypeError, LookupError) as exc:
                self._stop()
                reason = "did not answer in time" if isinstance(exc, TimeoutError) else "died"
                raise HelperGone(reason) from None

    def _wait_readable(self, sock: socket.socket, seconds: float) -> None:
        """Until ``sock`` has something to read (a message, or its end), ``seconds`` at
        most. A helper that exited is gone at once even when a process it started (a flow
        file's, at import) still holds its end open: what it sent before is read first."""
        end = time.monotonic() + seconds
        process = self._process
        while not ready(sock, min(EXIT_SEEN, max(0.0, end - time.monotonic()))):
            if process is not None and process.poll() is not None:
                raise EOFError
            if time.monotonic() >= end:
                raise TimeoutError

    def _connect(self) -> socket.socket:
        if self._socket is not None and self._process is not None and self._process.poll() is None:
            return self._socket
        self._stop()
        self.starts += 1
        closes = self._closes
        ours, theirs = socket.socketpair()
        package_parent = str(Path(__file__).resolve().parent.parent.parent)
        env = unserved(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [package_parent, *filter(None, [env.get("PYTHONPATH")])]
        )
        code = (
            f"import sys; from {self.module} import serve; serve(int(sys.argv[1]), *sys.argv[2:])"
        )
        self._process = subprocess.Popen(
            # flowtop is on PYTHONPATH, which -P keeps
            python_command("-c", code, str(theirs.fileno()), *self.args),
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=self.cwd,
            start_new_session=True,
        )
        theirs.close()
        self._socket = ours
        if self._closes != closes:  # closed as it started, before close could see it
            with contextlib.suppress(OSError):
                self._process.kill()  # the request fails at once (HelperGone)
        return ours

    def _stop(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
            self._socket = None
        if self._process is not None:
            with contextlib.suppress(OSError):
                self._process.kill()
            with contextlib.suppress(Exception):
                self._process.wait(timeout=5)
            self._process = None

    def close(self) -> None:
        """Stop the helper now, even mid-request: the request in flight ends with
        :class:`HelperGone` instead of holding the caller (quitting during a slow load).
        A process being started as this runs is killed as soon as it exists: ``q`` pressed
        in that instant waited out the whole load (up to ``load_timeout``)."""
        self._closes += 1
        self.interrupt()
        with self._lock:
            self._stop()

    def interrupt(self) -> None:
        """Kill the process answering now, not waiting for its request: that request ends
        with :class:`HelperGone` (its asker decides whether to ask again), and the next
        ask starts another process."""
        process = self._process
        if process is not None:
            with contextlib.suppress(OSError):
                process.kill()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None


def ready(sock: socket.socket, seconds: float) -> bool:
    """Whether ``sock`` has something to read within ``seconds`` (``poll``, not ``select``:
    a process with over 1,024 files open, ``flowtop serve``'s, has descriptors past
    ``select``'s reach)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(seconds * 1000))


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode()
    sock.sendall(_HEADER.pack(len(data)) + data)


def receive(sock: socket.socket) -> dict[str, Any]:
    header = _exactly(sock, _HEADER.size)
    (size,) = _HEADER.unpack(header)
    value = json.loads(_exactly(sock, size))
    if not isinstance(value, dict):
        raise ValueError("not a message")
    return value


def _exactly(sock: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
