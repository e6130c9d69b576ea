"""How ``flowtop serve`` listens: which connections it holds, and how it stops.

Any local process may connect, token or not, so no client may use up the server's file
descriptors. 1,100 connections that never finished their headers ended a newly started
server in seconds (the soft limit is 1024), and a warmed-up one answered nothing while
they were held (75 s each). So:

- the soft limit of open files is raised to the hard one at start
  (:func:`raise_open_files_limit`);
- a connection holds at most :data:`IDLE_TIMEOUT` seconds without a request (its headers
  not all sent, or idle between two);
- at most :data:`MAX_WAITING` connections are held that have not sent a request yet:
  past that, the one waiting longest is closed (:class:`Admission`). A browser sends its
  headers at once, so it is served while a flood of silent connections goes on;
- a connection whose client stopped reading its answers (its writes paused: the
  buffers full; static files are written as any answer is, not by ``sendfile``) is
  dropped after :data:`WRITE_STALL` seconds without progress, and at most as many as
  wait for a request are held so, the one stalled longest dropped past that. Pipelined
  requests for ``textual.js``, never read, held every file descriptor the server had:
  the idle limit ends where a request begins.

The server listens through aiohttp's ``AppRunner`` (:func:`listen`), as ``web.run_app``
does, with the protocol factory above, and stops on Ctrl+C, SIGTERM and SIGHUP (a closed
terminal: the tabs are told ``flowtop serve stopped``, not cut off).

A module of its own, apart from the server (:mod:`flowtop.commands.serve_server`),
because it answers one question, "who holds a connection, and for how long?".
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import struct
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiohttp import web, web_fileresponse
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from .serve_bind import listen_addresses

#: Seconds a connection is held without a request (aiohttp's keep-alive timeout, which
#: also bounds the wait for a new connection's first request: 75 s by default).
IDLE_TIMEOUT = 10.0
#: The most connections held that have not sent a request yet: past it, the one that
#: has waited longest is closed.
MAX_WAITING = 256
#: Seconds a connection is held whose client reads nothing of what it is sent (a tab
#: reading at all, however slowly, lets its writes go on, and is never dropped).
WRITE_STALL = 30.0
#: The signals that stop the server as Ctrl+C does (a terminal closed: SIGHUP).
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def raise_open_files_limit() -> int | None:
    """Raise this process's soft limit of open files to its hard limit (where it is
    infinite, as on macOS, to what the kernel allows); the soft limit now, or None where
    there is none (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for wanted in (hard,) if hard != resource.RLIM_INFINITY else (65536, 10240):
        if soft != resource.RLIM_INFINITY and wanted <= soft:
            break
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            continue
        return wanted
    return None if soft == resource.RLIM_INFINITY else soft


def waiting_cap(open_files: int | None) -> int:
    """How many connections may wait for a request, with ``open_files`` the soft limit:
    :data:`MAX_WAITING`, a quarter of the limit where that is less (the tabs' apps and
    their pipes need the rest)."""
    if open_files is None:
        return MAX_WAITING
    return min(MAX_WAITING, max(8, open_files // 4))


class Connection(RequestHandler):
    """aiohttp's handler of one connection, known to its :class:`Admission` until it
    sends a request."""

    __slots__ = ("admission",)

    def __init__(self, admission: Admission, manager: web.Server, **options: Any) -> None:
        super().__init__(manager, **options)
        self.admission = admission

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.admission.waits(self)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.admission.forget(self)
        self.admission.flows(self)
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        self.admission.stalls(self)

    def resume_writing(self) -> None:
        super().resume_writing()
        self.admission.flows(self)

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """aiohttp's own answer to a request it could not read (or a handler's 500):
        marked ``nosniff`` as every other answer is (no ``on_response_prepare`` runs for
        it), and, for a request it could not read, without that request's bytes, which it
        echoed (``Invalid method encountered: b'GARBAGE…'``): the console says why."""
        response = super().handle_error(request, status, exc, message)
        if isinstance(response, web.Response) and status != 500:
            response.text = (
                f"flowtop serve: this request could not be read ({status} "
                f"{response.reason}); open the link flowtop serve printed\n"
            )
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


class Admission:
    """The listening socket's protocol factory: aiohttp's handler of each connection
    (:class:`Connection`), of which at most ``cap`` wait for their first request at
    once; past that, the one waiting longest is closed."""

    def __init__(self, server: web.Server, cap: int) -> None:
        self.server = server
        self.cap = cap
        self.loop = asyncio.get_running_loop()
        #: The connections that have sent no request yet, the longest waiting first.
        self.waiting: dict[Connection, None] = {}
        #: The connections whose writes are paused, the longest first, each with the
        #: timer that drops it.
        self.stalled: dict[Connection, asyncio.TimerHandle] = {}

    def __call__(self) -> Connection:
        return Connection(self, self.server, loop=self.loop, keepalive_timeout=IDLE_TIMEOUT)

    def waits(self, connection: Connection) -> None:
        """``connection`` is new: it waits for its first request."""
        while len(self.waiting) >= self.cap:
            longest = next(iter(self.waiting))
            del self.waiting[longest]
            longest.force_close()
        self.waiting[connection] = None

    def forget(self, connection: Connection) -> None:
        """``connection`` sent a request, or is closed."""
        self.waiting.pop(connection, None)

    def stalls(self, connection: Connection) -> None:
        """``connection``'s client reads no more for now: dropped if it stays so for
        :data:`WRITE_STALL`, or sooner when ``cap`` others stalled after it."""
        while len(self.stalled) >= self.cap:
            self.drop(next(iter(self.stalled)))
        self.stalled[connection] = self.loop.call_later(WRITE_STALL, self.drop, connection)

    def flows(self, connection: Connection) -> None:
        """``connection``'s writes go on (or it is closed)."""
        timer = self.stalled.pop(connection, None)
        if timer is not None:
            timer.cancel()

    def drop(self, connection: Connection) -> None:
        """Reset the stalled ``connection`` at once: a close waits for its buffered
        answers to be read, which is what its client does not do (the kernel would keep
        trying, its buffers held, once the file descriptor was gone)."""
        self.flows(connection)
        transport = connection.transport
        if transport is not None:
            sock = transport.get_extra_info("socket")
            if sock is not None:  # (a linger of 0: a reset, what was not sent thrown away)
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        connection.force_close()


@web.middleware
async def admitted(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Each request: its connection sent its headers, and waits no more (from then on, a
    connection idle between two requests is closed after :data:`IDLE_TIMEOUT`)."""
    connection = request.protocol
    if isinstance(connection, Connection):
        connection.admission.forget(connection)
    return await handler(request)


def listen(
    app: Coroutine[Any, Any, web.Application],
    *,
    host: str,
    port: int,
    cap: int,
    listening: Callable[[], None],
    loop: asyncio.AbstractEventLoop,
) -> None:
    """Serve ``app`` on ``host:port`` on ``loop`` until a stop signal (the loop's signal
    handlers raise ``GracefulExit``), as aiohttp's ``web.run_app`` does, calling
    ``listening`` once the port listens (``localhost``: on both loopbacks,
    :func:`~flowtop.commands.serve_bind.listen_addresses`); at most ``cap`` connections
    wait for a request."""
    # Static files through the transport, not ``sendfile``: only its writes pause, and a
    # ``sendfile`` to a client that reads nothing waits for it for good (``WRITE_STALL``).
    web_fileresponse.NOSENDFILE = True  # type: ignore[misc]  # aiohttp's switch, read per answer
    serving = loop.create_task(_serve(app, host, port, cap, listening))
    try:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(serving)
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    finally:
        try:
            if not serving.done():
                serving.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    loop.run_until_complete(serving)
        finally:
            left = asyncio.all_tasks(loop)
            for task in left:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()


async def _serve(
    app: Coroutine[Any, Any, web.Application],
    host: str,
    port: int,
    cap: int,
    listening: Callable[[], None],
) -> None:
    runner = web.AppRunner(await app)
    await runner.setup()
    listeners: list[asyncio.Server] = []
    try:
        assert runner.server is not None
        admission = Admission(runner.server, cap)
        loop = asyncio.get_running_loop()
        for address in listen_addresses(host):  # localhost: ::1 and 127.0.0.1
            listeners.append(await loop.create_server(admission, address, port, backlog=128))
            # port 0: the others listen on the port the first one was given
            port = port or int(listeners[0].sockets[0].getsockname()[1])
        listening()
        await asyncio.Future()  # until the server stops (this task is cancelled)
    finally:
        for listener in listeners:
            listener.close()
        await runner.cleanup()
