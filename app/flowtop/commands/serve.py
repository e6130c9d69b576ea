"""``flowtop serve [PATH]``: the same TUI in a web browser, through textual-serve.

The page can start runs and edit settings, so it is guarded like a Jupyter server: a
random token is made at start and printed in the link (the page and its websocket answer
only with it), the websocket must come from this server's own page, and it binds
127.0.0.1 unless ``--host`` says otherwise, and warns when it does.

textual-serve builds its page's links from one ``public_url``; here they are built from
``--public-url`` when given, else from the address the browser used, so a page served on
``0.0.0.0`` never points the browser at ``http://0.0.0.0:PORT``.

The server itself (:mod:`flowtop.commands.serve_server`) imports aiohttp and
textual-serve, the ``serve`` extra: it is imported only when the command runs, so every
other command starts without them.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import signal
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

from ..printable import printable_name, say
from ..workspace.places import Places
from .common import bad_path
from .run_signals import OURS, command_signals, stop_like_ctrl_c_on_sigterm
from .serve_bind import listen_addresses
from .serve_tabs import tab_command

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
    """argparse type for ``--public-url``: ``http(s)://host[:port][/prefix]``. A port
    outside 1-65535 (``http://example.org:99999``) was taken: the printed link led
    nowhere, and the page's origin, which names no port then, was read as ``""``, which
    any unreadable ``Origin`` header matched as well."""
    parts = urlsplit(text.strip())
    if "@" in parts.netloc:  # it was printed in the link (not repeated here either)
        raise argparse.ArgumentTypeError(
            "must be an http:// or https:// URL without a user or password (user:password@): "
            "the printed link would hold it"
        )
    if any(c.isspace() or not c.isprintable() for c in text.strip()):
        # a terminal links the part before a space; the page's links held it
        raise argparse.ArgumentTypeError(
            f"must be an http:// or https:// URL without spaces (write one as %20), got "
            f"'{printable_name(text)}'"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname or "?" in text:
        raise argparse.ArgumentTypeError(
            f"must be an http:// or https:// URL with a host (and no query), got {text!r}"
        )
    try:
        port = parts.port
    except ValueError:  # past 65535, or not a number
        port = 0
    if port == 0 or "#" in text:  # the page's links are built by adding to it
        raise argparse.ArgumentTypeError(
            f"must be an http:// or https:// URL whose port, if any, is 1-65535 (and no "
            f"#fragment), got {text!r}"
        )
    return text.strip().rstrip("/")


def configure(parser: argparse.ArgumentParser) -> None:
    # the one-line summary (also listed by `flowtop --help`) has no full stop of its own
    summary = (parser.description or "").rstrip(".")
    parser.description = f"{summary}. {ABOUT}" if summary else ABOUT
    parser.add_argument("path", nargs="?", help="flow file or folder (default: ./flows, else .)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; localhost binds ::1 and 127.0.0.1)",
    )
    parser.add_argument("--port", type=port_number, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--public-url",
        type=public_url,
        metavar="URL",
        help="the address browsers use (behind a proxy: https://example.org/flowtop; "
        "through `ssh -L 9105:127.0.0.1:8000`: http://localhost:9105); "
        "default: the address each browser used",
    )


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
    """Why ``host:port`` cannot be served (one line), or None when it can: each address
    ``host`` listens on (``localhost``: ``::1`` and ``127.0.0.1``) must be free."""
    addresses = listen_addresses(host)
    for address in addresses:
        problem = check_address(address, port)
        if problem is not None and len(addresses) > 1:  # which of them is not free
            return f"{problem} (for --host {host}, which listens on {' and '.join(addresses)})"
        if problem is not None:
            return problem
    return None


def check_address(host: str, port: int) -> str | None:
    """:func:`check_bind` for one address (or a name, bound as the OS resolves it)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        return f"--host {host!r}: not an address of this machine ({reason})"
    family, kind, proto, _, address = infos[0]
    bound = ipaddress.ip_address(str(address[0]).split("%", 1)[0])
    if isinstance(bound, ipaddress.IPv6Address) and bound.ipv4_mapped is not None:
        # asyncio listens on IPv6 only (IPV6_V6ONLY), where it is no address: the check
        # passed, and the bind failed with "invalid argument"
        return (
            f"--host {host!r}: an IPv4 address written as IPv6, which cannot be listened "
            f"on; give --host {bound.ipv4_mapped}"
        )
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:  # as asyncio binds it
            probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            shown = f"[{host}]" if ":" in host else host  # [::1]:8000, as in a URL
            return f"cannot listen on {shown}:{port}: {exc.strerror or exc}"
    return None


def serve_extra_installed() -> bool:
    """Whether textual-serve (the ``serve`` extra) can be imported; says how to install
    it when it cannot."""
    try:
        import textual_serve.server  # noqa: F401 - only asks whether the extra is installed
    except ImportError:
        say('flowtop serve needs the serve extra (textual-serve): pip install -e ".[serve]"')
        return False
    return True


def page_link(host: str, port: int, public: str | None) -> str:
    """The page's address for the printed link (without its token): ``--public-url``
    when given, else an address of this machine that reaches the bound ``host``."""
    if public is not None:
        return public
    shown = link_host(host, port)
    return f"http://{f'[{shown}]' if ':' in shown else shown}:{port}"


def page_title(path: str) -> str:
    """The page's title, ``flowtop — flows``: its workspace folder's name, as a browser's
    tab shows it (without one, the tab showed the address, its token included)."""
    return f"flowtop — {printable_name(Places.of(path).root.name)}"


def main(args: argparse.Namespace) -> int:
    """Serve until stopped. Ctrl+C, SIGTERM or SIGHUP end it as they end every command:
    ``flowtop serve: interrupted (SIGTERM)`` (said by ``flowtop.cli.main``), 143 (130,
    129), also while it starts; stopped so, it exited 0 without a word."""
    with command_signals():
        stop_like_ctrl_c_on_sigterm()  # while it starts (the server then takes them)
        return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    if bad_path(args.path) or not serve_extra_installed():
        return 2
    problem = check_bind(args.host, args.port)
    if problem is not None:
        say(problem)
        return 2
    # aiohttp and textual-serve are imported here, when the command runs, and only here
    from .serve_access import is_loopback
    from .serve_server import GuardedServer

    token = secrets.token_urlsafe(24)
    command = tab_command(Path(args.path).resolve(), os.getpid())  # ends with this server
    link = f"{page_link(args.host, args.port, args.public_url)}/?token={token}"

    def say_link() -> None:  # once the port listens: a script may connect at once
        say(f"serving {args.path} (Ctrl+C stops); open this link, its token is the password:")
        print(f"    {link}", file=sys.stderr, flush=True)

    server = GuardedServer(
        command,
        host=args.host,
        port=args.port,
        token=token,
        public=args.public_url,
        title=page_title(args.path),
        listening=say_link,
    )
    if not is_loopback(args.host):
        say(
            f"warning: listening on {args.host}, not only on this machine: anyone who can "
            "reach it and has the link below can run your flows and change their settings"
        )
    try:
        server.serve()
    except OSError as exc:
        if server.listened:  # it listened: no failure to bind ("cannot listen" said so)
            say(f"stopped: {exc.strerror or exc}")
            return 1
        say(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")  # lost the port
        return 2
    if server.stopped_by is not None:  # the tabs were told: the command ends as it was asked
        raise OURS[signal.Signals(server.stopped_by)][2]
    return 0
