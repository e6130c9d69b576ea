"""Which browser pages are ``flowtop serve``'s own: the ``Host`` and ``Origin`` checks.

A module of its own, apart from the server (:mod:`flowtop.commands.serve_server`),
because it answers one question, "is this request from a page of this server?", and
needs neither aiohttp nor textual-serve.

A page of another site cannot drive the app even in a browser that holds the link: a
websocket's ``Origin`` must be this server's own. On a server bound to every address
(``0.0.0.0``, ``::``) without ``--public-url``, its own origin is the address the browser
used, if that names this machine: ``localhost``, its host name, or an address it has.
A site whose name was pointed at this machine's address (DNS rebinding) names another
host, and an address this machine does not have is some other machine's.
"""

from __future__ import annotations

import errno
import functools
import ipaddress
import re
import socket
from urllib.parse import urlsplit

from .serve_bind import LOOPBACKS, listen_addresses

#: Hosts that mean "this machine only".
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
#: An address any socket may bind (to send broadcasts), though it is no machine's.
BROADCAST = ipaddress.IPv4Address("255.255.255.255")
#: What a client's ``Host`` or ``Origin`` is shown with as it is (:func:`shown_address`):
#: a URL's scheme, a host's name or address (``[…]``, an IPv6 zone's ``%``), a port.
_NOT_ADDRESS = re.compile(r"[^A-Za-z0-9._~:/\[\]%-]+")


def shown_address(text: str) -> str:
    """A client's ``Host`` or ``Origin`` header, as a refusal shows it (the 403's text,
    the console): what a host, an address and a port are made of kept, anything else
    percent-escaped (``a<b>c`` is ``a%3Cb%3Ec``), at most 200 characters. Shown as it
    was, a page said whatever markup or terminal control its client put in a ``Host``."""

    def escaped(found: re.Match[str]) -> str:
        return "".join(f"%{byte:02X}" for byte in found.group().encode("utf-8", "surrogatepass"))

    return _NOT_ADDRESS.sub(escaped, text)[:200]


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, ``[…]`` or not) means this machine only:
    an IPv4 address read as the OS reads it (``127.1``, ``2130706433``), an IPv6 one
    holding an IPv4 address (``::ffff:127.0.0.1``) by that address. Both were warned
    of as listening "not only on this machine"."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(name)
    except ValueError:
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(name))
        except (OSError, ValueError):  # a name: each address it is bound on, as resolved
            # (``vm``, which /etc/hosts maps to 127.0.0.1, was warned of)
            addresses = resolved(name)
            return bool(addresses) and all(is_loopback(found) for found in addresses)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


@functools.lru_cache(maxsize=64)
def resolved(host: str) -> tuple[str, ...]:
    """The addresses ``host`` (a name or an address; ``""``: every address) is bound on,
    as asyncio binds it (each address the OS resolves it to), without an IPv6 zone; none
    when it resolves to none. Looked up once per name: the checks run for every request."""
    try:
        infos = socket.getaddrinfo(
            host or None, 0, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except (OSError, UnicodeError, ValueError):
        return ()
    return tuple(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))


def listened_versions(host: str) -> frozenset[int]:
    """The IP versions (4, 6) a server bound to ``host`` listens on: ``0.0.0.0`` on IPv4
    only, ``::`` on IPv6 only (asyncio sets ``IPV6_V6ONLY``), ``localhost`` on both; both
    where it cannot be told."""
    versions = {
        ipaddress.ip_address(address).version
        for listened in listen_addresses(host)
        for address in resolved(listened)
    }
    return frozenset(versions or (4, 6))


#: What may not stand in a ``Host``: what ends its host and port and starts a path, a
#: query, a fragment or a user (``\`` too, which browsers read as ``/``), and spaces.
_NOT_IN_HOST = re.compile(r"[/\\?#@\s]")


