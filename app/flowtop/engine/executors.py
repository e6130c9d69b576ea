"""Attempt backends: run each attempt in a worker process or on a Dask cluster.

The runner keeps retries, timers, states and events, so the monitor, the history and
the JSON output are the same whatever runs the attempts; a backend only carries one
attempt to where it runs and its outcome back. Both backends ship the same bytes: the
function, its arguments and the coordinator's log level, pickled by cloudpickle, and get
back the pickled outcome. Pickling on both sides (even for an in-process Dask cluster)
is what makes an unpicklable result fail the same way everywhere, with a message that
names the task, instead of hanging a worker or succeeding on one executor only.

Flow modules are imported by flowtop under ``flowtop_flows.*`` names no worker can
import, and their helper modules live in a folder no worker has on its path: both are
registered with cloudpickle to be pickled by value. Classes pickled by value keep their
identity on the way back (cloudpickle tracks them), so ``retry_on=MyError`` still
matches an exception raised on a worker.

Dask and cloudpickle are optional (``pip install -e ".[dask]"``): nothing here
imports them until a backend is made.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib.util
import logging
import multiprocessing
import os
import queue
import re
import signal
import sys
import sysconfig
import threading
import time
import traceback
import types
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from . import capture
from .errors import TaskTimeout

EXTRA = 'pip install -e ".[dask]" (in the flowtop checkout)'
SPEC_HELP = "'thread', 'process', 'dask' or 'dask:tcp://HOST:PORT'"
FLOW_PACKAGE = "flowtop_flows"  # where the workspace loader imports flow modules
#: How often a waiting call looks whether its attempt was abandoned (timed out, cancelled).
POLL = 0.05
#: Let the runner's own timer fail a timed-out attempt first; the backend then stops it.
GRACE = 0.05
CONNECT_TIMEOUT = 10.0

_ADDRESS = re.compile(r"^(tcp|tls|ws|wss)://(\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]]+)(:\d{1,5})?$")


class ExecutorError(ValueError):
    """A bad executor spec, a missing extra, or a cluster that cannot be reached."""


class ShippingError(Exception):
    """An attempt's function, arguments, result or exception could not cross to or from its worker."""


class AttemptStopped(Exception):
    """The backend stopped an attempt the runner had already given up (cancel, shutdown)."""


