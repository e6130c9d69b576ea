"""``flowtop serve [PATH]``: the same TUI in a web browser, through textual-serve.

The page can start runs and edit settings, so it is guarded like a Jupyter server:

- a random token is made at start and printed in the link; the page and its websocket
  answer only with it (``403`` otherwise), on loopback too: any local process or web page
  could otherwise reach ``127.0.0.1``;
- the websocket's ``Origin`` must be this server's own (or ``--public-url``'s), so a page
  on another site cannot drive the app even from a browser that holds the link (a
  browser lets any page open a websocket to any address);
- it binds 127.0.0.1 unless ``--host`` says otherwise, and warns when it does.

textual-serve builds its page's links from one ``public_url``; here they are built from
``--public-url`` when given, else from the address the browser used, so a page served on
``0.0.0.0`` never points the browser at ``http://0.0.0.0:PORT``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import ipaddress
import logging
import os
import secrets
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from ..printable import printable, printable_name, say
from .common import bad_path
from .serve_tabs import say_server_stopped, tab_command

if TYPE_CHECKING:
    from aiohttp import web
    from textual_serve.app_service import AppService

#: Hosts that mean "this machine only".
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
#: Seconds a closed tab's app has to quit before it is killed: one whose output nobody
#: reads any more blocks in a write for ever, deaf to SIGTERM, until the server stops.
QUIT_GRACE = 2.0
#: How much of a tab's app's stderr is kept, to say why it ended.
STDERR_KEPT = 64 * 1024
#: What ``flowtop serve --help`` says after its one-line summary: the link is a password.
ABOUT = (
    "The page can start runs and change settings: whoever has the link printed at start "
    "can use it (its ?token=… is the password, a new one at each start). Reached through "
    "an SSH tunnel or a proxy at another address, give that address with --public-url."
)


def port_number(text: str) -> int:
    """argparse type for ``--port``: a TCP port, 1-65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a port number 1-65535, got {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 1-65535, got {port}")
    return port


def public_url(text: str) -> str:
    """argparse type for ``--public-url``: ``http(s)://host[:port][/prefix]``."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise argparse.ArgumentTypeError(
            f"must be an http:// or https:// URL with a host (and no query), got {text!r}"
        )
    return text.strip().rstrip("/")


def configure(parser: argparse.ArgumentParser) -> None:
    # the one-line summary (also listed by `flowtop --help`) has no full stop of its own
    summary = (parser.description or "").rstrip(".")
    parser.description = f"{summary}. {ABOUT}" if summary else ABOUT
    parser.add_argument("path", nargs="?", help="flow file or folder (default: ./flows, else .)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--public-url",
        type=public_url,
        metavar="URL",
        help="the address browsers use (behind a proxy: https://example.org/flowtop; "
        "through `ssh -L 9105:127.0.0.1:8000`: http://localhost:9105); "
        "default: the address each browser used",
    )


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-cased, default ports dropped; ``""`` for
    what is no URL (an ``Origin`` header with a ``[`` made the check a 500)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def names_this_machine(host_header: str) -> bool:
    """Whether the ``Host`` a browser sent names this machine: an address, ``localhost``
    or its own host name. A page served on ``0.0.0.0`` then matches its origin against
    that, and a site whose name was pointed at this address (DNS rebinding) does not
    pass as its own origin."""
    name = (urlsplit(f"//{host_header}").hostname or "").lower()
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return name in _machine_names()


@functools.cache
def _machine_names() -> frozenset[str]:
    """This machine's names, looked up once: ``getfqdn`` may ask DNS, and the check runs
    for every websocket a page opens."""
    return frozenset({*LOOPBACK_NAMES, socket.gethostname().lower(), socket.getfqdn().lower()})


def allowed_origins(host: str, port: int, public: str | None) -> set[str]:
    """The origins a browser page of this server has (the websocket must come from one)."""
    origins = {origin_of(public)} if public else set()
    # a loopback bind answers by every loopback name, and by its own (127.0.0.2 too)
    names = {*LOOPBACK_NAMES, host} if is_loopback(host) else {host}
    for name in names:
        shown = f"[{name}]" if ":" in name else name
        origins.add(origin_of(f"http://{shown}:{port}"))
    return origins


def origin_refusal(origin: str, host_header: str, accepted: set[str]) -> str:
    """Why a websocket from ``origin`` is refused, in one line, with what to do. A page
    reached through a tunnel to another local port (``ssh -L 9105:127.0.0.1:8000``)
    differs from this server's origin by its port only: ``--public-url`` names it."""
    given = origin_of(origin)
    parts = urlsplit(given)
    tunnel = any(
        (theirs := urlsplit(own)).scheme == parts.scheme
        and theirs.hostname == parts.hostname
        and theirs.port != parts.port
        for own in accepted
    )
    shown = printable_name(origin)[:200]  # a client's header: any length, any character
    why = (
        f"websocket from another site refused (Origin {shown}, Host {printable_name(host_header)})"
    )
    if tunnel and given:
        return (
            f"{why}; if the page is reached through a tunnel or proxy at {given}, start "
            f"flowtop serve with --public-url {given}"
        )
    return (
        f"{why}; open the page by this machine's address or name, or give the name you "
        "use with --public-url"
    )


class Ending(Protocol):
    """What :func:`end_process` needs of a tab's app process (asyncio's ``Process``)."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    async def wait(self) -> int: ...

    def kill(self) -> None: ...


async def end_process(process: Ending, grace: float) -> bool:
    """Wait up to ``grace`` seconds for ``process`` to end; kill it when it has not, and
    say so. True when it was killed. Only that process gets the signal: the runs it
    started are in sessions of their own and go on."""
    if process.returncode is not None:
        return False
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        say(f"a closed tab's app (pid {process.pid}) did not quit within {grace:g} s: killed")
        return True
    return False


@dataclass
class TabState:
    """What one tab's app did, for the tab's end (kept beside textual-serve's
    ``AppService``, which has no place for it)."""

    #: The app said it is a Textual app (``__GANGLION__``) before anything else.
    ready: bool = False
    #: Writing to the browser failed: the app's output is read and dropped from then on,
    #: so that it can go on to read ``quit`` (unread, it blocks in a write for ever).
    client_gone: bool = False
    #: The end of what the app wrote to stderr, made printable.
    said: str = ""
    #: Set when the app's output ended: the app is gone.
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    def ending(self) -> str:
        """Why the tab ended, for its websocket's close frame: at most 123 bytes, the
        end of the app's last line kept (``…/flows: no such file or folder``)."""
        lines = [line.strip() for line in self.said.splitlines() if line.strip()]
        why = "the app ended" if self.ready else "flowtop could not start"
        if not lines:
            return why
        last = lines[-1].removeprefix("flowtop: ").encode()
        room = 123 - len(f"{why}: …".encode())
        if len(last) > room + len("…".encode()):
            return f"{why}: …{last[-room:].decode(errors='ignore')}"
        return f"{why}: {last.decode()}"


def tab_service_type() -> Callable[..., AppService]:
    """textual-serve's ``AppService`` (one tab's app process), called with a
    :class:`TabState` first, with its output loop made safe: a client that went away
    while writes were paused raised a plain ``ConnectionError`` (it expected
    ``ConnectionResetError``), its reader died, and the app blocked for ever writing
    output nobody read; an app that could not start left its tab blank and its stderr
    printed twice."""
    from textual_serve.app_service import AppService, log

    class TabService(AppService):
        def __init__(self, tab: TabState, command: str, **options: Any) -> None:
            super().__init__(command, **options)
            self.tab = tab

        async def run(self) -> None:
            process, tab = self._process, self.tab
            assert process is not None and process.stdout is not None
            assert process.stderr is not None
            stderr, kept = process.stderr, bytearray()

            async def read_stderr() -> None:
                while data := await stderr.read(4096):
                    kept.extend(data)
                    del kept[:-STDERR_KEPT]

            reading = asyncio.create_task(read_stderr())
            try:
                for _ in range(10):  # textual-serve's patience for lines before it
                    line = await process.stdout.readline()
                    if not line or line == b"__GANGLION__\n":
                        tab.ready = bool(line)
                        break
                if tab.ready:
                    await self._pass_on(process.stdout)
            except (asyncio.IncompleteReadError, asyncio.CancelledError):
                pass  # the app ended (or the tab is being closed)
            except Exception:  # noqa: BLE001 - said; the tab closes, stop() ends the app
                log.exception("a browser tab's app sent what could not be passed on")
            finally:
                with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(reading, QUIT_GRACE)
                tab.said = printable(kept.decode(errors="replace"))
                tab.ended.set()
            if tab.said.strip():  # once (textual-serve wrote it twice)
                print(tab.said.rstrip("\n"), file=sys.stderr, flush=True)
            if not tab.ready:
                say(f"a browser tab's app (pid {process.pid}) ended before it started")

        async def _pass_on(self, stdout: asyncio.StreamReader) -> None:
            """The app's packets to the browser until the app ends; dropped once the
            browser is gone."""
            handlers = {b"D": self.on_data, b"M": self.on_meta, b"P": self.on_packed}
            while True:
                kind = await stdout.readexactly(1)
                payload = await stdout.readexactly(int.from_bytes(await stdout.readexactly(4)))
                handler = handlers.get(kind)
                if handler is None or self.tab.client_gone:
                    continue
                try:
                    await handler(payload)
                except ConnectionError:  # ConnectionResetError, or aiohttp's plain one
                    self.tab.client_gone = True

        async def stop(self) -> None:
            """Ask the app to quit; kill it when it has not within ``QUIT_GRACE``."""
            task, process = self._task, self._process
            if task is None or process is None:
                return
            self._task = None
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            with contextlib.suppress(TimeoutError):  # stdin full: the app reads no more
                await asyncio.wait_for(self.send_meta({"type": "quit"}), QUIT_GRACE)
            await end_process(process, QUIT_GRACE)
            with contextlib.suppress(TimeoutError):  # the end of its output, once it is gone
                await asyncio.wait_for(task, QUIT_GRACE)

    return TabService


def make_server(
    command: str,
    *,
    host: str,
    port: int,
    token: str,
    public: str | None,
) -> Any:
    """A textual-serve ``Server`` with a token on the page and websocket, and an Origin check."""
    import aiohttp_jinja2
    import jinja2
    from aiohttp import WSCloseCode, web
    from textual_serve.server import Server, log, to_int

    origins = allowed_origins(host, port, public)
    tab_service = tab_service_type()

    def token_ok(given: str | None) -> bool:
        return given is not None and secrets.compare_digest(given.encode(), token.encode())

    def refuse(why: str) -> web.Response:
        return web.Response(status=403, text=f"flowtop serve: {why}\n")

    class GuardedServer(Server):
        def __init__(self, *args: Any, **options: Any) -> None:
            super().__init__(*args, **options)
            #: Set when the server stops (SIGTERM, Ctrl+C): each tab ends its app at once.
            #: None did, and aiohttp waited for every open tab's websocket to end (18 s
            #: for one tab, up to its 60 s shutdown timeout).
            self.stopping = asyncio.Event()

        def refusal(self, request: web.Request) -> str | None:
            """Why this websocket is refused, or None when it is not."""
            if not token_ok(request.match_info.get("token")):
                return "websocket refused: wrong or missing token"
            origin = request.headers.get("Origin")
            if origin is None:
                return None  # not a browser: no page of another site is involved
            if public is None and not is_loopback(host):
                # bound to a public address without --public-url: the page is on the
                # address the browser used, by a name of this machine (give another
                # name with --public-url); the token is what keeps strangers out
                own = origin_of(f"{request.scheme}://{request.host}")
                if names_this_machine(request.host) and origin_of(origin) == own:
                    return None
                return origin_refusal(origin, request.host, {own})
            if origin_of(origin) in origins:
                return None
            return origin_refusal(origin, request.host, origins)

        def initialize_logging(self) -> None:
            super().initialize_logging()
            # Every line the console shows goes through one filter on each handler (a
            # handler's filter sees the records of every logger, aiohttp's and
            # textual-serve's): the token written as "…" (the access log wrote it, and a
            # traceback's locals held the request, its URL whole), a traceback made plain
            # text without locals, a client's path and User-Agent made printable
            for handler in logging.getLogger().handlers:
                if hasattr(handler, "tracebacks_show_locals"):  # Rich's
                    handler.tracebacks_show_locals = False
                handler.addFilter(_ConsoleSafe(token))

        def base_url(self, request: web.Request) -> str:
            return public if public is not None else f"{request.scheme}://{request.host}"

        async def _make_app(self) -> web.Application:
            app = web.Application()
            aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
            app.add_routes(
                [
                    web.get("/", self.handle_index, name="index"),
                    web.get("/ws/{token}", self.handle_websocket, name="websocket"),
                    web.get("/download/{key}", self.handle_download, name="download"),
                    web.static("/static", self.statics_path, name="static"),
                ]
            )
            app.on_startup.append(self.on_startup)
            app.on_shutdown.append(self.on_shutdown)
            return app

        async def on_shutdown(self, app: web.Application) -> None:
            self.stopping.set()  # aiohttp then waits for the tabs' handlers to return

        async def on_startup(self, app: web.Application) -> None:
            pass  # main() has said where the app is; textual-serve's banner would not

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            if not token_ok(request.query.get("token")):
                return refuse("open the link with ?token=… that `flowtop serve` printed")
            base = self.base_url(request)
            scheme = "wss" if base.startswith("https") else "ws"
            context = {
                "font_size": to_int(request.query.get("fontsize", "16"), 16),
                "app_websocket_url": f"{scheme}:{base.split(':', 1)[1]}/ws/{token}",
                "config": {"static": {"url": f"{base}/static/"}},
                "application": {"name": self.title},
            }
            response = aiohttp_jinja2.render_template("app_index.html", request, context)
            response.headers["Referrer-Policy"] = "no-referrer"  # the token stays here
            response.headers["Cache-Control"] = "no-store"  # nor in a cache on disk
            # no other site may frame the page (and have the user click in it)
            response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
            response.headers["X-Frame-Options"] = "DENY"
            return response

        async def handle_websocket(  # type: ignore[override]  # a 403 is a plain response
            self, request: web.Request
        ) -> web.StreamResponse:
            why = self.refusal(request)
            if why is not None:  # said here too: the browser shows only "Session ended."
                say(why)
                return refuse(why)
            if not web.WebSocketResponse().can_prepare(request).ok:
                # curl, or a proxy that drops the Upgrade header: textual-serve logged an
                # exception and dropped the connection
                return web.Response(
                    status=400,
                    text="flowtop serve: this address takes a websocket (the page opens it; "
                    "a proxy in between must pass the Upgrade header on)\n",
                )
            return await self.serve_tab(request)

        async def serve_tab(self, request: web.Request) -> web.WebSocketResponse:
            """One tab: its app process, driven by its websocket, until either ends.
            textual-serve's own did not close a tab whose app ended without saying so
            (one that could not start stayed blank), nor end an app that would not quit."""
            websocket = web.WebSocketResponse(heartbeat=15)
            await websocket.prepare(request)

            async def close_tab() -> None:  # the app said "exit"
                await websocket.close()

            tab = TabState()
            service = tab_service(
                tab,
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close_tab,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            messages: asyncio.Task[None] | None = None
            try:
                width = to_int(request.query.get("width", "80"), 80)
                await service.start(width, to_int(request.query.get("height", "24"), 24))
                messages = asyncio.create_task(self._process_messages(websocket, service))
                app_ended = asyncio.create_task(tab.ended.wait())
                stopping = asyncio.create_task(self.stopping.wait())
                await asyncio.wait({messages, app_ended, stopping}, return_when="FIRST_COMPLETED")
                app_ended.cancel()
                stopping.cancel()
                if messages.done():
                    messages.result()  # what went wrong with the browser's messages, if any
                elif self.stopping.is_set():  # the tab told, its app ended, side by side
                    await asyncio.gather(say_server_stopped(websocket), service.stop())
                elif not websocket.closed:  # the app ended without closing its tab
                    await websocket.close(
                        code=WSCloseCode.INTERNAL_ERROR, message=tab.ending().encode()
                    )
            except Exception:  # noqa: BLE001 - as textual-serve did: logged, the others go on
                log.exception("a browser tab failed")
            finally:
                if messages is not None:
                    messages.cancel()
                await service.stop()
            return websocket

    return GuardedServer(command, host=host, port=port, title="flowtop")


def link_host(host: str, port: int) -> str:
    """The host for the printed link: this machine's loopback address of the family bound
    when ``host`` means every address (``0.0.0.0``, ``0``, ``::``; the page and its
    websocket then name an address this machine has), else ``host`` as given. ``::``
    listens on IPv6 only, so ``127.0.0.1`` did not connect; ``http://0:PORT`` loaded a
    page whose websocket was refused."""
    if not host:  # every address, as for 0.0.0.0
        return "127.0.0.1"
    try:
        address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        bound = ipaddress.ip_address(address[0][4][0])
    except (OSError, ValueError):
        return host
    if not bound.is_unspecified:
        return host
    return "::1" if bound.version == 6 else "127.0.0.1"


def check_bind(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be served (one line), or None when it can."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        return f"--host {host!r}: not an address of this machine ({reason})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def main(args: argparse.Namespace) -> int:
    if bad_path(args.path):
        return 2
    try:
        import textual_serve.server  # noqa: F401 - only asks whether the extra is installed
    except ImportError:
        say('flowtop serve needs the serve extra (textual-serve): pip install -e ".[serve]"')
        return 2
    problem = check_bind(args.host, args.port)
    if problem is not None:
        say(problem)
        return 2
    token = secrets.token_urlsafe(24)
    command = tab_command(Path(args.path).resolve(), os.getpid())  # ends with this server
    server = make_server(
        command, host=args.host, port=args.port, token=token, public=args.public_url
    )
    if args.public_url is not None:
        link = args.public_url
    else:
        shown = link_host(args.host, args.port)
        link = f"http://{f'[{shown}]' if ':' in shown else shown}:{args.port}"
    if not is_loopback(args.host):
        say(
            f"warning: listening on {args.host}, not only on this machine: anyone who can "
            "reach it and has the link below can run your flows and change their settings"
        )
    say(f"serving {args.path} (Ctrl+C stops); open this link, its token is the password:")
    print(f"    {link}/?token={token}", file=sys.stderr, flush=True)
    try:
        server.serve()
    except OSError as exc:  # lost the port between the check and the bind
        say(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return 2
    return 0


class _ConsoleSafe(logging.Filter):
    """Makes a log record safe for the server's console: its traceback written as plain
    text (no Rich traceback: textual-serve's showed every frame's locals, the request and
    its URL among them), ``secret`` written as ``…`` in it and in the message (the access
    log wrote every request's token), control characters shown (``printable``: a client's
    ``User-Agent`` or path with an 8-bit CSI ``\x9b`` or a right-to-left override
    ``\u202e`` acted on the terminal)."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            line = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format: the handler says so, as without this
            return True
        if record.exc_info or record.exc_text or record.stack_info:
            plain = logging.Formatter()
            if record.exc_info and not record.exc_text:
                record.exc_text = plain.formatException(record.exc_info)
            extra = [record.exc_text or "", plain.formatStack(record.stack_info or "")]
            line = "\n".join([line, *filter(None, extra)])
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        shown = printable(line.replace(self.secret, "…"))
        if shown != record.msg or record.args:
            record.msg, record.args = shown, ()
        return True
