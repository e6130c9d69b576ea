"""A ``flowtop serve`` tab's app ends with the server, however the server ends.

textual-serve starts each tab's app (``flowtop open``) on pipes and ends it only from the
server: with a ``quit`` on its input when the tab closes or the server stops. A server
that was killed (``kill -9``, the OOM killer, a crash) said nothing, and Textual's web
driver takes the end of its input silently: the app, and its flow host with it, ran on for
good (2-4 % of a core each). So the app is started by :func:`tab_command`, which has it
watch the server first: it is sent ``SIGTERM`` (to which it quits, as to a tab's
``quit``) as soon as the server is gone, at once on Linux (``PR_SET_PDEATHSIG``) and
within :data:`WATCH_INTERVAL` elsewhere, and it ends for sure :data:`SERVER_GONE_GRACE` later.
Its flow host ends with it (its socket closes). The runs it started are processes of their
own, which neither the signal nor the watch follows (a fork clears both), and go on.

A server that stops (SIGTERM, Ctrl+C) ends its tabs itself, and tells each page so
(:func:`say_server_stopped`), without waiting for a browser that does not answer: the
connection of a client that stopped reading (a suspended ``ssh -L``, a frozen laptop) is
aborted (:func:`abort`). asyncio's ``close`` waits until all is sent: such a tab kept its
socket, megabytes of buffers and its handler until the client went, and a stopping server
waited for it 1-2 minutes (aiohttp's shutdown timeout), ending with a traceback. A closed
tab's app that will not quit is killed (:func:`end_process`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shlex
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..printable import say
from ..workspace.helper_process import python_command

if TYPE_CHECKING:
    from aiohttp import web

#: Seconds between two looks at whether the server is still this app's parent (where
#: no parent-death signal tells it at once).
WATCH_INTERVAL = 0.5
#: Seconds the app has to quit after the server is gone before it ends for sure.
SERVER_GONE_GRACE = 2.0
#: Seconds a tab's websocket is given to close (a stopping server's, an ended app's):
#: a client that has not taken the close by then is not waited for (aiohttp waits 10 s,
#: and for ever for one that stopped reading).
CLOSE_WAIT = 1.0
#: Seconds a closed tab's app that has read its ``quit`` gets, past the grace it had to
#: quit, before it is killed: it heard, and is on its way (a host busy with tabs closing
#: together; one still starting, which quits once it has).
QUIT_PATIENCE = 30.0
#: The exit code of an app that had to be ended without quitting.
SERVER_GONE_EXIT = 1
#: ``prctl``'s option for the signal a process gets when its parent dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1

#: What a tab's process runs: the watch, then ``flowtop open`` as the ``flowtop`` command
#: runs it (``python -c``: this module is below the CLI, which it cannot import).
_TAB_CODE = (
    "import sys; from flowtop.commands.serve_tabs import end_with_server; "
    "end_with_server(int(sys.argv[1])); from flowtop.cli import main; "
    "sys.exit(main(sys.argv[2:]))"
)


def tab_command(path: Path, server_pid: int) -> str:
    """The shell command textual-serve runs for a tab: ``flowtop open path``, ending with
    the server ``server_pid``. textual-serve runs it with ``sh -c``: ``exec`` makes the
    process it holds the app itself (not a shell whose kill would leave the app running),
    and the server that app's parent, which is what it watches.

    The app writes UTF-8 (``PYTHONIOENCODING``), whatever the server's locale: a browser
    tab draws UTF-8 always, and under a locale without Unicode (``LC_ALL=C`` with
    ``PYTHONUTF8=0``) every tab closed at once with "the monitor draws with Unicode, and
    this terminal's encoding is ascii". The locale itself is left as the user set it:
    the runs' code may depend on it."""
    opening = python_command("-c", _TAB_CODE, str(server_pid), "open", str(path))
    return f"export PYTHONIOENCODING=utf-8; exec {shlex.join(opening)}"


def end_with_server(server_pid: int) -> None:
    """Have this process quit when ``server_pid``, its parent, is gone (see the module).
    A server already gone by now is noticed at the first look."""
    ask_signal_at_parent_death(signal.SIGTERM)
    threading.Thread(
        target=watch_server,
        args=(server_pid,),
        name="flowtop-serve-watch",
        daemon=True,  # it never holds up the app's own exit
    ).start()


