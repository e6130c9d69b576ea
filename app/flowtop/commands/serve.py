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
import functools
import ipaddress
import logging
import secrets
import shlex
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..printable import printable, say
from ..workspace.helper_process import python_command
from .common import bad_path

if TYPE_CHECKING:
    from aiohttp import web

#: Hosts that mean "this machine only".
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


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
    parser.add_argument("path", nargs="?", help="flow file or folder (default: ./flows, else .)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--public-url",
        type=public_url,
        metavar="URL",
        help="the address browsers use (e.g. behind a proxy: https://example.org/flowtop); "
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
    """``scheme://host[:port]`` of ``url``, lower-cased, default ports dropped."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return ""
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
    from aiohttp import web
    from textual_serve.server import Server, to_int

    origins = allowed_origins(host, port, public)

    def token_ok(given: str | None) -> bool:
        return given is not None and secrets.compare_digest(given.encode(), token.encode())

    def refuse(why: str) -> web.Response:
        return web.Response(status=403, text=f"flowtop serve: {why}\n")

    class GuardedServer(Server):
        def origin_ok(self, request: web.Request) -> bool:
            origin = request.headers.get("Origin")
            if origin is None:
                return True  # not a browser: no page of another site is involved
            if public is None and not is_loopback(host):
                # bound to a public address without --public-url: the page is on the
                # address the browser used, by a name of this machine (give another
                # name with --public-url); the token is what keeps strangers out
                own = origin_of(f"{request.scheme}://{request.host}")
                return names_this_machine(request.host) and origin_of(origin) == own
            return origin_of(origin) in origins

        def initialize_logging(self) -> None:
            super().initialize_logging()
            # the access log wrote every request's token (`GET /?token=…`, `/ws/<token>`)
            # to the console, where a journal or a shared log file kept it for anyone
            logging.getLogger("aiohttp.access").addFilter(_Redacted(token))
            # a request's path and User-Agent are any client's, with a token or without:
            # every line the console shows is made printable (a handler's filter sees the
            # records of every logger, aiohttp's and textual-serve's)
            for handler in logging.getLogger().handlers:
                handler.addFilter(_Printable())

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
            # no other site may frame the page (and have the user click in it)
            response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
            response.headers["X-Frame-Options"] = "DENY"
            return response

        async def handle_websocket(  # type: ignore[override]  # a 403 is a plain response
            self, request: web.Request
        ) -> web.StreamResponse:
            if not token_ok(request.match_info.get("token")):
                return refuse("wrong or missing token")
            if not self.origin_ok(request):
                origin = request.headers.get("Origin")
                return refuse(
                    f"websocket from another site refused (Origin {origin}, Host "
                    f"{request.host}); open the page by this machine's address or name, "
                    "or give the name you use with --public-url"
                )
            response: web.StreamResponse = await super().handle_websocket(request)
            return response

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
    command = shlex.join(python_command("-m", "flowtop", "open", str(Path(args.path).resolve())))
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


class _Redacted(logging.Filter):
    """Writes ``secret`` in a log line as ``…``."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        line = record.getMessage()
        if self.secret in line:
            record.msg, record.args = line.replace(self.secret, "…"), ()
        return True


class _Printable(logging.Filter):
    """Writes a log line with its control characters shown (``printable``): the access
    log wrote a client's ``User-Agent`` and path raw, an 8-bit CSI (``\x9b``) or a
    right-to-left override (``\u202e``) in them acting on the terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            line = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format: the handler says so, as without this
            return True
        shown = printable(line)
        if shown != line:
            record.msg, record.args = shown, ()
        return True
