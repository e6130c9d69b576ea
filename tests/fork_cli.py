"""``python -m flowtop ARGS`` in a process of its own, forked from one that has already
started Python and imported flowtop: the tests' way to run the real command at a third of
the CPU.

Why: the suite starts the command about 1,500 times, and a new interpreter costs ~35 ms of
CPU before it reads a line of flowtop (a sandbox ``.pth`` alone takes 26 ms of it here), then
~50 ms importing flowtop: two thirds of what a short ``flowtop run`` costs, on a 2-core
machine where the suite's time is its CPU. Each command still gets a process of its own:
its own pid, cwd, environment, argv, stdin/stdout/stderr (the caller's pipes, passed over
the socket), exit code and signals, children and exit handlers; what it does not get is a
fresh interpreter's start. So a command whose test is *about* that start (a variable read
as Python starts, ``PYTHON*``, the locale, ``-X`` options) runs as a new ``python``:
:func:`forkable` says which. :func:`run` stands in for ``subprocess.run``, :func:`popen`
for ``subprocess.Popen`` (a real ``Popen`` object, only its child's start and wait status
the server's): the child's parent is the server, so a test about that relation keeps a
real ``Popen``.

One server per pytest worker, started at its first use, listening on a ``SOCK_SEQPACKET``
socket (one message per request and per answer). It forks a child per request and answers
twice: the child's pid, then its wait status. It is single-threaded (a fork from a
process with threads could copy a held lock), waits on ``SIGCHLD`` through a wakeup fd, and
ends when its worker does.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import io
import json
import locale
import os
import runpy
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: Variables a Python reads as it starts (or flowtop as it is imported): a command given
#: other values than the server started with is started as a new ``python``.
_READ_AT_START = ("PYTHON", "LC_", "LANG", "FLOWTOP_NOTICE_MARK")
#: The variable that says how its output is buffered: read by the child itself.
_UNBUFFERED = "PYTHONUNBUFFERED"
#: Where imports come from: the same for the child when it adds no folder (``_Server.path``)
#: but :data:`_SITE`.
_PATH = "PYTHONPATH"
#: The modules a drop-in parent names (``children.ENV``), and the folder it puts first on
#: ``PYTHONPATH`` whose ``sitecustomize`` installs them as Python starts (``children.SITE``):
#: a child given others than the server started with installs them itself, as a new
#: ``python`` would (:func:`_as_child_site_would`).
_CHILD_MODULES = "FLOWTOP_PREFECT_CHILD_MODULES"
_FLOWTOP = importlib.util.find_spec("flowtop")  # found, not imported: the server imports it
assert _FLOWTOP is not None and _FLOWTOP.origin is not None
_SITE = str(Path(_FLOWTOP.origin).resolve().parent / "compat" / "child_site")
#: ``FLOWTOP_TESTS_FORK_LOG``: a file each worker appends a line to per command, ``forked``
#: or ``new`` (a new ``python``), to count them over a run; unset, nothing is written.
_LOG = os.environ.get("FLOWTOP_TESTS_FORK_LOG")


def _logged(forked: bool) -> bool:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write("forked\n" if forked else "new\n")
    return forked


def forkable(env: Mapping[str, str]) -> bool:
    """Whether a command run with ``env`` behaves the same forked from the server as
    started anew: the variables read at a Python's start have the server's values (but
    drop-in modules, which the child installs), and this thread passes on no signal ignored
    or blocked (a new process would keep them: ``nohup``'s SIGHUP; the server's have none)."""
    if os.environ.get("FLOWTOP_TESTS_FORK") == "0":  # to compare, or to rule it out
        return False
    if _inherited_signals() != (set(), set()):
        return False
    drop_in = _drop_in(env)
    return (
        not any(
            name.startswith(_READ_AT_START) and env.get(name) != _server_env.get(name)
            for name in {*env, *_server_env}
            if name not in (_UNBUFFERED, _PATH)
        )
        and (drop_in is not None or drop_in == _drop_in(_server_env))  # none: not undone
        and all(e in _the_server().path for e in _entries(env.get(_PATH)) if e != _SITE)
    )


def _drop_in(env: Mapping[str, str]) -> dict[str, str] | None:
    """The modules ``child_site``'s ``sitecustomize`` installs its finder for in a Python
    started with ``env`` (as ``children.install`` reads them), or None: it installs none."""
    if _SITE not in _entries(env.get(_PATH)):
        return None
    try:
        modules = json.loads(env.get(_CHILD_MODULES) or "{}")
    except ValueError:
        return None
    if not isinstance(modules, dict) or not modules:
        return None
    return {str(name): str(file) for name, file in modules.items()}


#: Signals Python ignores as it starts (and ``Popen`` puts back to default before it).
_PYTHON_IGNORES = frozenset({signal.SIGPIPE, signal.SIGXFSZ})


def _inherited_signals() -> tuple[set[int], set[int]]:
    """What a process started from this thread takes from it of its signals: those it
    ignores (but :data:`_PYTHON_IGNORES`) and those it blocks."""
    ignored = set()
    for number in signal.valid_signals():
        with contextlib.suppress(ValueError, OSError):
            if signal.getsignal(number) is signal.SIG_IGN:
                ignored.add(int(number))
    blocked = {int(number) for number in signal.pthread_sigmask(signal.SIG_BLOCK, [])}
    return ignored - _PYTHON_IGNORES, blocked


def _entries(path: str | None) -> list[str]:
    return [os.path.abspath(entry) for entry in (path or "").split(os.pathsep) if entry]


_server_env: dict[str, str] = dict(os.environ)


def after_collection() -> None:
    """Compare the commands with this process's environment now, and start the server with
    it (conftest calls this once the tests are collected): importing the test modules
    changed it for every process started from then on (a module that imported ``prefect``
    in drop-in mode puts ``child_site`` first on ``PYTHONPATH``: ``compat.children``), so
    compared with the environment at import no command of a whole suite's worker forked."""
    global _server_env
    if _server is None:
        _server_env = dict(os.environ)


