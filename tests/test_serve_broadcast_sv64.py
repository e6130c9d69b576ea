"""``flowtop serve --host 0.0.0.0`` refuses a ``Host`` naming an interface's directed
broadcast (``192.0.2.255`` on ``192.0.2.2/24``): it binds like the interface's own
address, yet no TCP connection reaches it, so only a forged ``Host`` names it. Only the
limited broadcast (``255.255.255.255``) was refused: the page answered 200 at the other."""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
import sys

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from flowtop.commands.serve_access import is_address_of_this_machine, names_this_machine
from flowtop.commands.serve_server import GuardedServer

TOKEN = "t0k3n"
#: Linux's ioctl for an interface's broadcast address (``<linux/sockios.h>``).
SIOCGIFBRDADDR = 0x8919

linux_only = pytest.mark.skipif(
    sys.platform != "linux", reason="Linux says which address is a broadcast"
)


def directed_broadcasts() -> list[str]:
    """This machine's interfaces' broadcast addresses, as ``ip addr`` shows (``brd``)."""
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            request = struct.pack("256s", name.encode()[:15])
            try:
                answer = fcntl.ioctl(probe.fileno(), SIOCGIFBRDADDR, request)
            except OSError:  # no IPv4 address on it
                continue
            address = ipaddress.IPv4Address(answer[20:24])
            if not address.is_unspecified:
                found.append(str(address))
    return found


def page_at(host: str) -> web.Request:
    """The websocket a page at ``http://host`` opens (``Host: host``, its own Origin)."""
    return make_mocked_request(
        "GET",
        f"/ws/{TOKEN}",
        headers={"Host": host, "Origin": f"http://{host}"},
        match_info={"token": TOKEN},
    )


@linux_only
def test_loopbacks_broadcast_is_no_address_a_page_is_at() -> None:
    """``127.255.255.255`` is ``lo``'s broadcast (its route ``127.0.0.0/8``): it binds."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.255.255.255", 0))  # what let it pass as this machine's
    assert not names_this_machine("127.255.255.255:8123")
    assert not names_this_machine("[::ffff:127.255.255.255]:8123")
    assert names_this_machine("127.0.0.2:8123")  # an address of the same route still is


@linux_only
def test_an_interfaces_directed_broadcast_is_refused() -> None:
    broadcasts = directed_broadcasts()
    if not broadcasts:
        pytest.skip("no interface with a broadcast address here")
    server = GuardedServer("true", host="0.0.0.0", port=8123, token=TOKEN, public=None)
    for address in broadcasts:
        assert not is_address_of_this_machine(address), address
        why = server.refusal(page_at(f"{address}:8123"))
        assert why is not None and "another site refused" in why, address


def test_where_datagram_sockets_are_refused_this_machine_s_addresses_still_are_its(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """rv644: a policy refusing datagram sockets (AppArmor, SELinux: EACCES at
    ``socket()``) made every address that binds read as a broadcast: refused."""
    import errno

    from flowtop.commands import serve_access

    real = socket.socket

    def no_datagrams(family: int = -1, kind: int = -1, *args: object) -> socket.socket:
        if kind == socket.SOCK_DGRAM:
            raise PermissionError(errno.EACCES, "denied by policy")
        return real(family, kind, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(serve_access.socket, "socket", no_datagrams)
    assert not serve_access._is_broadcast("127.0.0.1")
