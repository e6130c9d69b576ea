"""Prefect-2/3-style flows: ``@flow`` functions whose tasks appear as the code reaches them.

A ``FlowFunction`` is a ``Flow`` with no nodes up front. Running it starts a
``DynamicRun``: the function body runs on a thread of its own, and each task call in it
becomes a node of that run, keyed ``name``, ``name-2``, … in call order so history and
rerun-failed can match calls across runs. A plain call blocks until the task's final
state (retries included) and returns its result or raises its exception; ``.submit()``
returns a ``TaskFuture``; futures passed as arguments become dependencies.

Rerun-failed replays the function with a cache: a call whose key and input hash match a
call that completed in the source run returns the cached result without executing.
Flow-level retries (``@flow(retries=2)``) are such reruns, started by the runner.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, overload

from .delays import to_seconds
from .events import ErrorInfo, RunStarted, TaskStateChanged
from .flow import Flow, Node, Ref, find_refs
from .policy import safe_repr
from .runner import FlowRun, RunResult, TaskRun, error_info
from .states import StateType
from .task import Task

if TYPE_CHECKING:
    from .runner import Runner

_local = threading.local()


class UpstreamFailed(Exception):
    """A task future whose upstream task did not complete."""


class RunCancelled(Exception):
    """The run was cancelled while the flow function was still calling tasks."""


def current_run() -> DynamicRun | None:
    return getattr(_local, "run", None)


class FlowFunction(Flow):
    """``@flow``: a function whose task calls are the flow. Still callable as a plain function."""

    is_dynamic = True

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        retries: int = 0,
        retry_delay: Any = 0,
    ) -> None:
        super().__init__(name or getattr(fn, "__name__", "flow").replace("_", "-"))
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError(f"flow {self.name!r}: retries must be an int >= 0, got {retries!r}")
        self.fn = fn
        self.retries = retries
        self.retry_delay = to_seconds(retry_delay, what=f"flow {self.name!r}: retry_delay")
        self.__flowtop_flow__ = self
        #: Nodes the latest runs made, by key (see ``node``).
        self.known_nodes: dict[str, Node] = {}
        functools.update_wrapper(self, fn)

    def node(self, key: str) -> Node | None:
        """The node a run made for ``key``, or one built from the task the key names.

        A ``@flow``'s graph is only known by running it, but its keys are ``name`` or
        ``name-N`` of a ``@task`` in the function's module: enough for the settings, the
        retry editor and the policy column before (or without) a run.
        """
        known = self.known_nodes.get(key)
        if known is not None:
            return known
        base, _, number = key.rpartition("-")
        name = base if base and number.isdigit() else key
        for value in getattr(self.fn, "__globals__", {}).values():
            if isinstance(value, Task) and value.name == name:
                return Node(key, value)
        return None

    def task_nodes(self) -> dict[str, Node]:
        """One node per ``@task`` the function's module defines, keyed by task name: what
        ``flowtop list`` can show of a graph that only exists while it runs."""
        tasks = {}
        for value in getattr(self.fn, "__globals__", {}).values():
            if isinstance(value, Task) and value.name not in tasks:
                tasks[value.name] = Node(value.name, value)
        return tasks

    def __enter__(self) -> Flow:
        raise TypeError(
            f"flow {self.name!r} is a @flow function: call it, don't use it in a with block"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the flow: inline inside another flow, else on a private runner (a plain script)."""
        if current_run() is not None:
            return self.fn(*args, **kwargs)
        from .runner import Runner

        with Runner() as runner:
            result = runner.start(self, args=args, kwargs=kwargs).final_result()
        # The function's own outcome, as in Prefect: a task failure it handled does not
        # fail the call.
        if result.error is not None:
            raise result.error
        if result.state is StateType.CANCELLED:
            raise RunCancelled(f"flow {self.name!r} run #{result.number} was cancelled")
        return result.value

    def __repr__(self) -> str:
        return f"<@flow {self.name!r}>"


