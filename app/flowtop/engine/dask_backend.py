"""The ``dask`` executor: attempts as futures on a local or remote Dask cluster.

Reaching a scheduler given by address (TLS, a probe, the client) is ``dask_connect``'s.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from typing import Any

from . import capture, dask_connect
from .backends import Done
from .dask_connect import check_tls, client_at
from .dask_places import DaskPlaces, WorkerWatch
from .outcome_envelope import describe_error
from .shipping import (
    GRACE,
    POLL,
    AttemptStopped,
    ShippingError,
    never,
    pack,
    run_pickled,
    task_name,
    timed_out,
    unpack,
    unshippable,
)
from .spec import DASHBOARD_ADDRESS, ExecutorError, check_spec, dashboard_wanted

#: A retry's Dask priority (first attempts have Dask's default, 0): higher runs first,
#: so a retry whose delay is over does not wait behind every first attempt submitted.
RETRY_PRIORITY = 1


#: The HTTP pages a local cluster serves without ``--dask-dashboard``: Dask's defaults add
#: ``/info`` (task keys, call stacks with file paths and source lines, logs), ``/json``
#: and ``/eventstream`` to them, open to every local user: no login guards them.
HTTP_ROUTES = {
    "distributed.scheduler.http.routes": [
        "distributed.http.scheduler.prometheus",
        "distributed.http.health",
    ],
    "distributed.worker.http.routes": [
        "distributed.http.worker.prometheus",
        "distributed.http.health",
    ],
}


#: A task whose worker died is failed at once (``KilledWorker``), not run again by Dask:
#: with Dask's default (3) one crashing attempt ran up to 4 times, its side effects with it,
#: before flowtop saw it fail, and flowtop's retries multiplied that. The coordinator alone
#: decides retries, as on ``process``.
ONE_CRASH_ONE_ATTEMPT = {"distributed.scheduler.allowed-failures": 0}


def _local_cluster_config(limit_routes: bool) -> contextlib.AbstractContextManager[object]:
    """Dask's configuration while a local cluster starts (its scheduler and workers read
    it as they start): :data:`ONE_CRASH_ONE_ATTEMPT`, and its HTTP servers get
    :data:`HTTP_ROUTES` only, when ``limit_routes``."""
    import dask.config

    return dask.config.set({**ONE_CRASH_ONE_ATTEMPT, **(HTTP_ROUTES if limit_routes else {})})


#: A client's states once it gave up on its scheduler: Dask waits ``CONNECT_TIMEOUT`` for a
#: lost scheduler to come back, then closes the client, which answers no future again (one
#: submitted as it closed stayed pending forever, and its run with it).
CLIENT_GONE = ("closing", "closed")


def connecting_words(address: str) -> str:
    """What a run waits on while its process connects to the scheduler at ``address``."""
    return f"connecting to {_scheduler(address)}"


def _scheduler(address: str | None) -> str:
    """``the Dask scheduler at tcp://…``, or ``the local Dask scheduler``."""
    return f"the Dask scheduler at {address}" if address else "the local Dask scheduler"


def _lost_scheduler(name: str, address: str | None, *, for_good: bool) -> ShippingError:
    """The error of an attempt cut off from its scheduler: while the client reconnects
    (``for_good`` False) and once it gave up, in place of Dask's ``FutureCancelledError``
    text (the future's key, ``cancelled for reason: unknown``)."""
    where = _scheduler(address)
    waited = dask_connect.CONNECT_TIMEOUT  # (looked up when called: tests shorten it)
    after = f" and not restored within {waited:g} s" if for_good else ""
    return ShippingError(
        f"Dask could not run task {name!r}: the connection to {where} was lost{after}"
    )


def _could_not_run(name: str, exc: BaseException) -> ShippingError:
    """A future Dask failed itself; a ``KilledWorker`` from a cluster that re-runs a task
    whose worker died (``allowed-failures`` above 0: not flowtop's to set on a cluster it
    did not start) says so, as each of those runs repeated the attempt's side effects.

    A ``KilledWorker``'s text starts with the future's key (``long-d5c0…``, 37 characters
    and more): a retry's line, cut at 160, lost the worker's address at its end. Its error
    says the worker first and Dask's text stays its cause (the traceback's), framed by
    nothing: a frame of Dask's client would be named as the place."""
    if type(exc).__name__ != "KilledWorker":
        return ShippingError(f"Dask could not run task {name!r}: {describe_error(exc)}")
    reruns = getattr(exc, "allowed_failures", 0)
    worker = _last_worker(exc)
    if isinstance(reruns, int) and reruns > 0:
        last = f", the last {worker}" if worker else ""
        why = (
            f"its scheduler ran this attempt {reruns + 1} times, each worker dying{last} "
            f"(KilledWorker; its distributed.scheduler.allowed-failures is {reruns}; 0 "
            "leaves retries to flowtop)"
        )
    else:
        why = f"its worker {worker} died" if worker else "its worker died"
        why += " while running it (KilledWorker)"
    error = ShippingError(f"Dask could not run task {name!r}: {why}")
    error.__cause__ = exc.with_traceback(None)
    return error