def ask_signal_at_parent_death(signum: int) -> bool:
    """Have Linux send ``signum`` to this process when its parent dies; False where it
    cannot (not Linux, no C library at hand): the watch thread then notices alone."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def watch_server(
    server_pid: int, interval: float = WATCH_INTERVAL, grace: float = SERVER_GONE_GRACE
) -> None:
    """Wait until ``server_pid`` is no longer this process's parent (it died: the process
    was handed to init or a subreaper), then ask this process to quit with ``SIGTERM``,
    and end it ``grace`` seconds later if it has not (its shutdown stuck writing to a
    server that is gone, say)."""
    while os.getppid() == server_pid:
        time.sleep(interval)
    with contextlib.suppress(OSError):
        os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(grace)
    os._exit(SERVER_GONE_EXIT)


async def say_server_stopped(websocket: web.WebSocketResponse, request: web.BaseRequest) -> None:
    """Close a tab's websocket as the server stops, saying so (the page shows "Session
    ended."), within :data:`CLOSE_WAIT` (:func:`close_or_abort`)."""
    from aiohttp import WSCloseCode

    await close_or_abort(websocket, request, WSCloseCode.GOING_AWAY, b"flowtop serve stopped")


async def close_or_abort(
    websocket: web.WebSocketResponse, request: web.BaseRequest, code: int, message: bytes = b""
) -> None:
    """Close a tab's websocket with ``code`` and ``message``; a client that has not taken
    the close within :data:`CLOSE_WAIT` (it stopped reading, or does not answer) has its
    connection aborted. The close is not cancelled: aiohttp's close and the tab's own
    writes wait on one future, and cancelling it cancelled the tab's reader of its app's
    output too (the app, unread, could not end)."""
    closing = asyncio.ensure_future(websocket.close(code=code, message=message))
    done, _ = await asyncio.wait({closing}, timeout=CLOSE_WAIT)
    if not done:
        abort(request)  # the close, woken, ends: the client is gone
        done, _ = await asyncio.wait({closing}, timeout=CLOSE_WAIT)
    if not done:
        closing.cancel()
    elif not closing.cancelled():
        closing.exception()  # none expected: aiohttp's close keeps its errors


def let_go(request: web.BaseRequest) -> None:
    """As a tab ends: abort its connection if its client left what was sent unread (it
    stopped reading: the close, if any, did not get through either)."""
    transport = request.transport
    if transport is not None and transport.get_write_buffer_size() > 0:
        abort(request)


def abort(request: web.BaseRequest) -> None:
    """Drop the connection of ``request`` now, and what it still had to send (a reset:
    the kernel's send queue, megabytes, is freed too, not kept for the peer)."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()  # a pending write of the tab's gets ConnectionError: its app goes on


class Ending(Protocol):
    """What :func:`end_process` needs of a tab's app process (asyncio's ``Process``)."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    async def wait(self) -> int: ...

    def kill(self) -> None: ...


async def end_process(
    process: Ending,
    grace: float,
    *,
    patience: float = 0.0,
    heard: Callable[[], bool] = lambda: False,
) -> bool:
    """Wait up to ``grace`` seconds for ``process`` to end, ``patience`` more if then it
    has ``heard()`` what asked it to quit (it is on its way, only slow); kill it when it
    has not ended, and say so. True when it was killed. Only that process gets the
    signal: the runs it started are in sessions of their own and go on."""
    if process.returncode is not None:
        return False
    waited = grace
    try:
        await asyncio.wait_for(process.wait(), grace)
        return False
    except TimeoutError:
        pass
    if patience > 0 and heard():
        waited += patience
        try:
            await asyncio.wait_for(process.wait(), patience)
            return False
        except TimeoutError:
            pass
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    await process.wait()
    say(f"a closed tab's app (pid {process.pid}) did not quit within {waited:g} s: killed")
    return True


def input_read(stdin: asyncio.StreamWriter | None) -> bool:
    """Whether a tab's app has read all that was written to its input (``stdin``, a
    pipe): nothing left in asyncio's buffer nor in the pipe. False where it cannot be
    told (no ``FIONREAD`` for a pipe)."""
    if stdin is None or stdin.transport.get_write_buffer_size() > 0:
        return False
    try:
        import fcntl
        import termios

        pipe = stdin.transport.get_extra_info("pipe")
        unread = fcntl.ioctl(pipe.fileno(), termios.FIONREAD, b"\0" * 4)
    except (ImportError, AttributeError, OSError, ValueError):
        return False
    return int(struct.unpack("i", unread)[0]) == 0
