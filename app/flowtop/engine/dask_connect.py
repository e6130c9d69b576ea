"""Reaching a Dask scheduler given by address: its TLS settings checked, a probe asking
who answers there, and a ``Client`` made only when a scheduler did, all within
``CONNECT_TIMEOUT``.

Apart from ``dask_backend``, which runs attempts on the client this returns: Dask's own
connection bounds only the TCP connection, and the ways an address can fail (a hang, an
HTTP server, an unknown host, a refusal, a missing certificate) each need saying in one
line rather than as Dask's traceback.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from typing import Any

from .outcome_envelope import describe_error
from .spec import ExecutorError

#: Seconds a connection to a scheduler given by address may take (also how long a client
#: waits for a lost scheduler to come back before it gives up on it).
CONNECT_TIMEOUT = 10.0


def check_tls(address: str) -> None:
    """An encrypted address needs certificates from Dask's configuration; without them
    the client failed with a TypeError traceback, then a 20 s wait to close."""
    if not address.startswith(("tls://", "wss://")):
        return
    if _tls_configured():
        from distributed.security import Security

        try:
            context = Security().get_connection_args("client").get("ssl_context")
        except OSError as exc:  # a file named but missing or unreadable, a bad certificate
            raise ExecutorError(
                f"the Dask scheduler at {address} needs TLS certificates, and one Dask's "
                f"configuration names cannot be used: {_unreadable_tls_file() or exc}"
            ) from None
        if context is not None:
            return
    raise ExecutorError(
        f"the Dask scheduler at {address} needs TLS certificates, and Dask's "
        "configuration has none (distributed.comm.tls.ca-file, .client.cert, .client.key)"
    )


def _tls_configured() -> bool:
    """Whether Dask's configuration names a CA file and a client certificate, without
    both of which ``Security`` makes no TLS context; read from ``dask.config`` alone, as
    importing ``distributed`` cost 0.4 s of CPU before the error it would end in."""
    import dask.config

    return all(
        dask.config.get(f"distributed.comm.tls.{key}", None) for key in ("ca-file", "client.cert")
    )


def _unreadable_tls_file() -> str | None:
    """``ca.pem: No such file or directory`` for the first TLS file Dask's configuration
    names that cannot be opened (its ``ssl`` error names no file), else None."""
    import dask.config

    for key in ("ca-file", "client.cert", "client.key"):
        path = dask.config.get(f"distributed.comm.tls.{key}", None)
        if path:
            try:
                with open(path, "rb"):
                    pass
            except OSError as exc:
                return f"{path}: {exc.strerror or exc}"
    return None


#: How long past ``CONNECT_TIMEOUT`` a connection may take before it is given up on: the
#: probe's own deadline is ``CONNECT_TIMEOUT``; this covers making the client after it.
CONNECT_SLACK = 2.0


def client_at(address: str) -> Any:
    """A ``Client`` of the Dask scheduler at ``address``, or an :class:`ExecutorError`
    naming it and why not, within ``CONNECT_TIMEOUT`` (+ :data:`CONNECT_SLACK`).

    Dask bounds only the TCP connection: at an address that accepted it and then said
    nothing (a firewall, a stuck server) its handshake waited forever, and one that
    answered something else (an HTTP server) ended in numpy's ``Unable to allocate 3.07
    EiB`` traceback, its half-made client then waiting 20 s to close as it was collected
    (``Exception ignored in: Client.__del__``). So a probe asks the address who it is
    (:func:`_probe`) under a deadline, on a thread of its own (an event loop of its own,
    and a name lookup that hangs cannot hold the caller), and only a scheduler that
    answered gets a client."""
    outcome: queue.SimpleQueue[tuple[Any, str | None]] = queue.SimpleQueue()
    lock = threading.Lock()
    given_up = False

    def connect() -> None:
        why = _probe(address)
        client, why = (None, why) if why else _new_client(address)
        with lock:
            if not given_up:
                outcome.put((client, why))
                return
        if client is not None:  # the caller left meanwhile: nobody will close it
            _discard(client)

    thread = threading.Thread(target=connect, name="flowtop-dask-connect", daemon=True)
    thread.start()
    try:
        client, why = outcome.get(timeout=CONNECT_TIMEOUT + CONNECT_SLACK)
    except queue.Empty:
        client, why = None, f"no Dask scheduler answered there within {CONNECT_TIMEOUT:g} s"
    finally:
        with lock:
            given_up = True
    if why is not None or client is None:
        raise ExecutorError(f"cannot connect to the Dask scheduler at {address}: {why}")
    return client


def _probe(address: str) -> str | None:
    """Why no Dask scheduler answers at ``address``, or None when one does: Dask's
    handshake and an ``identity`` request, under ``CONNECT_TIMEOUT`` as a whole."""
    import asyncio

    from distributed.comm.core import FatalCommClosedError, connect
    from distributed.security import Security

    unknown = _unknown_host(address)
    if unknown is not None:
        return unknown

    async def ask() -> object:
        args = Security().get_connection_args("client")
        comm = await connect(address, timeout=CONNECT_TIMEOUT, **args)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    try:
        # a hair past Dask's own deadline, so that one it gave up on says why (refused)
        answer = asyncio.run(asyncio.wait_for(ask(), CONNECT_TIMEOUT + 0.25))
    except TimeoutError:  # (asyncio's too) accepted, then nothing: a handshake never came
        return f"no Dask scheduler answered there within {CONNECT_TIMEOUT:g} s"
    except FatalCommClosedError as exc:  # TLS refused (a certificate, a protocol)
        return describe_error(exc)
    except OSError as exc:
        if str(exc).startswith("Timed out trying to connect"):  # Dask's: never connected
            return f"{_unreachable(exc, address)} (tried for {CONNECT_TIMEOUT:g} s)"
        return f"{NOT_DASK}: it closed the connection instead of answering{PORTS}"
    except Exception:  # noqa: BLE001 - garbage read as Dask's frames: any error at all
        return f"{NOT_DASK}: what it sent is not Dask's protocol{PORTS}"
    if isinstance(answer, dict) and answer.get("type") == "Scheduler":
        return None
    return f"{NOT_DASK}: it answered as a {_kind(answer)}"


#: What a probe says of an address where something other than a Dask scheduler answers.
NOT_DASK = "something answers there, but not as a Dask scheduler"
#: The hint that follows when it does not speak Dask's protocol at all.
PORTS = " (is the port right? a scheduler listens on 8786, its dashboard on 8787)"


def _kind(answer: object) -> str:
    """``Dask worker`` for ``{"type": "Worker"}``: what else answered Dask's protocol."""
    kind = answer.get("type") if isinstance(answer, dict) else None
    return f"Dask {kind.lower()}" if isinstance(kind, str) else "Dask peer of another kind"