# ---- the client: a pytest worker --------------------------------------------------------


class _Server:
    """The worker's server process and the socket it listens on."""

    def __init__(self) -> None:
        folder = tempfile.mkdtemp(prefix="flowtop-fork-cli-")
        self.address = str(Path(folder, "socket"))
        self.process = subprocess.Popen(
            [sys.executable, __file__, self.address],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env=_server_env,
        )
        assert self.process.stdout is not None
        atexit.register(self.close)  # one that does not start too
        ready = self.process.stdout.readline()  # after its imports: the first fork is warm
        if not ready.startswith(b"["):
            raise RuntimeError(f"fork_cli: the server did not start ({ready!r})")
        #: Where the server imports from, as Python built it at start (the editable
        #: install's ``.pth`` puts ``app/`` there): a ``PYTHONPATH`` of folders already
        #: on it changes nothing.
        self.path = set(json.loads(ready))

    def close(self) -> None:
        with self.process:  # Popen's exit closes its stdout (else unclosed at exit), waits
            self.process.kill()
        shutil.rmtree(Path(self.address).parent, ignore_errors=True)


_server: _Server | None = None
_server_lock = threading.Lock()


def _the_server() -> _Server:
    global _server
    with _server_lock:
        if _server is None or _server.process.poll() is not None:
            _server = _Server()
        return _server