@overload
def flow(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    retries: int = 0,
    retry_delay: float | timedelta | None = None,
    retry_delay_seconds: float | None = None,
) -> FlowFunction: ...
@overload
def flow(
    fn: None = None,
    *,
    name: str | None = None,
    retries: int = 0,
    retry_delay: float | timedelta | None = None,
    retry_delay_seconds: float | None = None,
) -> Callable[[Callable[..., Any]], FlowFunction]: ...


def flow(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    retries: int = 0,
    retry_delay: float | timedelta | None = None,
    retry_delay_seconds: float | None = None,
) -> FlowFunction | Callable[[Callable[..., Any]], FlowFunction]:
    """Make a flow of a function: ``@flow`` or ``@flow(name=..., retries=..., retry_delay=...)``.

    ``retry_delay`` is seconds or a ``timedelta``; Prefect's ``retry_delay_seconds`` is an alias.
    """
    if retry_delay is not None and retry_delay_seconds is not None:
        raise TypeError("@flow: 'retry_delay_seconds' and 'retry_delay' both given; use one")
    delay = retry_delay if retry_delay is not None else (retry_delay_seconds or 0)

    def make(func: Callable[..., Any]) -> FlowFunction:
        return FlowFunction(func, name=name, retries=retries, retry_delay=delay)

    return make(fn) if fn is not None else make


class TaskFuture:
    """The pending result of ``task.submit(...)`` inside a running ``@flow``."""

    __slots__ = ("_run", "_tr")

    def __init__(self, run: DynamicRun, tr: TaskRun) -> None:
        self._run = run
        self._tr = tr

    @property
    def key(self) -> str:
        return self._tr.key

    @property
    def state(self) -> StateType:
        return self._tr.state

    def wait(self, timeout: float | None = None) -> Any:
        """Block until the task is final; return its ``State``."""
        run = self._run
        with run._cond:
            if not run._cond.wait_for(lambda: self._tr.state.is_final, timeout):
                raise TimeoutError(
                    f"task {self.key!r} still {self._tr.state.value} after {timeout}s"
                )
            return self._tr.to_state(time.time())

    def result(self, timeout: float | None = None) -> Any:
        """The task's return value, or its final exception raised here."""
        state = self.wait(timeout)
        if state.type is StateType.COMPLETED:
            return state.result
        if state.type is StateType.FAILED and state.exception is not None:
            raise state.exception
        if state.type is StateType.UPSTREAM_FAILED:
            raise UpstreamFailed(f"task {self.key!r}: {state.message}")
        raise RunCancelled(f"task {self.key!r} was cancelled")

    def __repr__(self) -> str:
        return f"<TaskFuture {self.key} {self._tr.state.value}>"


def input_hash(args: Any, kwargs: Any) -> str | None:
    """A stable fingerprint of a call's inputs, or None when they can't be fingerprinted."""
    try:
        data = pickle.dumps((args, kwargs), protocol=5)
    except BaseException:  # noqa: BLE001 - unpicklable inputs (a __reduce__ may even sys.exit): their repr
        text = safe_repr((args, kwargs), limit=1_000_000)
        if text.startswith("<unrepresentable") or " at 0x" in text:
            return None  # an identity-based repr would never match across runs
        data = text.encode()
    return hashlib.sha256(data).hexdigest()[:32]


def _as_refs(value: Any, depth: int = 0) -> Any:
    """Futures in the arguments (also inside lists/dicts) become refs to their tasks."""
    if isinstance(value, TaskFuture):
        return Ref(value.key)
    if depth < 4 and isinstance(value, list | tuple | dict | set | frozenset):
        if isinstance(value, dict):
            return {k: _as_refs(v, depth + 1) for k, v in value.items()}
        items = [_as_refs(v, depth + 1) for v in value]
        if isinstance(value, list):
            return items
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    return value


