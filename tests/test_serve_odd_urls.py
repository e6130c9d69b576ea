"""``flowtop serve`` given URLs that are not quite URLs: a ``--public-url`` whose port is
out of range or that ends in a ``#fragment``, and a websocket whose ``Host`` or ``Origin``
cannot be read."""

from __future__ import annotations

import argparse

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from flowtop.commands.serve import public_url
from flowtop.commands.serve_access import names_this_machine
from flowtop.commands.serve_server import GuardedServer

TOKEN = "t0k3n"


def websocket_request(host: str, origin: str) -> web.Request:
    """A websocket request with the right token, from ``origin``, to ``Host: host``."""
    return make_mocked_request(
        "GET",
        f"/ws/{TOKEN}",
        headers={"Host": host, "Origin": origin},
        match_info={"token": TOKEN},
    )


@pytest.mark.parametrize(
    "given",
    ["http://example.org:99999", "http://example.org:0", "https://example.org/#top", "http://x/?"],
)
def test_a_public_url_the_page_s_links_cannot_be_built_on_is_refused(given: str) -> None:
    """``http://example.org:99999`` was taken: the printed link led nowhere."""
    with pytest.raises(argparse.ArgumentTypeError, match="must be an http"):
        public_url(given)


def test_a_public_url_with_a_port_and_a_prefix_is_kept() -> None:
    assert public_url(" https://example.org:8443/flowtop/ ") == "https://example.org:8443/flowtop"


def test_an_unreadable_origin_is_never_the_server_s_own() -> None:
    """A ``--public-url`` whose origin could not be read (its port out of range) made the
    accepted origins hold ``""``, which every unreadable ``Origin`` matched: a websocket
    with ``Origin: http://[bad`` drove the app."""
    server = GuardedServer(
        "true", host="127.0.0.1", port=8123, token=TOKEN, public="http://example.org:99999"
    )
    why = server.refusal(websocket_request("127.0.0.1:8123", "http://[bad"))
    assert why is not None and "refused" in why
    own = websocket_request("127.0.0.1:8123", "http://127.0.0.1:8123")
    assert server.refusal(own) is None


def test_a_host_header_that_is_no_host_is_refused_not_a_500() -> None:
    """On ``--host 0.0.0.0`` a websocket with ``Host: [bad`` raised ValueError in the
    check: a 500, and a traceback on the console."""
    assert not names_this_machine("[bad")
    server = GuardedServer("true", host="0.0.0.0", port=8123, token=TOKEN, public=None)
    why = server.refusal(websocket_request("[bad", "http://[bad"))
    assert why is not None and "another site refused" in why and "\n" not in why
    own = websocket_request("127.0.0.1:8123", "http://127.0.0.1:8123")
    assert server.refusal(own) is None


def page_request(host: str) -> web.Request:
    return make_mocked_request("GET", f"/?token={TOKEN}", headers={"Host": host})


@pytest.mark.parametrize("bind", ["127.0.0.1", "0.0.0.0"])
async def test_behind_a_public_url_a_page_at_a_site_s_name_is_refused(bind: str) -> None:
    """With ``--public-url`` the page was served at any ``Host`` (``evil.com``: a site
    that pointed its name here), though its websocket would then be refused."""
    server = GuardedServer(
        "true", host=bind, port=8123, token=TOKEN, public="https://flows.example.org/top"
    )
    for foreign in ("evil.com", "evil.com:8123", "flows.example.org.evil.com"):
        response = await server.handle_index(page_request(foreign))
        assert response.status == 403, foreign
        assert "not at an address of this server" in str(getattr(response, "text", "")), foreign


def test_a_page_behind_a_public_url_passes_at_its_name_or_this_machine_s() -> None:
    from flowtop.commands.serve_access import names_host_of

    public = "https://flows.example.org/top"
    for host in ("flows.example.org", "FLOWS.example.org:443", "flows.example.org.:9105"):
        assert names_host_of(host, public), host
    for host in ("evil.com", "example.org", "[bad", ""):
        assert not names_host_of(host, public), host
    assert names_this_machine("127.0.0.1:8123")  # a proxy giving this server's address


def test_a_name_of_this_machine_with_its_trailing_dot_is_this_machine() -> None:
    """``Host: vm.:8123`` (a name's absolute form, which browsers keep) was refused on
    ``--host 0.0.0.0`` while ``vm:8123`` passed; an address's dot is still no address."""
    import socket

    name = socket.gethostname().lower()
    assert names_this_machine(f"{name}.:8123")
    assert names_this_machine("localhost.")
    assert not names_this_machine("127.0.0.1.:8123")
