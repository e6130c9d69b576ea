"""The runner: the worker pool, the timer and the event bus that every run shares.

A run itself (its tasks' state machine) is ``run.FlowRun``; the flow makes it
(``Flow.make_run``), so the runner never asks what kind of flow it was given. The
records a run keeps are in ``records``; the backends that run attempts elsewhere, in
``backends``. Their names stay importable from here.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

from . import aloop, capture
from .backends import AttemptBackend
from .bus import EventBus, Subscription
from .caching import PROCESS_CACHE, CacheStore
from .context import refuse_run_at_import
from .errors import IllegalTransition
from .events import Sink
from .layers import Layer
from .policy import RetryPolicy
from .pool import WorkerPool, checked_workers
from .records import MAX_MESSAGE, Attempt, RunResult, TaskRun, error_info, new_run_id
from .run import FlowRun
from .run_options import NOT_GIVEN, NotGiven, RunOptions
from .states import State
from .timer import Timer

if TYPE_CHECKING:
    from pathlib import Path

    from .flow import Flow
    from .graph import Node

PolicyProvider = Callable[["Flow", "Node"], RetryPolicy]

__all__ = [
    "MAX_MESSAGE",
    "Attempt",
    "AttemptBackend",
    "FlowRun",
    "IllegalTransition",
    "PolicyProvider",
    "RunResult",
    "Runner",
    "TaskRun",
    "error_info",
    "new_run_id",
]


class Runner:
    """Owns the worker pool, the timer and the event bus shared by all runs.

    ``policy_for(flow, node)`` supplies each task's effective policy (the workspace's
    settings layers); without it the ``@task`` policy is used. ``next_number(flow, run_id)``
    numbers runs (the run store allocates numbers, and records the run at once).
    """

    def __init__(
        self,
        workers: int = 8,
        *,
        sinks: Iterable[Sink | Subscription] = (),
        policy_for: PolicyProvider | None = None,
        next_number: Callable[[str, str], int] | None = None,
        executor: Executor | None = None,
        backend: AttemptBackend | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] | None = None,
        cache: CacheStore | None = None,
        state_dir: Path | None = None,
    ) -> None:
        self.workers = checked_workers(workers)
        self.bus = EventBus(sinks)
        self.executor: Executor | WorkerPool = executor or WorkerPool(workers)
        self._own_executor = executor is None
        self.clock = clock
        self.timer = Timer(clock)
        #: Wall-clock checks of the runs' drivers (``drivers.STALL``), whatever ``clock`` is.
        self.watchdog = Timer(name="flowtop-watchdog")
        self.rng = rng or random.random
        #: Keep a copy of each result as its task returned it (``records.pristine``): for
        #: the run store, which stores them a moment later. Set by the workspace.
        self.keep_results = False
        #: Attempts' prints and log lines also reach the terminal as they come: a flow a
        #: script calls (``my_flow()``, ``Flow.run()``) has no monitor to show them, and
        #: Prefect shows them there.
        self.echo_output = False
        self.policy_for = policy_for
        #: Where tasks that cache keep their results (``caching``): the workspace's folder
        #: for flowtop's runs, else this process's memory.
        self.cache: CacheStore = cache if cache is not None else PROCESS_CACHE
        #: The workspace's ``.flowtop`` folder (``prefect.variables`` keeps its values
        #: there); None for a script's runner, whose code uses the current directory's.
        self.state_dir = state_dir
        self.backend = backend
        self._next_number = next_number
        self._numbers: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()
        self._active: set[FlowRun] = set()
        #: Every run this runner started, while something still holds it (see ``find``).
        self._by_id: weakref.WeakValueDictionary[str, FlowRun] = weakref.WeakValueDictionary()
        #: Called with each run after it is registered (``find`` has it) and before it
        #: begins: the workspace applies the commands queued for it meanwhile, so a run
        #: cancelled while its process imported the flow file starts no task.
        self.before_begin: Callable[[FlowRun], None] | None = None
        self.closed = False

    @property
    def numbers_recorded(self) -> bool:
        """Whether the numbers this runner gives its runs are a run store's (its runs are
        recorded there), not a count of its own that names no run anywhere else."""
        return self._next_number is not None

    def _number(self, flow: Flow, run_id: str) -> int:
        if self._next_number is not None:
            return self._next_number(flow.name, run_id)
        with self._lock:
            counter = self._numbers.setdefault(flow.name, itertools.count(1))
            return next(counter)

    def policy_of(
        self, flow: Flow, node: Node, default_max_retries: int | None = None
    ) -> RetryPolicy:
        """The effective policy of one node: the settings layers, then a run's own default."""
        policy = self.policy_for(flow, node) if self.policy_for else node.task.policy
        if default_max_retries is not None:
            policy = policy.with_values(Layer.DEFAULTS, default_max_retries=default_max_retries)
        return policy

    def policies(
        self, flow: Flow, default_max_retries: int | None = None
    ) -> dict[str, RetryPolicy]:
        return {
            key: self.policy_of(flow, node, default_max_retries) for key, node in flow.nodes.items()
        }

    def start(
        self,
        flow: Flow,
        *,
        reuse: Mapping[str, State] | None = None,
        rerun_of: str | None = None,
        default_max_retries: int | None = None,
        cache: Mapping[tuple[str, str], State] | None = None,
        args: tuple[Any, ...] = (),
        kwargs: Mapping[str, Any] | None = None,
        flow_attempt: int = 1,
        run_id: str | None = None,
        start_delay: float = 0.0,
        parameters: str | NotGiven | None = NOT_GIVEN,
    ) -> FlowRun:
        """Start a run and return at once; events tell the rest.

        ``reuse`` carries completed states over by task key (static flows); ``cache``
        (completed states by call: task key and input hash), ``args``, ``kwargs`` and
        ``flow_attempt`` (and ``start_delay``, ``parameters``: ``RunOptions``) are for
        ``@flow`` functions. ``run_id``
        names the run (a launcher that must print the id before the run starts picks it).
        """
        refuse_run_at_import(flow.name)  # a flow file's unguarded top-level call
        if self.closed:
            raise RuntimeError("runner is shut down")
        run_id = run_id or new_run_id()
        number = self._number(flow, run_id)
        options = RunOptions(
            reuse=reuse or {},
            rerun_of=rerun_of,
            default_max_retries=default_max_retries,
            cache=cache,
            args=args,
            kwargs=kwargs,
            flow_attempt=flow_attempt,
            start_delay=start_delay,
            parameters=parameters,
        )
        run = flow.make_run(self, number, run_id, options)
        with self._lock:
            self._active.add(run)
            self._by_id[run.run_id] = run
        if self.before_begin is not None:
            self.before_begin(run)
        capture.hold()  # until ``_run_done``: its attempts need not each attach it
        try:
            run._begin()
        except BaseException:
            self._let_go(run)  # (a @flow retry's timer stopped by a shutdown meanwhile)
            raise
        return run

    def find(self, run_id: str) -> FlowRun | None:
        """The handle of a run this runner started (alive while running, or while held)."""
        with self._lock:
            return self._by_id.get(run_id)

    def run(self, flow: Flow, **kwargs: Any) -> RunResult:
        """Start a run and wait for its end (after a ``@flow``'s own retries, if any)."""
        return self.start(flow, **kwargs).final_result()

    def rerun_failed(self, source: RunResult | FlowRun, flow: Flow | None = None) -> FlowRun:
        """A new linked run: tasks that completed in ``source`` are carried over, the rest run."""
        result = source.snapshot() if isinstance(source, FlowRun) else source
        target = flow or result.flow
        return self.start(target, rerun_of=result.run_id, **target.rerun_plan(result))

    def rerun_task(
        self, source: RunResult | FlowRun, key: str, flow: Flow | None = None
    ) -> FlowRun:
        """A new linked run of ``key`` and everything downstream of it; the rest is reused."""
        result = source.snapshot() if isinstance(source, FlowRun) else source
        target = flow or result.flow
        return self.start(target, rerun_of=result.run_id, **target.rerun_plan(result, key))

    def _run_done(self, run: FlowRun) -> None:
        """``run`` ended (under its lock). A worker still inside one of its attempts was
        given up on with it (the run was cancelled, or timed out, while a task blocked in
        C): the pool replaces it, as it replaces one past a task's timeout, so neither the
        pool's other runs nor ``shutdown`` (Ctrl+C in a script, a ``@flow`` call's end)
        wait for a call whose result nobody reads."""
        self._let_go(run)
        pool = self.executor
        if isinstance(pool, WorkerPool):  # a given executor cannot replace a worker
            for thread in run._drivers.left_inside():
                pool.abandon(thread)

    def _let_go(self, run: FlowRun) -> None:
        """``run`` is no longer active: the capture hold its start took is released, once
        (it ends through ``_run_done``, or its ``_begin`` raised)."""
        with self._lock:
            active = run in self._active
            self._active.discard(run)
        if active:
            capture.release()

    @contextlib.contextmanager
    def lending_worker(self) -> Iterator[None]:
        """While a worker waits for work its own pool must do (a subflow its task attempt
        called: ``flow_in_task``), the pool may run one more thread: with every worker
        waiting so, none would be left for that work. A given ``Executor`` lends none."""
        pool = self.executor
        if not isinstance(pool, WorkerPool):
            yield
            return
        with pool.lent():
            yield

    @property
    def active_runs(self) -> list[FlowRun]:
        with self._lock:
            return list(self._active)

    def shutdown(self, *, cancel: bool = True, wait: bool = True) -> list[tuple[Sink, int]]:
        """Cancel what still runs, deliver every event, stop the threads. Returns the
        sinks given up on, with how many events each did not get (``EventBus.close``)."""
        if self.closed:
            return []
        if cancel:
            for run in self.active_runs:
                run.cancel()
        self.closed = True
        self.timer.stop()
        self.watchdog.stop()
        if self._own_executor:
            self.executor.shutdown(wait=wait, cancel_futures=True)
        if self.backend is not None:
            self.backend.close()
        aloop.release(self)  # the async tasks' loop stops with its last runner
        return self.bus.close()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