def host_refusal(
    host_header: str | None, versions: frozenset[int], public: str | None
) -> tuple[int, str] | None:
    """Why a request with ``Host: host_header`` is refused, with its status, or None:
    the page's links are built on it, so it must be ``host[:port]`` and nothing more
    (``127.0.0.1:8765/evil`` put every link under ``/evil``), and be there (without one,
    the links pointed at port 80). An IP address of a version the server does not listen
    on (``[::1]`` for a server on ``127.0.0.1``) reached no page of it (unless it is the
    host of ``public``, the ``--public-url``, as a tunnel passes it on)."""
    if host_header is None or not host_header.strip():
        return 400, (
            "a request without a Host header refused (every browser sends one): open the "
            "link flowtop serve printed"
        )
    shown = shown_address(host_header)
    try:  # its port read for its ValueError (not a number, past 65535)
        parts = urlsplit(f"//{host_header}")
        hostname = parts.hostname if parts.port != 0 else None
    except ValueError:
        hostname = None
    if not hostname or _NOT_IN_HOST.search(host_header) or host_header.endswith(":"):
        return 400, (
            f"request refused: its Host {shown} is not a host[:port] (a proxy in between "
            "must pass the browser's Host on as it is); open the link flowtop serve printed"
        )
    if public is not None and names_host_of(host_header, public):
        return None
    try:
        address = ipaddress.ip_address(hostname.split("%", 1)[0])
    except ValueError:  # a name
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # reached over IPv4
    if address.version in versions:
        return None
    listened = "IPv4" if 4 in versions else "IPv6"
    return 403, (
        f"request refused: its Host {shown} is an IPv{address.version} address, and this "
        f"server listens on {listened} only; open the link flowtop serve printed"
    )


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
    """Whether the ``Host`` a browser sent names this machine: an address it has,
    ``localhost`` or its own host name. A page served on ``0.0.0.0`` then matches its
    origin against that, and a site whose name was pointed at this address (DNS
    rebinding) does not pass as its own origin. A ``Host`` that is no host (``[bad``)
    names nothing: it made the check a 500, its traceback on the console."""
    try:
        name = (urlsplit(f"//{host_header}").hostname or "").lower()
    except ValueError:
        return False
    try:  # an IPv6 zone (``fe80::1%25eth0``) is left out: every interface is tried
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:  # a name, ``vm.`` as ``vm`` (a browser sends a name's dot; an IP's not)
        bare = name.removesuffix(".")
        return name in _machine_names() or (bare in _machine_names() and not _is_ip(bare))
    return is_address_of_this_machine(str(address))


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@functools.cache
def _machine_names() -> frozenset[str]:
    """This machine's names, looked up once: ``getfqdn`` may ask DNS, and the check runs
    for every websocket a page opens."""
    return frozenset({*LOOPBACK_NAMES, socket.gethostname().lower(), socket.getfqdn().lower()})


@functools.lru_cache(maxsize=256)
def is_address_of_this_machine(address: str) -> bool:
    """Whether ``address`` (an IP address, no zone) is one this machine has: the OS lets
    a socket bind to an address only if it is local (loopback, an interface's, an IPv6
    link-local one on one of its interfaces). Any IP address passed before, though the
    README promised "an address of this machine". Looked at once per address (bounded:
    a client chooses its ``Host``). Where the OS is told to let any address be bound
    (Linux's ``net.ipv4.ip_nonlocal_bind``), every address passes, as before."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ``::ffff:0.0.0.0`` is 0.0.0.0, and binds as it
    if ip.is_unspecified or ip.is_multicast or ip == BROADCAST:
        return False  # they bind, yet no page is ever at them
    if ip.version == 4:
        return _binds(socket.AF_INET, (str(ip), 0)) and not _is_broadcast(str(ip))
    if ip.is_link_local:  # ambiguous without an interface: bound on none, EINVAL
        return any(_binds(socket.AF_INET6, (str(ip), 0, 0, index)) for index, _ in _interfaces())
    return _binds(socket.AF_INET6, (str(ip), 0))


def _is_broadcast(address: str) -> bool:
    """Whether the OS routes ``address`` as a broadcast: an interface's directed broadcast
    (``192.0.2.255`` on ``192.0.2.2/24``) binds like its own address, yet no TCP
    connection reaches it, so a ``Host`` naming it is forged. Linux refuses to point a
    datagram socket at a broadcast without ``SO_BROADCAST`` (``EACCES``); no packet is
    sent. Elsewhere connecting is allowed and only the limited broadcast is refused."""
    try:
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    except OSError:  # no datagram sockets here (a policy's EACCES too): nothing says broadcast
        return False
    with probe:
        try:
            probe.connect((address, 9))
        except OSError as refused:  # no route: nothing says broadcast
            return refused.errno == errno.EACCES
    return False


def _interfaces() -> list[tuple[int, str]]:
    """This machine's network interfaces (index, name); none where it cannot say."""
    try:
        return socket.if_nameindex()
    except OSError:
        return []


