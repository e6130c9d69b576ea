"""Import a flow file in a child process first, with a timeout, so user code at import
can never take the monitor down.

A flow file that loops forever at import, calls ``os._exit``, dies of a signal, or raises
``KeyboardInterrupt``/``SystemExit``/``CancelledError`` would otherwise hang or kill the
process that imports it (the TUI, ``flowtop list``, a run process). :func:`probe` imports
the file in a forked child with its output captured and reports how that went: a
:class:`~flowtop.workspace.loader.LoadError` for a file that is broken (``slow.py: import
did not finish in 10 s``, ``crash.py: the import ended the process (exit code 3)``), or
the flows it defines.

Forking is cheap when flowtop is already imported; forking a process that runs threads
is not safe (a lock held by another thread stays held in the child). So a process with
a single thread (a ``flowtop run`` or ``flowtop list`` while it loads) forks the child
itself, and any other (the TUI, whose loads run on worker threads) asks a *fork server*:
one warm single-threaded helper process, started on first use and shared by every
workspace of the process, that forks one child per import. Hot reload then costs a fork
and the user's own import, not an interpreter start.

A whole workspace described this way (``flowtop list``, ``run --detach``) is
``workspace_description``'s: it asks these children and the fork server.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import import_guard
from .child_failure import write_failure, write_reply
from .forked_child import (
    close_all_but,
    closed_in_children,
    die_with,
    forks_end_here,
    kill_group,
    ready_to_read,
    single_threaded,
)
from .helper_process import HelperGone, HelperProcess, receive, send
from .import_guard import CAREFUL
from .load_error import LoadError, import_overran

#: Output a module prints at import is kept up to this many characters (the tail).
MAX_OUTPUT = 64 * 1024
#: Seconds between two sayings of the same files still importing in loader children.
SAID_AGAIN = 1.0


@dataclass(frozen=True)
class FlowInfo:
    """What the child saw of one flow: enough to list it without importing it here."""

    name: str
    dynamic: bool
    tasks: tuple[tuple[str, tuple[str, ...]], ...]  # (task key, upstream keys)


@dataclass(frozen=True)
class ProbeResult:
    """How importing one flow file in a child went."""

    error: LoadError | None = None
    flows: tuple[FlowInfo, ...] = ()
    output: str = ""  # what the module wrote to stdout/stderr at import (a tail)
    #: True when the failure is one only a separate process can report (a hang, an exit,
    #: a signal): importing the file here would hang or end this process.
    fatal: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def timed_out(self) -> bool:
        """Whether the import overran ``load_timeout`` (a longer one may see it through)."""
        return "timed_out" in self.details


def available() -> bool:
    """Whether imports can be tried in a child (POSIX ``fork``)."""
    return hasattr(os, "fork") and sys.platform != "win32"


def probe(path: Path, root: Path, *, prefect_compat: bool, timeout: float) -> ProbeResult:
    """Import ``path`` (a flow file of the folder ``root``) in a child; see the module doc."""
    return probe_many([path], root, prefect_compat=prefect_compat, timeout=timeout)[path]


def probe_many(
    paths: list[Path], root: Path, *, prefect_compat: bool, timeout: float
) -> dict[Path, ProbeResult]:
    """:func:`probe` for several files of ``root`` at once, in parallel children."""
    known = {path: import_guard.hung_before(path) for path in paths}  # (said at once)
    replies = {p: _timed_out(*s) for p, s in known.items() if s is not None}
    paths = [path for path in paths if path not in replies]
    if not paths:
        return {path: _result(path, reply) for path, reply in replies.items()}
    requests = [
        {
            "path": str(path),
            "root": str(root),
            "compat": prefect_compat,
            "timeout": timeout,
            "cwd": os.getcwd(),
        }
        for path in paths
    ]
    if single_threaded():
        for stream in (sys.stdout, sys.stderr):  # or the children would write it out again
            with contextlib.suppress(Exception):
                stream.flush()
        answers = run_children(requests)
    else:
        import_guard.now_importing(paths)  # (the server's children: all, until it answers)
        answer = fork_server().ask({"kind": "batch", "requests": requests}, timeout)
        answers = answer.get("replies") or [answer] * len(paths)
        import_guard.now_importing([])
    replies.update(zip(paths, answers, strict=True))
    return {path: _result(path, replies[path]) for path in known}


# -- the child ---------------------------------------------------------------------------


def run_child(request: dict[str, Any]) -> dict[str, Any]:
    """Fork a child that imports the file, wait for it within the timeout, and say how it went.

    The reply is plain JSON: ``{"error": [line, column, message] | None, "flows": [...],
    "output": str, "fatal": bool}``. Called by a single-threaded caller and by the server.
    """
    return run_children([request])[0]


def run_children(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """:func:`run_child` for several files at once: one child each, all in parallel, so
    three files that hang cost one timeout, not three. The files still importing are
    said as that changes (``import_guard.now_importing``: a flow host's loading line),
    and again every ``SAID_AGAIN`` seconds (a run names the file it waits for): the file
    a child says it imports (a folder's loader), else the one it was asked for. A stop
    (SIGTERM) reads what the children said before it first: ``flowtop list .`` names the
    file it stopped (``run_signals.stopped_while_importing``), not the folder."""
    children = [_Child(request) for request in requests]
    told: list[Path] | None = None  # the files last said to be importing
    said_at = 0.0
    try:
        while True:
            waiting = [c for c in children if not c.done]
            now = [file for child in waiting for file in child.importing()]
            if now != told or time.monotonic() - said_at >= SAID_AGAIN:
                import_guard.now_importing(now)
                told, said_at = now, time.monotonic()
            if not waiting:
                break
            readable = [c.read_fd for c in waiting if not c.eof]
            if readable:
                ready = ready_to_read(readable, 0.02)
                for child in waiting:
                    if child.read_fd in ready:
                        child.read()
            else:
                time.sleep(0.002)  # every reply is in: the children are exiting
            for child in waiting:
                child.poll()
    except KeyboardInterrupt:
        _heard_last(children, told)
        raise
    return [child.reply() for child in children]


def _heard_last(children: list[_Child], told: list[Path] | None) -> None:
    """The news ``children`` wrote before a stop and were not read yet, said."""
    with contextlib.suppress(OSError):
        for child in children:
            if not child.done and not child.eof and ready_to_read([child.read_fd], 0):
                child.read()
    now = [file for child in children if not child.done for file in child.importing()]
    if now != told:
        import_guard.now_importing(now)


class _Child:
    """One forked import: its pipe for the reply, its captured output, its deadline."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.timeout = float(request["timeout"])
        self.path = str(request["path"])
        self.read_fd, write_fd = os.pipe()
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 - shared with the child by fd
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            die_with(parent)
            os.close(self.read_fd)
            _child_main(request, write_fd, self.output.fileno())
        os.close(write_fd)
        self.pid = pid
        self.deadline = time.monotonic() + self.timeout
        self.chunks: list[bytes] = []
        self.status: int | None = None  # the wait status; None after a timeout
        self.eof = False
        self.done = False
        self.heard: list[Path] = []  # the files the child last said it imports
        self.at = ""  # where its import was past its own deadline, as it said (if it did)
        self.unread = b""  # the start of a line of news (``import_guard.news_apart``)

    def read(self) -> None:
        chunk = os.read(self.read_fd, 65536)
        if chunk:
            reply, news, self.unread = import_guard.news_apart(self.unread + chunk)
            self.chunks.append(reply)
            for said in news:
                if isinstance(said, str):
                    self.at = said
                else:
                    self.heard = said
        else:
            self.eof = True

    def importing(self) -> list[Path]:
        """The files this child imports now: those it said (a loader of a folder's), else
        the one it was asked for (the folder, between two of its files)."""
        return self.heard or [Path(self.path)]

    def poll(self) -> None:
        done, status = os.waitpid(self.pid, os.WNOHANG)
        if done:
            self.status = status
            # what the child wrote before it exited is still in the pipe
            while not self.eof and ready_to_read([self.read_fd], 0):
                self.read()
            self._finish()
        elif time.monotonic() >= self.deadline:
            while not self.eof and ready_to_read([self.read_fd], 0):  # where it was, if said
                self.read()
            kill_group(self.pid)
            self._finish()

    def _finish(self) -> None:
        os.close(self.read_fd)
        self.done = True

    def reply(self) -> dict[str, Any]:
        # imported here: `flowtop list` has no other use for the shapes' module
        from .flow_shapes import collector_paused

        try:
            self.output.seek(0, os.SEEK_END)
            size = self.output.tell()
            self.output.seek(max(0, size - MAX_OUTPUT * 4))
            printed = self.output.read().decode("utf-8", "replace")[-MAX_OUTPUT:]
        finally:
            self.output.close()
        data = b"".join(self.chunks)
        reply: dict[str, Any] | None = None
        if self.status == 0 and data:
            with contextlib.suppress(ValueError), collector_paused():
                reply = json.loads(data)
        if reply is None:
            status = self.status  # (None: killed at its deadline)
            reply = _timed_out(self.timeout, self.at) if status is None else _fatal(_ended(status))
            reply["hung"] = import_guard.hung_said(self.status, data)  # which file, if one
        reply["output"] = printed
        return reply


def _fatal(message: str) -> dict[str, Any]:
    """A child's reply when there is none of its own (``message``: why)."""
    return {"error": [None, None, message], "flows": [], "fatal": True}


def _timed_out(seconds: float, where: str = "") -> dict[str, Any]:
    """The reply for an import that overran ``seconds`` (``ProbeResult.timed_out``), and
    was at ``where`` then (``import_guard.overran_at``; "": not known)."""
    return {**_fatal(import_overran(seconds, where)), "timed_out": seconds}


def _ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        return f"the import ended the process (killed by signal {name})"
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    return f"the import ended the process (exit code {code})"


def _child_main(request: dict[str, Any], reply_fd: int, output_fd: int) -> None:
    """Import the file, write the reply, and leave without running any exit handler."""
    code = 0
    try:
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)  # a timeout kills what the import started, too
        said = import_guard.HungSaid(reply_fd)
        import_guard.tell(said)  # not the parent's: its own news
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output_fd, 1)  # a module printing at import never reaches a terminal
        os.dup2(output_fd, 2)
        # Nothing else of the parent's stays open here: a socket of the flow host's would
        # keep the TUI from seeing the host die while this import hangs.
        close_all_but(reply_fd)
        closed_in_children(reply_fd)  # nor in a process the import forks (a daemon's)
        sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115 - lives as long as the child
        sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115 - lives as long as the child
        with contextlib.suppress(OSError):
            os.chdir(request["cwd"])
        # One import (and description) and then ``os._exit``: what it makes all stays
        # alive to the end, so a collection would only scan it (0.4 s of a 100,000-task
        # flow's 1 s; ``flow_shapes.collector_paused``).
        gc.disable()
        if request.get("kind") == "describe":  # (``hung``: those a FAST one ended on)
            from ..compat import force
            from .workspace_description import describe_here  # (it imports this module)

            force(bool(request.get("forced")))  # the asker's drop-in mode, not the server's

            # (a copy user code forks while described, past its import, writes no reply)
            with import_guard.known_hung(request.get("hung") or {}), forks_end_here():
                imports = request.get("imports", CAREFUL)
                reply = describe_here(request["path"], request.get("parameters"), imports)
        else:  # its own deadline, before its parent's: a default's repr that hangs is
            # named, and an import that overruns it says where it is (before it is killed)
            with import_guard.deadline(0.9 * float(request["timeout"]), said.overran):
                reply = _import(Path(request["path"]), Path(request["root"]), request["compat"])
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        write_reply(reply_fd, json.dumps(reply).encode())
    except Exception as exc:  # noqa: BLE001 - past the import: said in one line
        code = write_failure(exc, request, reply_fd)
    except BaseException:  # noqa: BLE001 - the parent reads the exit code
        code = 70
    finally:
        os._exit(code)


