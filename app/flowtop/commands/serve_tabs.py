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
(:func:`say_server_stopped`), without waiting for a browser that does not answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shlex
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..workspace.helper_process import python_command

if TYPE_CHECKING:
    from aiohttp import web

#: Seconds between two looks at whether the server is still this app's parent (where
#: no parent-death signal tells it at once).
WATCH_INTERVAL = 0.5
#: Seconds the app has to quit after the server is gone before it ends for sure.
SERVER_GONE_GRACE = 2.0
#: Seconds a stopping server waits for a tab to answer its websocket's close.
CLOSE_WAIT = 1.0
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
    and the server that app's parent, which is what it watches."""
    opening = python_command("-c", _TAB_CODE, str(server_pid), "open", str(path))
    return f"exec {shlex.join(opening)}"


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


async def say_server_stopped(websocket: web.WebSocketResponse) -> None:
    """Close a tab's websocket as the server stops, saying so (the page shows "Session
    ended."); a browser that does not answer the close within :data:`CLOSE_WAIT` is not
    waited for (aiohttp would wait 10 s)."""
    from aiohttp import WSCloseCode

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(
            websocket.close(code=WSCloseCode.GOING_AWAY, message=b"flowtop serve stopped"),
            CLOSE_WAIT,
        )
