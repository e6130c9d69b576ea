"""`flowtop serve` against clients that ask and never read the answer.

The idle limit and the cap on connections without a request (``test_serve_s59``) ended
where a request began: 550 connections each sending 40 pipelined requests for
``textual.js`` and reading nothing were held for good, every file descriptor of the server
with them (`cannot take a connection now (Too many open files)`; the page did not load).
A connection whose writes are paused is dropped after ``WRITE_STALL``, and no more are held
so than wait for a request.
"""

from __future__ import annotations

import fcntl
import socket
import struct
import termios
from collections.abc import Iterator
from contextlib import contextmanager

from test_serve_s59 import limited_server, status_of
from waits import wait_until

#: Requests for the page's script (500 KB each), sent at once: more than the buffers
#: between server and client hold, so the server's writes pause.
PIPELINED = 40

#: ``tcpi_state`` of a connection reset by its peer (``TCP_CLOSE`` in ``linux/tcp.h``).
TCP_CLOSE = 7


def unread_bytes(connection: socket.socket) -> int:
    """How many bytes the server sent that ``connection`` has not read."""
    return int(struct.unpack("i", fcntl.ioctl(connection, termios.FIONREAD, b"\0" * 4))[0])


def dropped(connection: socket.socket) -> bool:
    """Whether the server dropped ``connection`` (reset it: its state is CLOSE), read
    without reading from it, which would let the server's writes go on."""
    state = connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
    return state == TCP_CLOSE


@contextmanager
def never_reading(port: int, how_many: int) -> Iterator[list[socket.socket]]:
    """Connections that ask for the script ``PIPELINED`` times and read none of it."""
    request = f"GET /static/js/textual.js HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    opened = []
    try:
        for _ in range(how_many):
            connection = socket.create_connection(("127.0.0.1", port), timeout=10)
            connection.sendall(request.encode() * PIPELINED)
            opened.append(connection)
            # answered (no more waiting for a request, which has a cap of its own)
            wait_until(lambda c=connection: unread_bytes(c) > 0, "the server's answer")
        yield opened
    finally:
        for connection in opened:
            connection.close()


def test_a_client_that_reads_nothing_is_dropped_after_the_write_stall() -> None:
    with limited_server(stall=0.5) as server, never_reading(server.port, 3) as stalled:
        # old: held for good, however long one waited
        wait_until(lambda: all(map(dropped, stalled)), "the stalled connections dropped")
        assert status_of(server.port) == 403  # answered as ever


def test_past_the_cap_the_connection_stalled_longest_is_dropped() -> None:
    with limited_server(cap=4) as server, never_reading(server.port, 12) as stalled:
        # (each stalls in a moment: 4 held so, at most, and one on its way to it)
        wait_until(lambda: sum(map(dropped, stalled)) >= 7, "all but 4 or 5 dropped")
        assert not dropped(stalled[-1])  # the newest stays
        assert status_of(server.port) == 403
