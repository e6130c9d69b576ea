"""A ``dask:tcp://…`` address where no Dask scheduler answers: one line, exit 2, bounded.

README: a scheduler that cannot be reached within 10 s stops ``flowtop run`` with one error
(exit 2). That held for a closed port only (rv365 §1). At an address that answered like an
HTTP server, after ~23 s a 50-line traceback ended in numpy's ``Unable to allocate 3.07
EiB``, then ``Exception ignored in: Client.__del__ … TimeoutError``, exit 1; at one that
accepted the connection and said nothing, ``flowtop run`` hung for good (Dask bounds the
TCP connection, not its handshake). And a launched run (the monitor's ``r``, ``--detach``)
read ``INTERRUPTED: flowtop closed the store first``, its cause only in its log (§2).
"""

from __future__ import annotations

import gc
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cli_kit import flowtop
from flowtop.engine import dask_connect
from flowtop.engine.dask_backend import DaskBackend
from flowtop.engine.spec import ExecutorError
from flowtop.looks import NOT_STARTED
from flowtop.workspace.store_reader import StoreReader

pytest.importorskip("distributed")

#: How long a test lets a connection take before it counts as hung: a safety bound (the
#: connection itself is given ``CONNECT_TIMEOUT``, 0.5 s here), not a timing check.
HUNG = 60.0


def serving(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A TCP server on a free local port whose every connection ``answer`` handles (in a
    thread of its own): its ``tcp://127.0.0.1:PORT``; stopped after the test."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # closed: the test is over
                return
            held.append(conn)
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()
        for conn in held:
            conn.close()


def like_http(conn: socket.socket) -> None:
    """What an HTTP server (a Dask dashboard, a proxy) answers to Dask's handshake."""
    try:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    except OSError:
        pass


def silent(conn: socket.socket) -> None:
    """Accepts and never says a word (a firewall, a stuck server)."""


@pytest.fixture
def http_like() -> Iterator[str]:
    yield from serving(like_http)


@pytest.fixture
def mute() -> Iterator[str]:
    yield from serving(silent)


@pytest.fixture
def closed_port() -> str:
    """A local port nothing listens on."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"tcp://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dask_connect, "CONNECT_TIMEOUT", 0.5)


@pytest.fixture
def unraisable(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What ``__del__`` methods raised meanwhile (``Exception ignored in: …``)."""
    seen: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)
    return seen


def connect_error(address: str) -> str:
    """What ``DaskBackend(address).start()`` raises, started on a thread so that a hang
    fails the test instead of holding it."""
    backend = DaskBackend(address)
    said: list[BaseException] = []

    def start() -> None:
        try:
            backend.start()
        except BaseException as exc:  # noqa: BLE001 - kept for the test to look at
            said.append(exc)

    thread = threading.Thread(target=start, daemon=True)
    thread.start()
    thread.join(HUNG)
    try:
        assert not thread.is_alive(), f"connecting to {address} hung"
        (error,) = said
        assert isinstance(error, ExecutorError), repr(error)
        return str(error)
    finally:
        backend.close()


def test_an_http_server_is_said_to_be_no_dask_scheduler(
    http_like: str, unraisable: list[Any]
) -> None:
    said = connect_error(http_like)
    assert said == (
        f"cannot connect to the Dask scheduler at {http_like}: something answers there, "
        "but not as a Dask scheduler: what it sent is not Dask's protocol (is the port "
        "right? a scheduler listens on 8786, its dashboard on 8787)"
    )
    gc.collect()
    assert unraisable == []


def test_an_address_that_accepts_and_says_nothing_is_given_up_on(mute: str) -> None:
    said = connect_error(mute)
    assert said == (
        f"cannot connect to the Dask scheduler at {mute}: "
        "no Dask scheduler answered there within 0.5 s"
    )


def test_a_closed_port_says_the_connection_was_refused(closed_port: str) -> None:
    said = connect_error(closed_port)
    assert said == (
        f"cannot connect to the Dask scheduler at {closed_port}: "
        "Connection refused (tried for 0.5 s)"
    )


def test_a_host_name_that_does_not_resolve_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """At once: Dask tried again until its deadline, whose last try (cut off by it)
    could end saying ``CancelledError`` and no more."""

    def no_such_name(host: object, *args: object, **kwargs: object) -> object:
        if host == "no-such-host.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    said = connect_error("tcp://no-such-host.invalid:8786")
    assert said == (
        "cannot connect to the Dask scheduler at tcp://no-such-host.invalid:8786: "
        "its host name could not be resolved (Name or service not known)"
    )


def test_a_client_that_fails_after_the_probe_is_closed_quietly(
    http_like: str, monkeypatch: pytest.MonkeyPatch, unraisable: list[Any]
) -> None:
    """A scheduler gone between the probe and the client (here: no probe at all): Dask's
    own error in one line, and its half-made client closed, without ``Client.__del__``'s
    20 s wait and ``Exception ignored`` traceback."""
    monkeypatch.setattr(dask_connect, "_probe", lambda address: None)
    said = connect_error(http_like)
    assert said.startswith(f"cannot connect to the Dask scheduler at {http_like}: MemoryError")
    gc.collect()
    assert unraisable == []


FLOW = """
from flowtop import Flow, task

@task
def extract():
    return 1

flow = Flow("etl")
flow.add_task(extract)
"""


def test_flowtop_run_says_it_in_one_line_and_exits_2(tmp_path: Path, http_like: str) -> None:
    (tmp_path / "etl.py").write_text(FLOW)
    (tmp_path / "flowtop.toml").write_text(
        f'[defaults]\nexecutor = "dask:{http_like}"\nload_timeout = 30\n'
    )
    done = flowtop("run", "etl.py", "--flow", "etl", cwd=tmp_path, timeout=HUNG)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"flowtop run: flowtop.toml:2: [defaults] executor: cannot connect to the Dask "
        f"scheduler at {http_like}: something answers there, but not as a Dask scheduler: "
        "what it sent is not Dask's protocol (is the port right? a scheduler listens on "
        "8786, its dashboard on 8787)"
    ]


def test_a_launched_run_that_cannot_connect_did_not_start_and_says_why(
    tmp_path: Path, http_like: str
) -> None:
    """The monitor's ``r`` (``workspace.launcher``): FAILED, ``did not start: …``, where it
    read INTERRUPTED, "flowtop closed the store first"."""
    (tmp_path / "etl.py").write_text(FLOW)
    done = flowtop(
        "run",
        "etl.py",
        "--flow",
        "etl",
        "--executor",
        f"dask:{http_like}",
        "--run-id",
        "0123456789ab",
        "--quiet",
        cwd=tmp_path,
        timeout=HUNG,
    )
    assert done.returncode == 2, done.stderr
    (run,) = StoreReader(tmp_path / ".flowtop" / "history.db").runs()
    assert run.state == "FAILED", run
    assert run.error is not None and run.error["type"] == NOT_STARTED
    assert run.error["message"].startswith(f"cannot connect to the Dask scheduler at {http_like}")
    history = flowtop("history", ".", cwd=tmp_path)
    assert f"did not start: cannot connect to the Dask scheduler at {http_like}" in history.stdout
