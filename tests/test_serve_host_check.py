"""``flowtop serve --host 0.0.0.0`` takes a websocket's page as its own only when the
``Host`` the browser used names this machine: an address it has (not any IP address),
``localhost`` or its host name, however the header is spelled."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from flowtop.commands.serve_access import names_this_machine
from flowtop.commands.serve_server import GuardedServer

TOKEN = "t0k3n"


def every_address_server() -> GuardedServer:
    return GuardedServer("true", host="0.0.0.0", port=8123, token=TOKEN, public=None)


def from_page_at(host: str, origin: str | None = None) -> web.Request:
    """The websocket a page at ``http://host`` opens (``Host: host``, its own Origin)."""
    return make_mocked_request(
        "GET",
        f"/ws/{TOKEN}",
        headers={"Host": host, "Origin": origin or f"http://{host}"},
        match_info={"token": TOKEN},
    )


def outbound_address() -> str | None:
    """This machine's address on its way out (no packet is sent), if it has a route."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("203.0.113.1", 9))
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if ipaddress.ip_address(address).is_loopback else address


def link_local_address() -> str | None:
    """An IPv6 link-local address of one of this machine's interfaces (Linux), if any."""
    try:
        lines = Path("/proc/net/if_inet6").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        packed = line.split()[0]
        if packed.startswith("fe80"):
            return str(ipaddress.IPv6Address(bytes.fromhex(packed)))
    return None


def test_an_address_passes_only_if_this_machine_has_it() -> None:
    """Any IP address passed as this machine's: a page at another machine's address, its
    requests forwarded here, drove the app as if it were this server's own."""
    server = every_address_server()
    own = ["127.0.0.1:8123", "127.0.0.1", "LOCALHOST:8123", "[::ffff:127.0.0.1]:8123"]
    own.append(f"{socket.gethostname().upper()}:8123")
    if socket.has_ipv6:
        own.append("[::1]:8123")
    if (address := outbound_address()) is not None:
        own.append(f"{address}:8123")
    for host in own:
        assert names_this_machine(host), host
        assert server.refusal(from_page_at(host, f"http://{host.lower()}")) is None, host
    # documentation addresses (RFC 5737, RFC 3849): no machine has them
    elsewhere = ["203.0.113.7:8123", "[::ffff:203.0.113.7]:8123", "127.0.0.1.:8123"]
    if socket.has_ipv6:
        elsewhere.append("[2001:db8::7]:8123")
    for host in elsewhere:
        assert not names_this_machine(host), host
        why = server.refusal(from_page_at(host))
        assert why is not None and "another site refused" in why, host


@pytest.mark.parametrize(
    "host",
    ["0.0.0.0", "[::]", "255.255.255.255", "224.0.0.1", "[ff02::1]", "[::ffff:0.0.0.0]"],
)
def test_addresses_that_bind_but_no_page_is_at_do_not_pass(host: str) -> None:
    """The any-address, the broadcast and multicast groups bind, yet are no address a
    page is at."""
    assert not names_this_machine(f"{host}:8123")
    assert every_address_server().refusal(from_page_at(f"{host}:8123")) is not None


def test_a_link_local_ipv6_address_is_its_own_on_whichever_interface() -> None:
    """Bound without an interface, a link-local address is refused (EINVAL)."""
    address = link_local_address()
    if address is None:
        pytest.skip("no IPv6 link-local address here")
    assert names_this_machine(f"[{address}]:8123")
    assert names_this_machine(f"[{address}%25lo]:8123")  # the zone given is not trusted
    other = ipaddress.IPv6Address(int(ipaddress.IPv6Address(address)) ^ 0xFFFF)
    assert not names_this_machine(f"[{other}]:8123")


def test_a_host_whose_port_is_no_port_has_no_origin_to_match() -> None:
    """``Host: 127.0.0.1:99999`` has no origin (``""``), nor has ``Origin: http://[bad``:
    the two matched, and a client that sent both drove the app."""
    why = every_address_server().refusal(from_page_at("127.0.0.1:99999", "http://[bad"))
    assert why is not None and "another site refused" in why
