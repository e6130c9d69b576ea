"""Which addresses ``flowtop serve --host H`` listens on.

A host is one address, except ``localhost``: it binds both loopbacks, ``::1`` and
``127.0.0.1``, where this machine has IPv6 on its loopback. Browsers resolve
``localhost`` to ``::1`` first, whatever ``/etc/hosts`` says; bound on ``127.0.0.1``
only (what ``/etc/hosts`` often names alone), http://localhost:PORT was refused on
``::1`` (a browser falls back to ``127.0.0.1``, ``curl -6`` and scripts do not).

A module of its own, apart from the server (:mod:`flowtop.commands.serve_server`),
because it answers one question, "which addresses does ``--host`` mean?", and needs
neither aiohttp nor textual-serve: ``flowtop serve`` checks them before importing those.
"""

from __future__ import annotations

import socket

#: The name that means both loopbacks.
LOCALHOST = "localhost"
#: The loopback addresses ``localhost`` binds where IPv6 works, IPv6's first (as browsers
#: try them).
LOOPBACKS = ("::1", "127.0.0.1")


def ipv6_loopback_works() -> bool:
    """Whether this machine can listen on ``::1`` (IPv6 built in, and on its loopback)."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            probe.bind(("::1", 0))
    except OSError:  # no IPv6 on the loopback (disabled), or none at all
        return False
    return True


def listen_addresses(host: str) -> tuple[str, ...]:
    """The addresses ``--host host`` listens on: :data:`LOOPBACKS` for ``localhost``
    where IPv6 works, else ``host`` alone (a name there is bound as the OS resolves it)."""
    if host.lower() == LOCALHOST and ipv6_loopback_works():
        return LOOPBACKS
    return (host,)