def _import(path: Path, root: Path, compat: bool) -> dict[str, Any]:
    from ..engine.dynamic import FlowFunction
    from .flow_source import LoadFailed
    from .loader import Loader

    loader = Loader(root, None, prefect_compat=compat)
    loader.activate()
    try:
        loaded = loader._load_one(path, force=True)
    except LoadFailed as failed:
        error = failed.error
        return {"error": [error.line, error.column, error.message], "flows": [], "fatal": False}
    flows = []
    for name, flow in (loaded.flows if loaded else {}).items():
        dynamic = isinstance(flow, FlowFunction)
        nodes = flow.task_nodes() if isinstance(flow, FlowFunction) else flow.nodes
        flows.append(
            {
                "name": name,
                "dynamic": dynamic,
                "tasks": [[key, list(node.upstream)] for key, node in nodes.items()],
            }
        )
    return {"error": None, "flows": flows, "fatal": False}


def _result(path: Path, reply: dict[str, Any]) -> ProbeResult:
    error = None
    if reply.get("error"):
        line, column, message = reply["error"]
        error = LoadError(path, line, column, str(message))
    flows = tuple(
        FlowInfo(
            str(info["name"]),
            bool(info["dynamic"]),
            tuple((str(key), tuple(str(u) for u in up)) for key, up in info["tasks"]),
        )
        for info in reply.get("flows", [])
    )
    return ProbeResult(
        error, flows, str(reply.get("output", "")), bool(reply.get("fatal")), dict(reply)
    )