def _binds(family: socket.AddressFamily, address: tuple[str | int, ...]) -> bool:
    """Whether a TCP socket of ``family`` can bind ``address`` (port 0: any free one)."""
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind(address)
    except OSError:  # not this machine's (EADDRNOTAVAIL), or no such family here
        return False
    return True


def allowed_origins(host: str, port: int, public: str | None) -> set[str]:
    """The origins a browser page of this server has (the websocket must come from one)."""
    origins = {origin_of(public)} if public else set()
    names = _loopback_names(host) if is_loopback(host) else {host}
    for name in names:
        shown = f"[{name}]" if ":" in name else name
        origins.add(origin_of(f"http://{shown}:{port}"))
    return origins


def _loopback_names(host: str) -> set[str]:
    """The names a server bound to the loopback ``host`` answers by: ``host``, each address
    it listens on, also as the OS reads it (``127.1`` is ``127.0.0.1``), and ``localhost``
    where one of them is ``127.0.0.1`` or ``::1``. Not the other loopback: every loopback
    name was taken, and a page at ``http://[::1]:PORT``, on a server bound to
    ``127.0.0.1`` alone, is another program's. (``localhost`` bound as the OS resolves
    it, without IPv6, listens on one of the two: both are taken.)"""
    listened = {host, *listen_addresses(host)}
    if host.lower() == "localhost":
        listened.update(LOOPBACKS)
    names = set(listened)
    for name in listened:
        try:
            names.add(str(ipaddress.ip_address(name.strip("[]"))))
        except ValueError:
            try:
                names.add(socket.inet_ntoa(socket.inet_aton(name)))
            except (OSError, ValueError):  # a name (``vm``): the addresses it is bound on
                names.update(resolved(name))
    if names & set(LOOPBACKS):
        names.add("localhost")
    return names


def names_host_of(host_header: str, url: str) -> bool:
    """Whether the ``Host`` a page was opened at names the host of ``url`` (the
    ``--public-url``) on any port and scheme: a proxy passes the browser's ``Host`` on,
    its port or scheme its own (or gives this server's address: ``names_this_machine``).
    Any other Host is a site's that pointed its name here (DNS rebinding): the page was
    served, though the README says it is refused."""
    try:
        name = (urlsplit(f"//{host_header}").hostname or "").removesuffix(".")
    except ValueError:  # no host (``[bad``)
        return False
    return bool(name) and urlsplit(url).hostname == name


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
    shown = shown_address(origin)  # a client's header: any length, any character
    why = f"websocket from another site refused (Origin {shown}, Host {shown_address(host_header)})"
    if tunnel and given:
        return (
            f"{why}; if the page is reached through a tunnel or proxy at {given}, start "
            f"flowtop serve with --public-url {given}"
        )
    return (
        f"{why}; open the page by this machine's address or name, or give the name you "
        "use with --public-url"
    )


def page_refusal(page: str, host_header: str) -> str:
    """Why the page opened at ``page`` (its origin, ``""`` when ``host_header`` makes no
    URL) is refused, in one line, with what to do: its websocket would be refused (its
    origin is not this server's), and the page said only "Session ended.". At a name of
    this machine (a tunnel to another port: ``localhost:9105``), ``--public-url`` names
    it. At another name it may be a site that pointed its name at this machine (DNS
    rebinding): the advice was to allow exactly that name, so it is given for a name the
    user uses and trusts only."""
    shown = shown_address(page or f"http://{host_header}")  # a client's header
    why = f"this page was opened at {shown}, not at an address of this server"
    why = f"{why}, so it could not connect"
    if names_this_machine(host_header):
        return (
            f"{why}; through an SSH tunnel or a proxy, start flowtop serve with --public-url "
            f"{shown} (https:// if the browser's address is), else open the link flowtop "
            "serve printed"
        )
    return (
        f"{why}; open the link flowtop serve printed (a site can point its name at this "
        "machine); give --public-url only for the address of a proxy or tunnel you use "
        "and trust"
    )