def _unknown_host(address: str) -> str | None:
    """``its host name could not be resolved (Name or service not known)`` when the name
    lookup of ``address``'s host says for sure there is none, at once: Dask tried again
    for ``CONNECT_TIMEOUT``, and its last try, cut off by its own deadline, could end
    saying no more than that. None otherwise (a lookup that failed for now, a number)."""
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        host, port = parse_host_port(parse_address(address)[1])
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
            return f"its host name could not be resolved ({exc.strerror or exc})"
    except (OSError, ValueError, TypeError):  # left to Dask, which says it its way
        pass
    return None


def _unreachable(exc: OSError, address: str) -> str:
    """Why Dask could not connect (``exc``: its ``Timed out trying to connect …``): the
    last attempt's cause, ``Connection refused``, an unknown host; when that attempt was
    cut off by Dask's deadline (its backoff can leave it a millisecond), one more plain
    TCP connection's (:func:`_tcp_refusal`)."""
    import socket

    from distributed.comm.core import CommClosedError

    cause = exc.__cause__
    if isinstance(cause, CommClosedError) and cause.__cause__ is not None:  # Dask's wrapper
        cause = cause.__cause__
    if isinstance(cause, socket.gaierror):
        return f"its host name could not be resolved ({cause.strerror or cause})"
    if isinstance(cause, OSError) and not isinstance(cause, TimeoutError) and cause.strerror:
        return cause.strerror
    if cause is None or isinstance(cause, TimeoutError):
        return _tcp_refusal(address)
    return describe_error(cause)


def _tcp_refusal(address: str) -> str:
    """``Connection refused`` (an error's text) when a TCP connection to ``address`` is
    refused now, within a second; else ``no answer``."""
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        host, port = parse_host_port(parse_address(address)[1])
        socket.create_connection((host, port), timeout=min(1.0, CONNECT_SLACK / 2)).close()
    except OSError as exc:
        if not isinstance(exc, TimeoutError) and exc.strerror:
            return exc.strerror
    except (ValueError, TypeError):  # an address Dask reads its own way (ws://…/path)
        pass
    return "no answer"


def _new_client(address: str) -> tuple[Any, str | None]:
    """A ``Client`` of the scheduler at ``address`` (which just answered a probe), or
    None and why making it failed: that half-made client is discarded (:func:`_discard`)."""
    from distributed import Client

    client: Any = Client.__new__(Client)  # held, so that one whose start fails is closed
    try:
        client.__init__(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - the scheduler went away since the probe, or worse
        _discard(client)
        return None, describe_error(exc)
    return client, None


def _discard(client: Any) -> None:
    """Close a client that will not be used, quietly: a failed start left it
    ``connecting``, and its ``__del__`` then waited 20 s for it to close, and printed
    ``Exception ignored in: Client.__del__ … TimeoutError`` (at exit too)."""
    with contextlib.suppress(Exception):
        client.close(timeout=1)
    client.status = "closed"  # what ``__del__`` checks before closing it again
    with contextlib.suppress(Exception):  # its event loop's thread, started for it alone
        client._loop_runner.stop(timeout=1)