# -- the fork server ---------------------------------------------------------------------


class ForkServer:
    """A warm helper process with flowtop imported that forks one child per import."""

    def __init__(self) -> None:
        self._helper = HelperProcess(__name__, heard=_relay)

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        for attempt in (1, 2):
            try:
                # the server enforces the timeout; this bound is for a server gone wrong
                return self._helper.ask(request, timeout + 10)
            except HelperGone:
                if attempt == 2:
                    break
        return _fatal("the loader process failed; import skipped")

    def close(self) -> None:
        self._helper.close()

    @property
    def pid(self) -> int | None:
        return self._helper.pid


def _relay(news: dict[str, Any]) -> None:
    """The fork server's news (``serve``): the files its children still import, said in
    this process too (a run started beside a thread names the file it waits for)."""
    if "importing" in news:
        import_guard.now_importing([Path(file) for file in news["importing"]])


_shared: ForkServer | None = None
_shared_lock = threading.Lock()


def fork_server() -> ForkServer:
    global _shared  # one server per process, started on first use
    with _shared_lock:
        if _shared is None:
            _shared = ForkServer()
            atexit.register(_shared.close)
        return _shared


def serve(fd: int) -> None:
    """The fork server's loop: one request in, one forked child, one reply out."""
    import flowtop.workspace.loader
    import flowtop.workspace.workspace_description  # noqa: F401 - warm: as the loader

    from .flow_host_news import HostNews

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(fileno=fd)
    import_guard.tell(HostNews(sock))  # the files still importing, as news (``_relay``)
    while True:
        try:
            request = receive(sock)
        except (OSError, EOFError, ValueError):
            return  # the client went away: so do we
        reply: dict[str, Any]
        try:
            if request.get("kind") == "batch":
                reply = {"replies": run_children(list(request["requests"]))}
            else:
                reply = run_child(request)
        except Exception as exc:  # noqa: BLE001 - said to the client, the server goes on
            reply = _fatal(f"loader process: {exc}")
        try:
            send(sock, reply)
        except OSError:
            return
