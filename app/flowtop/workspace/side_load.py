"""While a flow host's first load imports a slow file, a side host imports the files after it.

A flow host imports the folder's files one at a time, each once, in its own process
(``import_guard``), and says each file's flows as soon as it is in (``early_flows``). So
a file whose import takes seconds (a sleep, a big SDK, a network call) kept every file
after it off the monitor's first screen until it was in, or until its ``load_timeout``
ended the host. An import cannot be set aside; so when one has gone on for
``SLOW_AFTER`` seconds, the host starts a *side host* (a flow host of its own) on the
files after it and passes on the flows it says of each: they are listed, and can be run,
while the slow one imports. The host's own load still imports those files after it (its
reply is the word on every file, and the runs' code is theirs), and stops the side host
as it ends. A side host that meets a slow file does the same in turn; one that meets a
hanging file ends at its ``load_timeout``, as any flow host does. One that ends on a file
(``os._exit`` at import, a hang) is followed at once by another on the files after that
one: they were held back till the host's own load ended on its slow file. A file a side
host finds broken is said broken at once (``HostNews.broken``), the one that ended it
too, in the words the host's load will have for it (a loader child's end, or the hang).
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .flow_host_news import HostNews
from .helper_process import HelperGone, HelperProcess
from .import_guard import FAST
from .load_error import LoadError, import_overran

#: Seconds one import goes on before the files after it are imported by a side host.
SLOW_AFTER = 1.0
#: Seconds a side host may take beyond its files' ``load_timeout`` before it is given up.
SLACK = 10.0


class SideHost(HelperProcess):
    """A side host's process, whose exit is kept when it ended on its own (``ended``)."""

    #: Its ``returncode`` when it ended before it was stopped (None: it had not).
    ended: int | None = None

    def _stop(self) -> None:
        process, sock = self._process, self._socket
        ending = process is not None and (process.poll() is not None or at_end(sock))
        super()._stop()  # (a process already ending keeps its exit status when killed)
        if process is not None and ending and self.ended is None:
            self.ended = process.returncode


def at_end(sock: socket.socket | None) -> bool:
    """Whether ``sock``'s other end is closed: a process that closed its end is exiting
    (a reply ending there is read whole before a stop)."""
    if sock is None:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except OSError:  # (nothing to read yet: BlockingIOError)
        return False


def ended_said(returncode: int) -> str:
    """Why a file is broken whose import ended its importer with ``returncode``: as a
    loader child's end is said (``loader_process._ended``), which the load says of it."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return f"the import ended the process (killed by signal {name})"
    return f"the import ended the process (exit code {returncode})"


class SideLoad:
    """A first load's ``import_guard.ImportNews``: says what the host imports (``news``)
    and starts a side host on ``files`` after one that takes over ``SLOW_AFTER``."""

    def __init__(
        self,
        path: str,
        files: Sequence[Path],
        news: HostNews,
        load_timeout: Callable[[], float],
    ) -> None:
        self.path = path  # the workspace, as the host was given it
        self.files = list(files)  # the load's files, in the order it imports them
        self.news = news
        self.load_timeout = load_timeout  # the settings' (read by the load, once it starts)
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._side: HelperProcess | None = None  # the one running (one after another)
        self._asking: threading.Thread | None = None  # the timer's thread that asks them
        self._closed = False

    # -- import_guard.ImportNews --------------------------------------------------------
    def importing(self, files: Sequence[Path]) -> None:
        self.news.importing(files)
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = None
            if len(files) == 1 and self._asking is None and not self._closed:
                self._timer = threading.Timer(SLOW_AFTER, self._slow, [files[0]])
                self._timer.daemon = True
                self._timer.start()

    def hung(self, file: Path, seconds: float) -> None:
        """The host ends after this: its side host with it."""
        self.news.hung(file, seconds)
        self.close()

    # -- the side host ------------------------------------------------------------------
    def after(self, file: Path) -> list[Path]:
        """The load's files after ``file``: what a side host imports while it does."""
        return self.files[self.files.index(file) + 1 :] if file in self.files else []

    def _slow(self, file: Path) -> None:
        """On the timer's thread: ``file`` is still importing, so the files after it are
        loaded by a side host, its news passed on until it is done or stopped. A side
        host that ends on a file of its own is followed by another on those after it."""
        rest = self.after(file)
        with self._lock:
            if not rest or self._asking is not None or self._closed:
                return  # (once per load, at most)
            self._asking = threading.current_thread()
        while rest:
            ended_on = self._load_aside(rest)
            rest = rest[rest.index(ended_on) + 1 :] if ended_on in rest else []

    def _load_aside(self, files: list[Path]) -> Path | None:
        """Have a side host load ``files``; the file it was importing when it ended (None:
        it was done, or stopped)."""
        importing: list[Path] = []  # the files the side host said it imports now
        now: list[bool] = [False]  # whether it said it imports one (not: none, now)
        hung: dict[str, tuple[float, str]] = {}  # a file it hung on: the seconds, where

        def heard(news: dict[str, Any]) -> None:
            if "importing" in news:
                now[0] = bool(news["importing"])
            if news.get("importing"):
                importing[:] = [Path(file) for file in news["importing"]]
            if "hung" in news:
                hung[str(news["hung"])] = (float(news["seconds"]), str(news.get("where", "")))
            self._pass_on(news)

        with self._lock:
            if self._closed:
                return None
            side = self._side = SideHost(
                "flowtop.workspace.flow_host", [self.path, FAST], heard=heard
            )
        request = {"kind": "load", "early": True, "files": [str(path) for path in files]}
        try:
            side.ask(request, (len(files) + 1) * self.load_timeout() + SLACK)
        except HelperGone:  # stopped, or it ended on a file of its own
            if not importing or self._closed:
                return None
            file = importing[-1]
            if str(file) in hung:
                overran = import_overran(*hung[str(file)])
                self.news.broken([LoadError(file, None, None, overran)])
            elif now[0] and side.ended is not None:  # (None: it was stopped, as on a timeout)
                self.news.broken([LoadError(file, None, None, ended_said(side.ended))])
            return file
        finally:
            side.close()
        return None

    def _pass_on(self, news: dict[str, Any]) -> None:
        """A side host's news: the flows of a file it imported, and the files it found
        broken, as the host's own."""
        if "loaded" in news:
            self.news.send({"news": {"loaded": news["loaded"]}})
        if "broken" in news:
            self.news.send({"news": {"broken": news["broken"]}})

    def close(self) -> None:
        """The load is over: no side host starts, and one running is stopped, before the
        host replies (none of its news comes after the reply)."""
        with self._lock:
            self._closed = True
            timer, side, asking = self._timer, self._side, self._asking
        if timer is not None:
            timer.cancel()
        if side is None:
            return
        side.close()  # its ask ends at once, and the thread that asked with it
        if asking is None or asking is threading.current_thread():
            return
        # closed in the instant before its ask started the process, the side host would
        # start all the same and load every file while the host waits here: closed again
        # (no other side host starts once closed: this one is the last)
        while asking.is_alive():
            asking.join(0.05)
            side.close()