def run(
    args: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    encoding: str | None = None,
    errors: str | None = None,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``python -m flowtop ARGS`` as ``subprocess.run(..., capture_output=True, text=True)``
    runs it: a new process with ``cwd`` and exactly ``env`` (this process's when None), its
    output read to the end (children that keep the pipes open keep it waiting, as there)
    and decoded as text mode decodes it, killed at ``timeout``
    (``subprocess.TimeoutExpired``), ``check`` raising ``CalledProcessError`` on a non-zero
    exit. Started anew where :func:`forkable` says no."""
    argv = [sys.executable, "-m", "flowtop", *args]
    env = dict(os.environ if env is None else env)
    if not _logged(forkable(env) and (cwd is None or os.path.isdir(cwd))):
        return subprocess.run(
            argv,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            encoding=encoding,
            errors=errors,
            check=check,
        )
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    try:
        conn, pid = _start(args, os.fspath(cwd or os.getcwd()), env, [0, out_w, err_w], False)
    except BaseException:
        os.close(out_r)
        os.close(err_r)
        raise
    finally:
        os.close(out_w)
        os.close(err_w)
    with conn:
        out, err = _read_both(out_r, err_r, pid, timeout, argv)
        conn.settimeout(timeout)
        said = conn.recv(64)
        if not said:
            raise RuntimeError(f"fork_cli: the server ended before flowtop (pid {pid}) did")
        status = int(said)
    done = subprocess.CompletedProcess(
        argv,
        os.waitstatus_to_exitcode(status),
        _text(out, encoding, errors),
        _text(err, encoding, errors),
    )
    if check:
        done.check_returncode()
    return done


def _start(
    args: Sequence[str], cwd: str, env: Mapping[str, str], fds: list[int], session: bool
) -> tuple[socket.socket, int]:
    """Ask the server for ``python -m flowtop ARGS`` over ``fds`` (its stdin, stdout and
    stderr): the connection its wait status will come on, and its pid."""
    request = json.dumps(
        {"args": list(args), "cwd": os.path.abspath(cwd), "env": dict(env), "session": session}
    ).encode()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        conn.connect(_the_server().address)
        socket.send_fds(conn, [request], fds)
        pid = int(conn.recv(64) or 0)
    except BaseException:
        conn.close()
        raise
    if not pid:  # the server ended before it forked
        conn.close()
        raise RuntimeError("fork_cli: the server ended before starting flowtop")
    return conn, pid


#: ``python -m flowtop``, as the tests start it with ``Popen``: what :func:`popen` forks.
_COMMAND = [sys.executable, "-m", "flowtop"]
#: The ``Popen`` options :class:`_Forked` keeps to; any other is a real ``Popen``'s.
_OPTIONS = frozenset(
    {"stdin", "stdout", "stderr", "cwd", "env", "text", "universal_newlines", "encoding",
     "errors", "bufsize", "start_new_session"}
)  # fmt: skip


def popen(args: Sequence[str], **options: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen(args, **options)``, forked from the server when ``args`` is
    ``[sys.executable, "-m", "flowtop", ...]`` and the options are those of :data:`_OPTIONS`
    (else, or where :func:`forkable` says no, a real ``Popen``). The object is a ``Popen``:
    its pipes, ``poll``, ``wait`` (``TimeoutExpired``), ``communicate``, ``send_signal``,
    ``terminate``, ``kill``, ``returncode`` and ``with`` are Popen's own; only its child's
    start and its wait status come from the server. The child's parent is the server, not
    this process: a test about that relation (orphans, a parent's death, process groups
    besides ``start_new_session``'s, a terminal) keeps ``subprocess.Popen``."""
    env = dict(os.environ if options.get("env") is None else options["env"])
    cwd = options.get("cwd")
    if list(args[:3]) != _COMMAND or not _logged(
        options.keys() <= _OPTIONS and forkable(env) and (cwd is None or os.path.isdir(cwd))
    ):
        return subprocess.Popen(args, **options)
    return _Forked(list(args), **{**options, "env": env})


class _Forked(subprocess.Popen[Any]):
    """A ``Popen`` whose child the server forks: ``_execute_child`` asks for it, and its
    wait status is read from the server's answer instead of ``waitpid`` (the server is its
    parent, and reaps it)."""

    def __init__(self, args: list[str], **options: Any) -> None:
        self._conn: socket.socket | None = None
        self._status_lock = threading.Lock()
        super().__init__(args, **options)

    def _execute_child(  # Popen's own, on POSIX: the child asked of the server
        self,
        args: list[str],
        executable: object,
        preexec_fn: object,
        close_fds: bool,
        pass_fds: object,
        cwd: str | os.PathLike[str] | None,
        env: Mapping[str, str],
        startupinfo: object,
        creationflags: int,
        shell: bool,
        p2cread: int,
        p2cwrite: int,
        c2pread: int,
        c2pwrite: int,
        errread: int,
        errwrite: int,
        *rest: object,
    ) -> None:
        start_new_session = bool(rest[-2])  # (..., start_new_session, process_group)
        # -1: not redirected, so the child has this process's own (as Popen's inherits)
        fds = [p2cread, c2pwrite, errwrite]
        fds = [fd if fd != -1 else target for target, fd in enumerate(fds)]
        self._conn, self.pid = _start(
            args[3:], os.fspath(cwd or os.getcwd()), env, fds, start_new_session
        )
        self._child_created = True
        self._close_pipe_fds(  # type: ignore[attr-defined]  # as Popen's own does here
            p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite
        )

    def _internal_poll(self, _deadstate: int | None = None, **_: object) -> int | None:
        if self.returncode is None:
            self._take_status(0, _deadstate)
        return self.returncode

    def _wait(self, timeout: float | None) -> int:
        if self.returncode is None and not self._take_status(timeout):
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        assert self.returncode is not None
        return self.returncode

    def _take_status(self, timeout: float | None, deadstate: int | None = None) -> bool:
        """Whether the child has ended, its ``returncode`` set from the wait status the
        server sends, waited for up to ``timeout`` seconds (None: until it comes)."""
        taken = self._status_lock.acquire(timeout=-1 if timeout is None else timeout)
        if not taken:  # another thread waits for it
            return False
        try:
            if self.returncode is not None or self._conn is None:
                return self.returncode is not None
            try:
                self._conn.settimeout(timeout)
                said = self._conn.recv(64)
            except (BlockingIOError, TimeoutError):
                return False
            except OSError:  # closed under it (a child a timed-out test let go): no status
                said = b""  # (raised, it failed every later Popen's ``_cleanup`` of it)
            if said:
                self.returncode = os.waitstatus_to_exitcode(int(said))
            elif deadstate is not None:
                self.returncode = deadstate
            else:
                raise RuntimeError(f"fork_cli: the server ended before flowtop ({self.pid})")
            self._conn.close()
            return True
        finally:
            self._status_lock.release()


def _text(data: bytes, encoding: str | None, errors: str | None) -> str:
    """``data`` as ``subprocess``'s text mode reads it: decoded, universal newlines."""
    text = data.decode(encoding or locale.getpreferredencoding(False), errors or "strict")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_both(
    out_r: int, err_r: int, pid: int, timeout: float | None, argv: list[str]
) -> tuple[bytes, bytes]:
    """Both pipes read to their end, as ``communicate`` does; the child killed at
    ``timeout`` (and ``TimeoutExpired`` raised with what it wrote)."""
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    with selectors.DefaultSelector() as selector:
        for fd in chunks:
            selector.register(fd, selectors.EVENT_READ)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while selector.get_map():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    _kill(pid)
                    raise subprocess.TimeoutExpired(
                        argv, timeout or 0, b"".join(chunks[out_r]), b"".join(chunks[err_r])
                    )
                for key, _ in selector.select(left):
                    data = os.read(key.fd, 65536)
                    if data:
                        chunks[key.fd].append(data)
                    else:
                        selector.unregister(key.fd)
        finally:
            os.close(out_r)
            os.close(err_r)
    return b"".join(chunks[out_r]), b"".join(chunks[err_r])


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


# ---- the server -------------------------------------------------------------------------


def _serve(address: str) -> None:
    import flowtop.cli  # imported once here, inherited by every child
    import flowtop.commands.run  # noqa: F401 - the command most tests run: imported only

    started_with = _drop_in(os.environ)
    ignored, blocked = _inherited_signals()  # from the worker's thread that started it:
    for number in ignored:  # none for its children, as :func:`forkable` asks of a caller
        handler = signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL
        signal.signal(number, handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)
    parent = os.getppid()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(address)
    listener.listen(64)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    os.set_blocking(wake_r, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    waiting: dict[int, socket.socket] = {}
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(wake_r, selectors.EVENT_READ)
    sys.stdout.write(json.dumps([os.path.abspath(entry) for entry in sys.path[1:]]) + "\n")
    sys.stdout.flush()
    while os.getppid() == parent:
        for key, _ in selector.select(1.0):
            if key.fileobj is listener:
                conn, _ = listener.accept()
                message, fds, _, _ = socket.recv_fds(conn, 1 << 22, 3)
                pid = os.fork()
                if pid == 0:
                    selector.close()
                    for fd in (wake_r, wake_w, listener.fileno(), conn.fileno()):
                        os.close(fd)
                    _child(json.loads(message), fds, started_with)
                for fd in fds:
                    os.close(fd)
                conn.send(str(pid).encode())
                waiting[pid] = conn
            else:  # the wakeups noted (all of them: a full read may have more behind it)
                with contextlib.suppress(BlockingIOError):
                    while len(os.read(wake_r, 512)) == 512:
                        pass
        _reap(waiting)


def _reap(waiting: dict[int, socket.socket]) -> None:
    while waiting:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = waiting.pop(pid, None)
        if conn is not None:
            with contextlib.suppress(OSError):  # its client is gone (a timeout)
                conn.send(str(status).encode())
            conn.close()


def _child(request: dict[str, object], fds: list[int], started_with: dict[str, str] | None) -> None:
    """Become ``python -m flowtop ARGS`` (the server started with the drop-in modules
    ``started_with``); never returns."""
    if request.get("session"):  # Popen's start_new_session
        os.setsid()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    env = request["env"]
    assert isinstance(env, dict)
    os.environ.clear()
    os.environ.update(env)
    cwd = request["cwd"]
    assert isinstance(cwd, str)
    os.chdir(cwd)
    sys.path[0] = os.getcwd()  # as ``-m`` puts it
    _new_stdio(unbuffered=bool(env.get(_UNBUFFERED)))
    drop_in = _drop_in(env)
    try:
        if drop_in is not None and drop_in != started_with:
            _as_child_site_would(drop_in)
    except Exception as exc:  # noqa: BLE001 - as sitecustomize: say so, run the command
        print(f"flowtop: drop-in mode in this process: {exc!r}", file=sys.stderr)
    args = request["args"]
    assert isinstance(args, list)
    sys.argv = ["-m", *args]  # runpy puts the module's path first, as ``-m`` does
    code = 0
    try:
        runpy.run_module("flowtop", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except KeyboardInterrupt:
        _finish()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)  # as Python ends on one: killed by SIGINT
    except BaseException:  # noqa: BLE001 - as the interpreter prints what ends it
        import traceback

        traceback.print_exc()
        code = 1
    _finish()
    os._exit(code)


def _as_child_site_would(modules: dict[str, str]) -> None:
    """This process as a Python started with ``modules`` published: what the server's start
    installed undone, what ``child_site``'s ``sitecustomize`` does (``children.py`` loaded by
    its path, ``install()`` reading ``os.environ``: its finder first), then what that finder
    does as ``-m flowtop`` imports flowtop (the ``__import__`` hook, knowing ``modules``)."""
    if _SITE not in sys.path:
        sys.path.insert(1, _SITE)  # after the cwd: first of ``PYTHONPATH``, as publish puts it
    site: Any = sys.modules.get("_flowtop_child_site")  # the server's, if it has one
    if site is None:
        spec = importlib.util.spec_from_file_location(
            "_flowtop_child_site", str(Path(_SITE).parent / "children.py")
        )
        assert spec is not None and spec.loader is not None
        site = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(site)
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, site.Spawned)]
    hook = site._late_imports_hook()
    if hook is not None:  # the server's, knowing the modules it started with
        hook.flowtop_drop_in_modules.clear()
    site.install()
    for finder in sys.meta_path:
        if isinstance(finder, site.Spawned):
            finder.find_spec("flowtop")  # what importing flowtop asks of it: the hook


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _finish() -> None:
    """What a Python does as it ends: wait for its threads, run ``atexit``, flush."""
    threading._shutdown()  # type: ignore[attr-defined]  # what the interpreter calls
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


def _new_stdio(*, unbuffered: bool) -> None:
    """The three streams over the caller's fds, encoded as the server's were (its locale
    is theirs: :func:`forkable`), buffered as ``PYTHONUNBUFFERED`` says."""

    def writer(fd: int, errors: str | None) -> io.TextIOWrapper:
        raw = io.FileIO(fd, "w", closefd=False)
        tty = raw.isatty()
        binary: io.RawIOBase | io.BufferedWriter = raw if unbuffered else io.BufferedWriter(raw)
        return io.TextIOWrapper(
            binary,  # type: ignore[arg-type]
            encoding=sys.__stdout__.encoding if sys.__stdout__ else "utf-8",
            errors=errors,
            line_buffering=tty,
            write_through=unbuffered,
        )

    stdout_errors = sys.__stdout__.errors if sys.__stdout__ else "strict"
    sys.stdout = sys.__stdout__ = writer(1, stdout_errors)
    sys.stderr = sys.__stderr__ = writer(2, "backslashreplace")
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(
        io.BufferedReader(io.FileIO(0, "r", closefd=False)),
        encoding=sys.stdout.encoding,
        errors=stdout_errors,
    )


if __name__ == "__main__":
    _serve(sys.argv[1])