def _last_worker(exc: BaseException) -> str:
    """The address of the worker a ``KilledWorker`` names last (``tcp://…``), or ""."""
    worker = getattr(exc, "last_worker", None)  # (a WorkerState; an address in some tests)
    address = worker if isinstance(worker, str) else getattr(worker, "address", None)
    return address if isinstance(address, str) else ""


#: Dask's raw words no flowtop user acts on or flowtop says itself: a large graph (an
#: attempt's large argument), a taken dashboard port (flowtop prints the link it got) and,
#: logged, a client giving up on its lost scheduler (each attempt's error says so).
_WARNINGS = {
    "Sending large graph of size": "distributed.client",
    r"Port \d+ is already in use": "distributed.node",
}
_GAVE_UP = "Failed to reconnect to scheduler"


def _quiet_dask() -> None:
    """Hide :data:`_WARNINGS`, a filter each, added once (again if dropped):
    ``catch_warnings`` around a submit changed every thread's filters meanwhile."""
    present = {f[1].pattern for f in warnings.filters if f[1] is not None}
    for message, module in _WARNINGS.items():
        if message not in present:
            warnings.filterwarnings("ignore", message, UserWarning, module)


#: The loggers a Dask client logs tracebacks to: ``distributed.utils.log_errors`` names the
#: module of the code that raised (the client's reconnecting), else its own.
CLIENT_LOGGERS = ("distributed.client", "distributed.utils")