class DynamicRun(FlowRun):
    """A run of a ``FlowFunction``: nodes are added as the function calls tasks."""

    flow: FlowFunction

    def __init__(
        self,
        runner: Runner,
        flow: FlowFunction,
        number: int,
        *,
        args: tuple[Any, ...] = (),
        kwargs: Mapping[str, Any] | None = None,
        cache: Mapping[tuple[str, str], Any] | None = None,
        rerun_of: str | None = None,
        default_max_retries: int | None = None,
        flow_attempt: int = 1,
        run_id: str | None = None,
    ) -> None:
        super().__init__(runner, flow, number, {}, {}, rerun_of, run_id=run_id)
        self._cond = threading.Condition(self._lock)
        self._args = args
        self._kwargs = dict(kwargs or {})
        self._cache = dict(cache or {})
        self._uses: dict[str, int] = {}
        self._inputs_by_key: dict[str, str | None] = {}
        self._default_max_retries = default_max_retries
        self._unfinished = 1  # the function body itself
        self.flow_attempt = flow_attempt
        self.value: Any = None
        self.error: BaseException | None = None
        self.next_run: DynamicRun | None = None
        self._successor = threading.Event()
        self._retrying = False

    # -- the function body ----------------------------------------------------------
    def _begin(self) -> None:
        self._starting = False
        with self._lock:
            self._emit(
                RunStarted(
                    self.run_id, self.flow.name, self.number, (), (), (), self.rerun_of, time.time()
                )
            )
        threading.Thread(
            target=self._body, name=f"flowtop-flow-{self.flow.name}", daemon=True
        ).start()

    def _body(self) -> None:
        _local.run = self
        try:
            self.value = self.flow.fn(*self._args, **self._kwargs)
        except BaseException as exc:  # noqa: BLE001 - the flow's outcome, reported like a task's
            if exc.__traceback__ is not None and exc.__traceback__.tb_next is not None:
                exc.__traceback__ = exc.__traceback__.tb_next
            self.error = exc
        finally:
            _local.run = None
        with self._lock:
            self._unfinished -= 1
            if self._unfinished == 0:
                self._finish()

    def submit_call(self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> TaskFuture:
        """A task reached by the function body: add its node, start it when its inputs are done."""
        with self._lock:
            if self.state is not StateType.RUNNING:
                raise RunCancelled(
                    f"flow {self.flow.name!r} run #{self.number} is {self.state.value}; task {task.name!r} not started"
                )
            n = self._uses[task.name] = self._uses.get(task.name, 0) + 1
            key = task.name if n == 1 else f"{task.name}-{n}"
            node = Node(
                key,
                task,
                tuple(_as_refs(a) for a in args),
                {k: _as_refs(v) for k, v in kwargs.items()},
            )
            refs = [r for value in (*node.args, *node.kwargs.values()) for r in find_refs(value)]
            node.upstream = list(dict.fromkeys(r.key for r in refs))
            node.nested = any(
                not isinstance(v, Ref)
                for v in (*node.args, *node.kwargs.values())
                if list(find_refs(v))
            )
            self.flow.known_nodes[key] = node
            policy = self.runner.policy_of(self.flow, node, self._default_max_retries)
            tr = TaskRun(node, policy)
            self.tasks[key] = tr
            self._unfinished += 1
            tr.waiting_on = 0
            failed_upstream = None
            for up_key in node.upstream:
                up = self.tasks[up_key]
                if up.state is StateType.COMPLETED:
                    continue
                if up.state.is_final:
                    failed_upstream = up
                else:
                    tr.waiting_on += 1
                    up.children.append(tr)
            self._emit_step(
                TaskStateChanged(
                    self.run_id,
                    self.flow.name,
                    key,
                    StateType.PENDING,
                    0,
                    tr.max_attempts,
                    time.time(),
                )
            )
            if failed_upstream is not None:
                self._mark_upstream_failed(tr, failed_upstream)
                self._notify()
            elif tr.waiting_on == 0:
                self._ready(tr)
            return TaskFuture(self, tr)

    def _ready(self, tr: TaskRun) -> None:
        """Inputs are done: serve the call from the cache when it matches, else run it."""
        if self._cache:  # a rerun: the hash decides, so it is needed now (under the lock)
            args, kwargs = self._inputs(tr.node)
            fingerprint = input_hash(args, kwargs)
            self._inputs_by_key[tr.key] = fingerprint
            if fingerprint is not None and (tr.key, fingerprint) in self._cache:
                tr.reused = True
                self._complete(tr, self._cache[(tr.key, fingerprint)], reused=True)
                return
        self._submit(tr)

    def _attempt(self, tr: TaskRun, token: int) -> None:
        if tr.key not in self._inputs_by_key:
            # Hashing pickles the inputs, which may be large: on this worker, outside the
            # run lock (the upstream results it reads are final).
            args, kwargs = self._inputs(tr.node)
            self._inputs_by_key[tr.key] = input_hash(args, kwargs)
        super()._attempt(tr, token)

    def _notify(self) -> None:
        self._cond.notify_all()

    def _final_state(self) -> StateType:
        """The function's outcome, as in Prefect: it returned → COMPLETED, it raised →
        FAILED. A task that failed and that the function handled stays FAILED in the
        counts without failing the run."""
        if self.cancelled:
            return StateType.CANCELLED
        if self.error is not None:
            return StateType.FAILED
        return StateType.COMPLETED

    def _run_error(self) -> ErrorInfo | None:
        return None if self.error is None else error_info(self.error)

    def _finish(self) -> None:
        if self.state is not StateType.RUNNING:
            return
        will_retry = (
            not self.cancelled
            and self.error is not None
            and isinstance(self.error, Exception)
            and self.flow_attempt <= self.flow.retries
            and not self.runner.closed
        )
        self._retrying = will_retry
        super()._finish()
        if will_retry:
            self.runner.timer.call_later(self.flow.retry_delay, self._start_retry)

    def _start_retry(self) -> None:
        try:
            if not self.runner.closed:
                run = self.runner.start(
                    self.flow,
                    cache=cache_of(self.snapshot()),
                    rerun_of=self.run_id,
                    args=self._args,
                    kwargs=self._kwargs,
                    flow_attempt=self.flow_attempt + 1,
                )
                assert isinstance(run, DynamicRun)  # a FlowFunction always starts one
                self.next_run = run
        finally:
            self._successor.set()

    # -- reading --------------------------------------------------------------------
    def final_result(self, timeout: float | None = None) -> RunResult:
        """The result of this run, or of the last flow-level retry it led to."""
        run: DynamicRun = self
        while True:
            result = run.result(timeout)
            if not run._retrying:
                return result
            run._successor.wait(timeout)
            if run.next_run is None:
                return result
            run = run.next_run

    def snapshot(self) -> RunResult:
        base = super().snapshot()
        with self._lock:
            inputs = dict(self._inputs_by_key)
        return replace(base, value=self.value, error=self.error, inputs=inputs)


def cache_of(result: RunResult, exclude: Iterable[str] = ()) -> dict[tuple[str, str], Any]:
    skip = set(exclude)
    return {
        (key, fingerprint): result.states[key].result
        for key, fingerprint in result.inputs.items()
        if fingerprint is not None
        and key not in skip
        and key in result.states
        and result.states[key].is_completed()
    }


def submit(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> TaskFuture:
    run = current_run()
    if run is None:
        raise RuntimeError(f"{task.name}.submit() must be called inside a running @flow function")
    return run.submit_call(task, args, kwargs)


def map_calls(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[TaskFuture]:
    """One call per item: list/tuple arguments are zipped, every other argument is repeated."""
    iterables = [a for a in (*args, *kwargs.values()) if isinstance(a, list | tuple | range)]
    if not iterables:
        raise TypeError(
            f"{task.name}.map() needs at least one list, tuple or range argument to map over"
        )
    lengths = {len(a) for a in iterables}
    if len(lengths) > 1:
        raise ValueError(
            f"{task.name}.map(): mapped arguments have different lengths {sorted(lengths)}"
        )
    (n,) = lengths

    def pick(value: Any, i: int) -> Any:
        return value[i] if isinstance(value, list | tuple | range) else value

    return [
        submit(task, tuple(pick(a, i) for a in args), {k: pick(v, i) for k, v in kwargs.items()})
        for i in range(n)
    ]


__all__ = ["FlowFunction", "RunCancelled", "TaskFuture", "UpstreamFailed", "flow"]