class RemoteTraceback(Exception):
    """Carries the worker's traceback text as the ``__cause__`` of a shipped exception.

    Tracebacks do not pickle, so the text is made on the worker and chained here, the way
    ``concurrent.futures`` does: the event's traceback then shows the task's own frames.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f'\n"""\n{self.text.rstrip()}\n"""'


# -- specs ------------------------------------------------------------------------------
def parse_spec(spec: object) -> tuple[str, str | None]:
    """``"thread" | "process" | "dask" | "dask:tcp://HOST:PORT"`` -> (kind, address)."""
    if not isinstance(spec, str):
        raise ExecutorError(f"executor must be {SPEC_HELP}, got {type(spec).__name__} {spec!r}")
    text = spec.strip()
    if text in ("thread", "process", "dask"):
        return text, None
    if text.startswith("dask:"):
        address = text[len("dask:") :]
        if not _ADDRESS.match(address):
            raise ExecutorError(
                f"executor {spec!r}: {address!r} is not a scheduler address like tcp://HOST:PORT"
            )
        return "dask", address
    close = difflib.get_close_matches(text, ["thread", "process", "dask"], n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ExecutorError(f"executor must be {SPEC_HELP}, got str {spec!r}{hint}")


def _missing(module: str) -> bool:
    return importlib.util.find_spec(module) is None


def check_spec(spec: object) -> str:
    """Validate a spec and that what it needs is installed; return it normalised."""
    kind, address = parse_spec(spec)
    if kind == "dask" and (_missing("distributed") or _missing("cloudpickle")):
        raise ExecutorError(f"executor {spec!r} needs Dask, which is not installed: {EXTRA}")
    if kind == "process" and _missing("cloudpickle"):
        raise ExecutorError(f"executor 'process' needs cloudpickle to ship flow functions: {EXTRA}")
    return kind if address is None else f"dask:{address}"


def make_backend(spec: str | None, *, workers: int = 8) -> Any:
    """The backend for ``spec``: None for ``thread`` (the runner's own threads)."""
    kind, address = parse_spec(spec or "thread")
    if kind == "thread":
        return None
    check_spec(spec)
    if kind == "process":
        return ProcessBackend(workers)
    return DaskBackend(address, workers=workers)


#: Set (to "1") by ``--dask-dashboard``: the local cluster then serves its dashboard on
#: :data:`DASHBOARD_ADDRESS`. An environment variable, so the TUI's runners see it too.
DASHBOARD_ENV = "FLOWTOP_DASK_DASHBOARD"
DASHBOARD_ADDRESS = "127.0.0.1:8787"


def dashboard_wanted() -> bool:
    return os.environ.get(DASHBOARD_ENV) == "1"


# -- shipping ---------------------------------------------------------------------------
_shipped: dict[str, int] = {}  # module name -> id of the module object last registered
_ship_lock = threading.Lock()


def task_name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def _installed_paths() -> tuple[str, ...]:
    paths = {sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    return tuple(os.path.normcase(os.path.abspath(p)) + os.sep for p in paths if p)


def _register_by_value(fn: Callable[..., Any]) -> None:
    """Make cloudpickle ship ``fn``'s flow module and the helpers beside it by value.

    Helpers are the modules whose file lies in the folder of a loaded flow module (not an
    installed package, not flowtop itself). Done again when a reload makes a new module.
    """
    name = getattr(fn, "__module__", None) or ""
    module = sys.modules.get(name)
    if (
        not name.startswith(FLOW_PACKAGE + ".")
        or module is None
        or _shipped.get(name) == id(module)
    ):
        return
    import cloudpickle

    with _ship_lock:
        modules = list(sys.modules.items())
        roots = set()
        for mod_name, mod in modules:
            file = getattr(mod, "__file__", None)
            if mod_name.startswith(FLOW_PACKAGE + ".") and file:
                roots.add(os.path.normcase(os.path.dirname(os.path.abspath(file))) + os.sep)
        installed = _installed_paths()
        if FLOW_PACKAGE in sys.modules:
            cloudpickle.register_pickle_by_value(sys.modules[FLOW_PACKAGE])
        for mod_name, mod in modules:
            file = getattr(mod, "__file__", None)
            if (
                not file
                or mod_name == "__main__"
                or mod_name.split(".")[0] in ("flowtop", FLOW_PACKAGE)
            ):
                continue
            path = os.path.normcase(os.path.abspath(file))
            if (
                any(path.startswith(r) for r in roots)
                and not path.startswith(installed)
                and "site-packages" not in path
                and "dist-packages" not in path
            ):
                cloudpickle.register_pickle_by_value(mod)
        _shipped[name] = id(module)


def pack(fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> bytes:
    """The bytes a worker needs to run one attempt."""
    import cloudpickle

    _register_by_value(fn)
    level = logging.getLogger().getEffectiveLevel()
    filename = getattr(getattr(fn, "__code__", None), "co_filename", None)
    payload: bytes = cloudpickle.dumps((fn, args, kwargs, level, filename), protocol=5)
    return payload


def _with_filename(code: types.CodeType, filename: str) -> types.CodeType:
    consts = tuple(
        _with_filename(c, filename) if isinstance(c, types.CodeType) else c for c in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


def _restore_filename(fn: Any, filename: str | None) -> None:
    """Give a function shipped by value its file back, so tracebacks show the user's lines.

    cloudpickle names the code of every function it pickles by value ``<dynamic-code>``
    (``@task`` functions are always pickled by value: the module attribute is the Task).
    """
    code = getattr(fn, "__code__", None)
    if filename and isinstance(code, types.CodeType) and code.co_filename != filename:
        fn.__code__ = _with_filename(code, filename)


def _dump(outcome: tuple[Any, ...]) -> bytes:
    import cloudpickle

    payload: bytes = cloudpickle.dumps(outcome, protocol=5)
    return payload


def _describe(exc: BaseException) -> str:
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:  # noqa: BLE001 - a user's __str__ may raise
        return type(exc).__name__


def run_pickled(payload: bytes, where: str) -> bytes:
    """On the worker: run one packed attempt and return its packed outcome. Never raises."""
    import cloudpickle

    try:
        fn, args, kwargs, level, filename = cloudpickle.loads(payload)
        _restore_filename(fn, filename)
    except BaseException as exc:  # noqa: BLE001 - reported to the coordinator, not raised here
        failure = ShippingError(f"the task could not be loaded in the {where}: {_describe(exc)}")
        return _dump(("error", failure, traceback.format_exc(), ""))
    root = logging.getLogger()
    if root.getEffectiveLevel() > level:  # log.info in a task is captured as it is at home
        root.setLevel(level)
    name = task_name(fn)
    capture.begin()
    try:
        value = fn(*args, **kwargs)
        error = None
    except BaseException as exc:  # noqa: BLE001 - every outcome is reported, none escapes
        value, error = None, exc
    output = capture.end()
    if error is None:
        try:
            return _dump(("ok", value, output))
        except BaseException as exc:  # noqa: BLE001 - an unpicklable result is the task's error
            problem = ShippingError(
                f"result of task {name!r} could not be sent back from the {where}: {_describe(exc)}"
            )
            return _dump(("error", problem, "", output))
    tb = error.__traceback__
    text = "".join(traceback.format_exception(type(error), error, tb.tb_next if tb else None))
    # The text has the frames and the chain; dropping them keeps the pickle small and the
    # same whether or not tblib (installed by distributed) would pickle tracebacks too.
    error.__traceback__ = error.__cause__ = error.__context__ = None
    try:
        return _dump(("error", error, text, output))
    except BaseException as exc:  # noqa: BLE001 - an unpicklable error is reported
        problem = ShippingError(
            f"exception of task {name!r} could not be sent back from the {where}: "
            f"{_describe(error)} (pickling it failed: {_describe(exc)})"
        )
        return _dump(("error", problem, text, output))


def unpack(data: bytes, name: str, where: str) -> tuple[Any, BaseException | None, str]:
    """The coordinator's side of :func:`run_pickled`: ``(value, error, output)``."""
    import cloudpickle

    try:
        outcome = cloudpickle.loads(data)
    except BaseException as exc:  # noqa: BLE001 - bad bytes are a ShippingError
        error = ShippingError(
            f"result of task {name!r} could not be received from the {where}: {_describe(exc)}"
        )
        return None, error, ""
    if outcome[0] == "ok":
        return outcome[1], None, outcome[2]
    _, error, text, output = outcome
    if text:
        error.__cause__ = RemoteTraceback(text)
    return None, error, output


def _never() -> bool:
    return False


def _timed_out(name: str, timeout: float, how: str) -> TaskTimeout:
    return TaskTimeout(f"attempt of {name!r} ran past its timeout of {timeout:g}s ({how})")


# -- processes --------------------------------------------------------------------------
def _worker_main(conn: Any) -> None:
    """A worker process: run attempts from the pipe until the coordinator goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle
    while True:
        try:
            payload = conn.recv_bytes()
        except (EOFError, OSError):
            return
        conn.send_bytes(run_pickled(payload, "process"))


@contextlib.contextmanager
def _stderr_with_a_file() -> Iterator[None]:
    """Let multiprocessing pass stderr's descriptor to the helper processes it starts.

    It hands ``sys.stderr.fileno()`` to its resource tracker; under the TUI stderr is a
    capture whose ``fileno()`` is -1, and the start fails ("bad value(s) in fds_to_keep").
    """
    try:
        usable = sys.stderr is None or sys.stderr.fileno() >= 0
    except Exception:  # noqa: BLE001 - multiprocessing skips a stderr without a file itself
        usable = True
    if usable or sys.__stderr__ is None:
        yield
        return
    saved, sys.stderr = sys.stderr, sys.__stderr__
    try:
        yield
    finally:
        sys.stderr = saved


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """Start a worker without it re-importing the coordinator's ``__main__``.

    multiprocessing makes each spawned or forkserver child import the parent's main
    script, which re-runs an unguarded script and fails outright for ``python -`` or a
    notebook. Workers need nothing from it: attempts arrive pickled by value.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class _Worker:
    def __init__(self, ctx: Any) -> None:
        parent, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child,), daemon=True, name="flowtop-attempt"
        )
        self.process.start()
        child.close()
        self.conn = parent

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.join(5)
        finally:
            self.conn.close()


class ProcessBackend:
    """A pool of worker processes, one attempt at a time each.

    A worker whose attempt timed out or was cancelled is killed and replaced (on demand),
    which is what threads cannot do. Processes start with ``forkserver`` (``spawn`` where
    there is none): forking the multi-threaded app itself could copy a held lock.
    """

    def __init__(self, workers: int = 8, *, start_method: str | None = None) -> None:
        check_spec("process")
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be an int >= 1, got {workers!r}")
        methods = multiprocessing.get_all_start_methods()
        method = start_method or ("forkserver" if "forkserver" in methods else "spawn")
        self.start_method = method
        self._ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            self._ctx.set_forkserver_preload([__name__, "cloudpickle"])
        self.workers = workers
        self._slots = threading.Semaphore(workers)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self.closed = False

    @property
    def pids(self) -> list[int]:
        """Live worker processes (tests look here to see a timed-out one gone)."""
        with self._lock:
            return [w.process.pid for w in (*self._idle, *self._busy) if w.process.pid]

    def _checkout(self) -> _Worker:
        with self._lock:
            if self.closed:
                raise AttemptStopped("the process executor is shut down")
            worker = self._idle.pop() if self._idle else None
            if worker is None or not worker.process.is_alive():
                if worker is not None:
                    worker.kill()
                with _stderr_with_a_file(), _main_hidden():
                    worker = _Worker(self._ctx)
            self._busy.add(worker)
            return worker

    def _release(self, worker: _Worker, *, keep: bool) -> None:
        with self._lock:
            self._busy.discard(worker)
            if keep and not self.closed:
                self._idle.append(worker)
                return
        worker.kill()

    def call(
        self,
        fn: Callable[..., Any],
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        timeout: float | None,
        abandoned: Callable[[], bool] | None = None,
    ) -> tuple[Any, BaseException | None, str]:
        abandoned = abandoned or _never
        name = task_name(fn)
        try:
            payload = pack(fn, args, kwargs)
        except Exception as exc:  # noqa: BLE001 - the attempt fails, the run goes on
            error = ShippingError(
                f"task {name!r} could not be sent to the process: {_describe(exc)}"
            )
            return None, error, ""
        while not self._slots.acquire(timeout=POLL):
            if self.closed or abandoned():
                return (
                    None,
                    AttemptStopped(f"attempt of {name!r} was stopped before it started"),
                    "",
                )
        try:
            try:
                worker = self._checkout()
            except AttemptStopped as exc:
                return None, exc, ""
            except Exception as exc:  # noqa: BLE001 - e.g. no more processes
                return None, ShippingError(f"could not start a process for {name!r}: {exc}"), ""
            return self._exchange(worker, payload, name, timeout, abandoned)
        finally:
            self._slots.release()

    def _exchange(
        self,
        worker: _Worker,
        payload: bytes,
        name: str,
        timeout: float | None,
        abandoned: Callable[[], bool],
    ) -> tuple[Any, BaseException | None, str]:
        deadline = None if timeout is None else time.monotonic() + timeout + GRACE
        try:
            worker.conn.send_bytes(payload)
            while not worker.conn.poll(POLL):
                if deadline is not None and time.monotonic() >= deadline:
                    self._release(worker, keep=False)
                    assert timeout is not None
                    return None, _timed_out(name, timeout, "its process was killed"), ""
                if self.closed or abandoned():
                    self._release(worker, keep=False)
                    return None, AttemptStopped(f"attempt of {name!r} was stopped"), ""
            data = worker.conn.recv_bytes()
        except (EOFError, OSError):
            worker.process.join(1)
            code = worker.process.exitcode
            self._release(worker, keep=False)
            if self.closed:
                return None, AttemptStopped("the process executor was shut down"), ""
            return (
                None,
                ShippingError(f"the process running task {name!r} died (exit code {code})"),
                "",
            )
        self._release(worker, keep=True)
        return unpack(data, name, "process")

    def close(self) -> None:
        with self._lock:
            self.closed = True
            workers = [*self._idle, *self._busy]
            self._idle.clear()
        for worker in workers:
            worker.kill()


# -- Dask -------------------------------------------------------------------------------
class DaskBackend:
    """Attempts as Dask futures, on a new ``LocalCluster`` or an existing scheduler.

    Without an address a ``LocalCluster(processes=False)`` is started on first use: it
    starts in well under a second and runs attempts on threads of this process (pickled
    all the same, so behaviour matches a real cluster); use ``process`` or a real cluster
    for CPU-bound tasks. With an address only a ``Client`` is made, and closed at the end.
    Cancelling a future stops an attempt that has not started; a running one finishes on
    its worker thread and its result is dropped.
    """

    def __init__(
        self, address: str | None = None, *, workers: int = 8, cluster: Any = None
    ) -> None:
        check_spec(f"dask:{address}" if address else "dask")
        self.address = address
        self.workers = workers
        self._given_cluster = cluster  # tests share one cluster; it is theirs to close
        self._cluster: Any = None
        self._client: Any = None
        self._lock = threading.Lock()
        self.closed = False
        self._pending: dict[str, tuple[Any, ...]] = {}  # future key -> what submit() needs back
        self._finished: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._collector: threading.Thread | None = None
        #: The local cluster's dashboard, when ``--dask-dashboard`` asked for one.
        self.dashboard_link: str | None = None

    def start(self) -> Any:
        """Connect (or start the local cluster) now; returns the ``Client``."""
        with self._lock:
            if self._client is not None:
                return self._client
            if self.closed:
                raise AttemptStopped("the Dask executor is shut down")
            from distributed import Client, LocalCluster

            if self._given_cluster is not None:
                self._client = Client(self._given_cluster, set_as_default=False)
            elif self.address is not None:
                try:
                    self._client = Client(
                        self.address, timeout=CONNECT_TIMEOUT, set_as_default=False
                    )
                except (OSError, TimeoutError) as exc:
                    raise ExecutorError(
                        f"cannot connect to the Dask scheduler at {self.address}: {exc}"
                    ) from None
            else:
                # Attempts travel in-process (inproc://), but the scheduler and the worker
                # each still serve HTTP (health, metrics, the dashboard): on loopback only,
                # and the dashboard only when asked for (it shows task arguments).
                dashboard = dashboard_wanted()
                self._cluster = LocalCluster(
                    processes=False,
                    n_workers=1,
                    threads_per_worker=self.workers,
                    dashboard_address=DASHBOARD_ADDRESS if dashboard else "127.0.0.1:0",
                    worker_dashboard_address="127.0.0.1:0",
                    scheduler_kwargs={"dashboard": dashboard},
                    silence_logs=logging.ERROR,
                )
                if dashboard:
                    port = self._cluster.scheduler.http_server.port
                    self.dashboard_link = f"http://127.0.0.1:{port}/status"
                self._client = Client(self._cluster, set_as_default=False)
            return self._client

    def submit(
        self,
        fn: Callable[..., Any],
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        timeout: float | None,
        abandoned: Callable[[], bool] | None = None,
        on_done: Callable[[Any, BaseException | None, str], None],
    ) -> None:
        """Start an attempt and return; ``on_done`` gets its outcome from the collector thread.

        Nothing blocks per attempt: finished futures are gathered in batches (one round
        trip for many results), which is what keeps flowtop near plain ``client.submit``.
        """
        name = task_name(fn)
        try:
            client = self.start()
            payload = pack(fn, args, kwargs)
        except ShippingError as exc:
            on_done(None, exc, "")
            return
        except Exception as exc:  # noqa: BLE001 - no cluster, or unpicklable inputs
            if isinstance(exc, (ExecutorError, AttemptStopped)):
                on_done(None, exc, "")
            else:
                on_done(
                    None,
                    ShippingError(f"task {name!r} could not be sent to Dask: {_describe(exc)}"),
                    "",
                )
            return
        deadline = None if timeout is None else time.monotonic() + timeout + GRACE
        key = f"{name.replace('.', '_')}-{uuid.uuid4().hex}"
        try:
            future = client.submit(run_pickled, payload, "Dask worker", key=key, pure=False)
        except Exception as exc:  # noqa: BLE001 - e.g. the scheduler went away
            on_done(
                None,
                ShippingError(f"task {name!r} could not be submitted to Dask: {_describe(exc)}"),
                "",
            )
            return
        with self._lock:
            self._pending[future.key] = (
                future,
                name,
                on_done,
                abandoned or _never,
                deadline,
                timeout,
            )
            if self._collector is None:
                self._collector = threading.Thread(
                    target=self._collect, name="flowtop-dask-results", daemon=True
                )
                self._collector.start()
        future.add_done_callback(self._finished.put)

    def _collect(self) -> None:
        """Gather finished futures in batches; stop overdue or abandoned ones."""
        while not self.closed:
            try:
                batch = [self._finished.get(timeout=POLL)]
            except queue.Empty:
                self._sweep()
                continue
            with contextlib.suppress(queue.Empty):
                while len(batch) < 1000:
                    batch.append(self._finished.get_nowait())
            with self._lock:
                popped = [(f, self._pending.pop(f.key, None)) for f in batch]
            entries = [(f, e) for f, e in popped if e is not None]
            ready = [f for f, _ in entries if f.status == "finished"]
            try:
                data = (
                    dict(zip((f.key for f in ready), self._client.gather(ready), strict=True))
                    if ready
                    else {}
                )
            except Exception:  # noqa: BLE001 - fall back to one by one, to say which failed
                data = {}
            for future, (_, name, on_done, _, _, _) in entries:
                try:
                    raw = data[future.key] if future.key in data else future.result()
                    outcome = unpack(raw, name, "Dask worker")
                except BaseException as exc:  # noqa: BLE001 - a lost worker, a cancelled future
                    outcome = (
                        None,
                        ShippingError(f"Dask could not run task {name!r}: {_describe(exc)}"),
                        "",
                    )
                try:
                    on_done(*outcome)
                except Exception:  # the runner's bug must not stop other results
                    logging.getLogger("flowtop.executors").exception(
                        "applying a Dask result failed"
                    )
            self._sweep()

    def _sweep(self) -> None:
        """Cancel futures whose attempt timed out or was abandoned by the runner."""
        now = time.monotonic()
        with self._lock:
            overdue = [
                (key, entry)
                for key, entry in self._pending.items()
                if entry[3]() or (entry[4] is not None and now >= entry[4])
            ]
            for key, _ in overdue:
                del self._pending[key]
        for _, (future, name, on_done, abandoned, _, timeout) in overdue:
            future.cancel()
            if abandoned():
                on_done(None, AttemptStopped(f"attempt of {name!r} was stopped"), "")
            else:
                on_done(None, _timed_out(name, timeout or 0.0, "its Dask future was cancelled"), "")

    def call(
        self,
        fn: Callable[..., Any],
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        timeout: float | None,
        abandoned: Callable[[], bool] | None = None,
    ) -> tuple[Any, BaseException | None, str]:
        abandoned = abandoned or _never
        name = task_name(fn)
        try:
            client = self.start()
        except Exception as exc:  # noqa: BLE001 - every attempt says why the cluster is missing
            return None, exc, ""
        try:
            payload = pack(fn, args, kwargs)
        except Exception as exc:  # noqa: BLE001 - a failed pack is the task's error
            error = ShippingError(f"task {name!r} could not be sent to Dask: {_describe(exc)}")
            return None, error, ""
        key = f"{name.replace('.', '_')}-{uuid.uuid4().hex}"
        done = threading.Event()
        try:
            future = client.submit(run_pickled, payload, "Dask worker", key=key, pure=False)
            future.add_done_callback(lambda _: done.set())
        except Exception as exc:  # noqa: BLE001 - e.g. the scheduler went away
            return (
                None,
                ShippingError(f"task {name!r} could not be submitted to Dask: {_describe(exc)}"),
                "",
            )
        deadline = None if timeout is None else time.monotonic() + timeout + GRACE
        while not done.wait(POLL):
            if deadline is not None and time.monotonic() >= deadline:
                future.cancel()
                assert timeout is not None
                return None, _timed_out(name, timeout, "its Dask future was cancelled"), ""
            if self.closed or abandoned():
                future.cancel()
                return None, AttemptStopped(f"attempt of {name!r} was stopped"), ""
        try:
            data = future.result()
        except BaseException as exc:  # noqa: BLE001 - a lost worker, a cancelled future
            return None, ShippingError(f"Dask could not run task {name!r}: {_describe(exc)}"), ""
        return unpack(data, name, "Dask worker")

    def close(self) -> None:
        with self._lock:
            self.closed = True
            client, cluster = self._client, self._cluster
            self._client = self._cluster = None
        if client is not None:
            client.close()
        if cluster is not None:
            # Threads cannot be killed: do not wait for attempts still running on them
            # (a quit would hang until they end); their results are dropped anyway.
            for worker in list(cluster.workers.values()):
                with contextlib.suppress(Exception):  # closing the cluster below still happens
                    cluster.sync(worker.close, executor_wait=False, reason="flowtop-close")
            cluster.close()