class _ClientNoise(logging.Filter):
    """What a backend's client logs while the backend is open, as flowtop's user needs it.

    A client closed while it reconnects to a lost scheduler (a run whose attempts all
    failed saying so ends before Dask gives up) logged its cancelled reconnecting as ~35
    lines of ``distributed.client - ERROR`` and ``CancelledError`` traceback: flowtop
    closed it, and each attempt's error already said the scheduler was lost, so that one
    is dropped, as is :data:`_GAVE_UP` (said by each attempt's error too). Any other
    traceback becomes one WARNING line (``Dask client: …``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None:
            return not str(record.msg).startswith(_GAVE_UP)
        if isinstance(error, asyncio.CancelledError | concurrent.futures.CancelledError):
            return False
        try:
            said = record.getMessage().strip()
        except Exception:  # noqa: BLE001 - a message that does not format: the error alone
            said = ""
        what = describe_error(error)
        if said and said != str(error) and said != what:
            what = f"{said} {what}"
        record.msg, record.args = f"Dask client: {' '.join(what.split())}", ()
        record.exc_info = record.exc_text = record.stack_info = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class DaskBackend:
    """Attempts as Dask futures, on a new ``LocalCluster`` or an existing scheduler.

    Without an address a ``LocalCluster(processes=False)`` is started on first use: it
    starts in well under a second and runs attempts on threads of this process (pickled
    all the same, so behaviour matches a real cluster); use ``process`` or a real cluster
    for CPU-bound tasks; it fails a task whose worker died at once
    (:data:`ONE_CRASH_ONE_ATTEMPT`). With an address only a ``Client`` is made, and closed
    at the end: that scheduler's ``allowed-failures`` is its own (``_could_not_run``).
    Cancelling a future stops an attempt that has not started; a running one finishes on
    its worker thread, its place taken until then, and its result is dropped.
    """

    #: How an attempt past its timeout is stopped, as its error says it: a timed-out
    #: attempt's error said "the executor was told to stop it" while it ran on, its side
    #: effects beside its retry's.
    stopping = "Dask cannot stop a running task: it may still run to its end on its worker"

    def __init__(
        self, address: str | None = None, *, workers: int = 8, cluster: Any = None
    ) -> None:
        check_spec(f"dask:{address}" if address else "dask")
        self.address = address
        self.workers = workers
        #: Attempts handed over at once (``backends.Places``): flowtop's own cluster runs
        #: ``workers`` at a time, and so many are handed to one given by address too (its
        #: threads can change as workers come and go, and other clients share them).
        self.places = DaskPlaces(workers)
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
        #: On :data:`CLIENT_LOGGERS` from :meth:`start` to :meth:`close` (``_ClientNoise``).
        self._noise: _ClientNoise | None = None
        #: Says when attempts wait on a scheduler with no worker (:meth:`_look_at_workers`).
        self._workers = WorkerWatch(_scheduler(address))
        #: Told what the run waits on as such a wait begins ("" as it ends): connecting
        #: to a scheduler given by address, a worker to join one (the run process records
        #: it in the run store for every client: ``workspace/run_stage``).
        self.on_stage: Callable[[str], None] | None = None

    def start(self) -> Any:
        """Connect (or start the local cluster) now; returns the ``Client``."""
        with self._lock:
            if self._client is not None:
                return self._client
            if self.closed:
                raise AttemptStopped("the Dask executor is shut down")
            if self._given_cluster is None and self.address is not None:
                check_tls(self.address)  # before distributed's import, 0.4 s of CPU
            from distributed import Client, LocalCluster

            _quiet_dask()
            if self._noise is None:
                self._noise = _ClientNoise()
                for logger in CLIENT_LOGGERS:
                    logging.getLogger(logger).addFilter(self._noise)
            if self._given_cluster is not None:
                self._client = Client(self._given_cluster, set_as_default=False)
            elif self.address is not None:
                self._stage(connecting_words(self.address))
                try:
                    self._client = client_at(self.address)
                finally:
                    self._stage("")
            else:
                # Attempts travel in-process (inproc://), but the scheduler and the worker
                # each still serve HTTP (health, metrics, the dashboard): on loopback only,
                # and the dashboard only when asked for (it shows task arguments).
                dashboard = dashboard_wanted()
                try:  # one line, and a launched run recorded as one that did not start
                    with _local_cluster_config(limit_routes=not dashboard):
                        self._cluster = LocalCluster(
                            processes=False,
                            n_workers=1,
                            threads_per_worker=self.workers,
                            dashboard_address=DASHBOARD_ADDRESS if dashboard else "127.0.0.1:0",
                            worker_dashboard_address="127.0.0.1:0",
                            scheduler_kwargs={"dashboard": dashboard},
                            silence_logs=logging.ERROR,
                        )
                except Exception as exc:  # noqa: BLE001 - whatever Dask raised, said
                    raise ExecutorError(
                        f"could not start a local Dask cluster: {describe_error(exc)}"
                    ) from None
                if dashboard:
                    port = self._cluster.scheduler.http_server.port
                    self.dashboard_link = f"http://127.0.0.1:{port}/status"
                self._client = Client(self._cluster, set_as_default=False)
            return self._client

    def _client_gone(self) -> bool:
        """Whether the client gave up on its lost scheduler (:data:`CLIENT_GONE`), not
        closed by :meth:`close`."""
        client = self._client
        return client is not None and client.status in CLIENT_GONE

    def _failure(self, name: str, exc: BaseException) -> ShippingError:
        """Why Dask failed a future itself: a lost scheduler says so, in place of the
        future's key and ``cancelled for reason: unknown``; else :func:`_could_not_run`."""
        gone = self._client_gone()
        if gone or getattr(exc, "reason", None) == "scheduler-connection-lost":
            return _lost_scheduler(name, self.address, for_good=gone)
        return _could_not_run(name, exc)

    def submit(
        self,
        fn: Callable[..., Any],
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        timeout: float | None,
        abandoned: Callable[[], bool] | None = None,
        on_done: Done,
        workspace: str | None = None,
        retry: bool = False,
        name: str | None = None,
    ) -> None:
        """Start an attempt and return; ``on_done`` gets its outcome from the collector thread.
        A ``retry`` gets a higher Dask priority than first attempts, so it runs at the
        next free worker thread rather than behind every first attempt submitted.
        ``name``: what its errors call it, the task run's key (else the function's name).

        Nothing blocks per attempt: finished futures are gathered in batches (one round
        trip for many results), which is what keeps flowtop near plain ``client.submit``.
        """
        name = name or task_name(fn)
        try:
            client = self.start()
        except (ShippingError, ExecutorError, AttemptStopped) as exc:
            on_done(None, exc, "")
            return
        except Exception as exc:  # noqa: BLE001 - a local cluster that failed to start
            on_done(None, ShippingError(f"could not start Dask for {name!r}: {exc}"), "")
            return
        if self._client_gone():  # a future submitted now would never end
            on_done(None, _lost_scheduler(name, self.address, for_good=True), "")
            return
        try:
            payload = pack(fn, args, kwargs, workspace, name)
        except Exception as exc:  # noqa: BLE001 - unpicklable inputs: never retried
            on_done(None, unshippable(fn, args, kwargs, exc, "a Dask worker", name), "")
            return
        deadline = None if timeout is None else time.monotonic() + timeout + GRACE
        key = f"{task_name(fn).replace('.', '_')}-{uuid.uuid4().hex}"
        _quiet_dask()
        try:
            future = client.submit(
                run_pickled,
                payload,
                "Dask worker",
                key=key,
                pure=False,
                priority=RETRY_PRIORITY if retry else 0,
            )
        except Exception as exc:  # noqa: BLE001 - e.g. the scheduler went away
            on_done(
                None,
                ShippingError(
                    f"task {name!r} could not be submitted to Dask: {describe_error(exc)}"
                ),
                "",
            )
            return
        with self._lock:
            self._pending[future.key] = (
                future,
                name,
                on_done,
                abandoned or never,
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
                self._look_at_workers()
                continue
            with contextlib.suppress(queue.Empty):
                while len(batch) < 1000:
                    batch.append(self._finished.get_nowait())
            with self._lock:
                popped = [(f, self._pending.pop(f.key, None)) for f in batch]
            entries = [(f, e) for f, e in popped if e is not None]
            ready = [f for f, _ in entries if f.status == "finished"]
            self._look_at_workers(ran=bool(ready))  # (said before what ran is reported)
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
                    outcome = (None, self._failure(name, exc), "")
                try:
                    on_done(*outcome)
                except Exception:  # the runner's bug must not stop other results
                    logging.getLogger("flowtop.executors").exception(
                        "applying a Dask result failed"
                    )
            self._sweep()

    def _look_at_workers(self, *, ran: bool = False) -> None:
        """Say (``capture.say_past``: on ``flowtop run``'s stderr, in a launched run's log,
        which the monitor toasts) when attempts wait on a scheduler with no worker, and
        when one joins (``WorkerWatch``): flowtop showed them running, with no word. Once
        per collector turn, from the client's copy of the scheduler's worker count;
        ``ran``: a future of this turn's ended with a result, so a worker was there."""
        client = self._client
        if client is None or self._client_gone():
            return
        note = self._workers.look(client, waiting=bool(self._pending), ran=ran)
        if note is not None:
            capture.say_past(note)
            self._stage(self._workers.stage)

    def _stage(self, words: str) -> None:
        """Tell ``on_stage`` what the run waits on now (``""``: nothing); never raises."""
        told = self.on_stage
        if told is not None:
            try:
                told(words)
            except Exception:  # a hint for the readers: never an attempt's failure
                logging.getLogger("flowtop.executors").debug("stage not told", exc_info=True)

    def _sweep(self) -> None:
        """Stop futures whose attempt timed out or was abandoned by the runner (one still
        running keeps its place: ``DaskPlaces.stop``); fail every one once the client gave
        up on its scheduler (none of them will end)."""
        now = time.monotonic()
        gone = self._client_gone()
        with self._lock:
            overdue = [
                (key, entry)
                for key, entry in self._pending.items()
                if gone or entry[3]() or (entry[4] is not None and now >= entry[4])
            ]
            for key, _ in overdue:
                del self._pending[key]
        if overdue and not gone:  # (a closed client has no scheduler to tell)
            self.places.stop(self._client, (entry[0] for _, entry in overdue))
        for _, (_, name, on_done, abandoned, _, timeout) in overdue:
            if abandoned():
                on_done(None, AttemptStopped(f"attempt of {name!r} was stopped"), "")
            elif gone:
                on_done(None, _lost_scheduler(name, self.address, for_good=True), "")
            else:
                on_done(None, timed_out(name, timeout or 0.0, "its Dask future was cancelled"), "")

    def close(self) -> None:
        with self._lock:
            self.closed = True
            client, cluster = self._client, self._cluster
            self._client = self._cluster = None
        try:
            if client is not None:
                client.close()
            if cluster is not None:
                # Threads cannot be killed: do not wait for attempts still running on them
                # (a quit would hang until they end); their results are dropped anyway.
                for worker in list(cluster.workers.values()):
                    with contextlib.suppress(Exception):  # closing the cluster below still happens
                        cluster.sync(worker.close, executor_wait=False, reason="flowtop-close")
                cluster.close()
        finally:  # (after the client's close: its reconnecting is cancelled there)
            noise, self._noise = self._noise, None
            if noise is not None:
                for logger in CLIENT_LOGGERS:
                    logging.getLogger(logger).removeFilter(noise)
