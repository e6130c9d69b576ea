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

import asyncio
import contextlib
import functools
import hashlib
import inspect
import pickle
import threading
import time
import uuid
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, overload

from .delays import to_seconds
from .events import ErrorInfo, RunStarted
from .flow import Flow, Node, Ref, find_refs, resolve_refs
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
        #: ``async def``: calling it gives a coroutine; its body runs on its own loop.
        self.is_async = inspect.iscoroutinefunction(fn)
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
        """Run the flow: inline inside another flow, else on a private runner (a plain script).

        ``return_state=True`` (Prefect 3) returns the run's outcome as a ``State``.
        """
        parent = kwargs.pop("_flowtop_parent", None) or current_run()
        sync = kwargs.pop("_flowtop_sync", False)
        if self.is_async and not sync:
            return self._acall(parent, args, kwargs)
        if parent is not None and not kwargs.get("return_state"):
            return self._child_run(parent, args, kwargs)
        if "return_state" in kwargs:
            if not kwargs.pop("return_state"):
                return self(*args, **kwargs)
            from .prefect_api import outcome_state

            try:
                value = self(*args, _flowtop_parent=parent, _flowtop_sync=True, **kwargs)
            except Exception as exc:  # noqa: BLE001 - the outcome, as a Failed state
                return outcome_state(None, exc)
            return outcome_state(value, None)
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

    async def _acall(
        self, parent: DynamicRun | None, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """Calling an ``async def`` flow gives a coroutine (as in Prefect); the run itself
        goes on the flow's own thread while the caller's loop stays free."""
        return await asyncio.to_thread(
            functools.partial(self, *args, _flowtop_parent=parent, _flowtop_sync=True, **kwargs)
        )

    def _child_run(self, parent: DynamicRun, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """A flow called inside a running flow: a run of its own on the same runner (its own
        row in the TUI and history, its own retries); the parent waits for its outcome."""
        run = parent.runner.start(self, args=args, kwargs=kwargs)
        result = run.final_result()
        if result.error is not None:
            raise result.error
        if result.state is StateType.CANCELLED:
            raise RunCancelled(f"subflow {self.name!r} run #{result.number} was cancelled")
        return result.value

    def __repr__(self) -> str:
        return f"<@flow {self.name!r}>"


_IGNORED_FLOW_OPTIONS = frozenset(
    {"log_prints", "description", "version", "validate_parameters", "persist_result"}
)
_UNSUPPORTED_FLOW_OPTIONS = frozenset(
    {
        "timeout_seconds",
        "task_runner",
        "flow_run_name",
        "result_storage",
        "result_serializer",
        "cache_result_in_memory",
        "on_completion",
        "on_failure",
        "on_cancellation",
        "on_crashed",
        "on_running",
    }
)


@overload
def flow(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    retries: int = 0,
    retry_delay: float | timedelta | None = None,
    retry_delay_seconds: float | None = None,
    **prefect_options: Any,
) -> FlowFunction: ...
@overload
def flow(
    fn: None = None,
    *,
    name: str | None = None,
    retries: int = 0,
    retry_delay: float | timedelta | None = None,
    retry_delay_seconds: float | None = None,
    **prefect_options: Any,
) -> Callable[[Callable[..., Any]], FlowFunction]: ...


def flow(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    retries: int = 0,
    retry_delay: float | timedelta | None = None,
    retry_delay_seconds: float | None = None,
    **prefect_options: Any,
) -> FlowFunction | Callable[[Callable[..., Any]], FlowFunction]:
    """Make a flow of a function: ``@flow`` or ``@flow(name=..., retries=..., retry_delay=...)``.

    ``retry_delay`` is seconds or a ``timedelta``; Prefect's ``retry_delay_seconds`` is an alias.
    Prefect's ``log_prints``, ``description``, ``version``, ``validate_parameters`` and
    ``persist_result`` are accepted and change nothing; other Prefect options are refused.
    """
    for key in prefect_options:
        if key in _UNSUPPORTED_FLOW_OPTIONS:
            raise TypeError(f"@flow: Prefect option {key!r} is not available in flowtop")
        if key not in _IGNORED_FLOW_OPTIONS:
            raise TypeError(
                f"@flow: unknown option {key!r}; valid options: name, retries, retry_delay, "
                "retry_delay_seconds"
            )
    if retry_delay is not None and retry_delay_seconds is not None:
        raise TypeError("@flow: 'retry_delay_seconds' and 'retry_delay' both given; use one")
    delay = retry_delay if retry_delay is not None else (retry_delay_seconds or 0)

    def make(func: Callable[..., Any]) -> FlowFunction:
        return FlowFunction(func, name=name, retries=retries, retry_delay=delay)

    return make(fn) if fn is not None else make


class TaskFuture:
    """The pending result of ``task.submit(...)`` inside a running ``@flow``.

    As Prefect 3's ``PrefectFuture``: ``result()``, ``wait()`` (returns None), ``state``
    (a Prefect-style ``State``) and ``task_run_id``.
    """

    __slots__ = ("_run", "_tr")

    def __init__(self, run: DynamicRun, tr: TaskRun) -> None:
        self._run = run
        self._tr = tr

    @property
    def key(self) -> str:
        return self._tr.key

    @property
    def task_run_id(self) -> str:
        return f"{self._run.run_id}:{self._tr.key}"

    @property
    def state(self) -> Any:
        """The task's state now, as a Prefect-style ``State`` (``is_completed()``, …)."""
        from .prefect_api import from_engine

        with self._run._lock:
            state = self._tr.to_state(time.time())
        return from_engine(state, task_run_id=self.task_run_id)

    def _wait(self, timeout: float | None) -> bool:
        run = self._run
        with run._cond:
            return run._cond.wait_for(lambda: self._tr.state.is_final, timeout)

    def wait(self, timeout: float | None = None) -> None:
        """Block until the task is final, or ``timeout`` seconds pass (as Prefect: no error)."""
        self._wait(timeout)

    def final_state(self, timeout: float | None = None) -> Any:
        """Wait for the end and return the Prefect-style ``State``."""
        if not self._wait(timeout):
            raise TimeoutError(f"task {self.key!r} still {self._tr.state.value} after {timeout}s")
        return self.state

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> Any:
        """The task's return value, or its final exception raised here (returned with
        ``raise_on_failure=False``)."""
        if not self._wait(timeout):
            raise TimeoutError(f"task {self.key!r} still {self._tr.state.value} after {timeout}s")
        with self._run._lock:
            state = self._tr.to_state(time.time())
        if state.type is StateType.COMPLETED:
            return state.result
        if state.type is StateType.FAILED and state.exception is not None:
            error: BaseException = state.exception
        elif state.type is StateType.UPSTREAM_FAILED:
            error = UpstreamFailed(f"task {self.key!r}: {state.message}")
        else:
            error = RunCancelled(f"task {self.key!r} was cancelled")
        if raise_on_failure:
            raise error
        return error

    async def awaited(self, return_state: bool = False) -> Any:
        """Wait on the calling event loop (no thread held); the result, or the ``State``."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._run.add_waiter(self._tr, loop, waiter)
        await waiter
        return self.final_state() if return_state else self.result()

    def __await__(self) -> Generator[Any, None, Any]:
        """``await future`` in async code: its result, without blocking the loop."""
        return self.awaited().__await__()

    def __repr__(self) -> str:
        return f"<TaskFuture {self.key} {self._tr.state.value}>"


class InlineFuture:
    """``task.submit()`` outside any flow: the call runs (retries included) on a thread."""

    __slots__ = ("_task", "_done", "_state", "task_run_id")

    def __init__(self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        from .inline import run_inline

        self._task = task
        self._done = threading.Event()
        self._state: Any = None
        self.task_run_id = uuid.uuid4().hex

        def body() -> None:
            try:
                self._state = run_inline(task, args, kwargs)
            finally:
                self._done.set()

        threading.Thread(target=body, name=f"flowtop-submit-{task.name}", daemon=True).start()

    @property
    def key(self) -> str:
        return self._task.name

    @property
    def state(self) -> Any:
        from .prefect_api import Pending, from_engine

        if not self._done.is_set():
            return Pending()
        return from_engine(self._state, task_run_id=self.task_run_id)

    def wait(self, timeout: float | None = None) -> None:
        self._done.wait(timeout)

    def final_state(self, timeout: float | None = None) -> Any:
        if not self._done.wait(timeout):
            raise TimeoutError(f"task {self.key!r} still running after {timeout}s")
        return self.state

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> Any:
        return self.final_state(timeout).result(raise_on_failure=raise_on_failure)

    def __repr__(self) -> str:
        return f"<InlineFuture {self.key} {'done' if self._done.is_set() else 'running'}>"


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


def _as_refs(value: Any, depth: int = 0, tolerant: set[str] | None = None) -> Any:
    """Futures in the arguments (also inside lists/dicts) become refs to their tasks.

    ``allow_failure(future)`` becomes a ref too, its key noted in ``tolerant``; other
    annotations (``unmapped``, ``allow_failure`` of a plain value) are unwrapped.
    """
    from .prefect_api import _Annotation, allow_failure

    if isinstance(value, TaskFuture):
        return Ref(value.key)
    if isinstance(value, _Annotation):
        inner = value.unwrap()
        if isinstance(inner, TaskFuture) and isinstance(value, allow_failure):
            if tolerant is not None:
                tolerant.add(inner.key)
            return Ref(inner.key)
        return _as_refs(inner, depth, tolerant)
    if isinstance(value, InlineFuture):
        return value.result()
    if depth < 4 and isinstance(value, list | tuple | dict | set | frozenset):
        if isinstance(value, dict):
            return {k: _as_refs(v, depth + 1, tolerant) for k, v in value.items()}
        items = [_as_refs(v, depth + 1, tolerant) for v in value]
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
        #: task key -> upstream keys whose failure it allows (``allow_failure``)
        self._tolerant: dict[str, frozenset[str]] = {}
        #: event-loop futures of ``await task(...)`` calls, resolved when their task is final
        self._async_waiters: dict[
            str, list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]
        ] = {}

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
            self.value = resolve_return(_awaited(self.flow.fn(*self._args, **self._kwargs)))
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

    def submit_call(
        self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], *, wait_for: Any = None
    ) -> TaskFuture:
        """A task reached by the function body: add its node, start it when its inputs
        (and the futures ``wait_for`` names) are done."""
        tolerant: set[str] = set()
        order_only = self._wait_for_keys(task, wait_for, tolerant)
        node_args = tuple(_as_refs(a, 0, tolerant) for a in args)
        node_kwargs = {k: _as_refs(v, 0, tolerant) for k, v in kwargs.items()}
        with self._lock:
            if self.state is not StateType.RUNNING:
                raise RunCancelled(
                    f"flow {self.flow.name!r} run #{self.number} is {self.state.value}; task {task.name!r} not started"
                )
            n = self._uses[task.name] = self._uses.get(task.name, 0) + 1
            key = task.name if n == 1 else f"{task.name}-{n}"
            node = Node(key, task, node_args, node_kwargs)
            refs = [r for value in (*node.args, *node.kwargs.values()) for r in find_refs(value)]
            node.upstream = list(dict.fromkeys([*(r.key for r in refs), *order_only]))
            if tolerant:
                self._tolerant[key] = frozenset(tolerant)
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
                if up.state.is_final and up_key in tolerant:
                    continue
                if up.state.is_final:
                    failed_upstream = up
                else:
                    tr.waiting_on += 1
                    up.children.append(tr)
            self._transition(tr, StateType.PENDING, announce=True)
            if failed_upstream is not None:
                self._mark_upstream_failed(tr, failed_upstream)
                self._notify()
            elif tr.waiting_on == 0:
                self._ready(tr)
            return TaskFuture(self, tr)

    def _wait_for_keys(self, task: Task, wait_for: Any, tolerant: set[str]) -> list[str]:
        """The task keys ``wait_for`` names (futures of this run, maybe ``allow_failure``)."""
        from .prefect_api import allow_failure

        if wait_for is None:
            return []
        items = wait_for if isinstance(wait_for, list | tuple | set | frozenset) else [wait_for]
        keys = []
        for item in items:
            allowed = isinstance(item, allow_failure)
            target = item.unwrap() if allowed else item
            if isinstance(target, InlineFuture):
                target.wait()
                continue
            if not isinstance(target, TaskFuture) or target._run is not self:
                raise TypeError(
                    f"task {task.name!r}: wait_for must hold futures of this flow run, "
                    f"got {type(target).__name__} {target!r}"
                )
            keys.append(target.key)
            if allowed:
                tolerant.add(target.key)
        return keys

    def _upstream_failed(self, failed: TaskRun) -> None:
        """As the runner's, except that a child which allows this upstream's failure
        (``allow_failure``) only stops waiting for it (under the lock)."""
        stack = [(failed, child) for child in failed.children]
        while stack:
            parent, child = stack.pop()
            if child.state is not StateType.PENDING:
                continue
            if parent.key in self._tolerant.get(child.key, ()):
                child.waiting_on -= 1
                if child.waiting_on == 0:
                    self._ready(child)
                continue
            self._mark_upstream_failed(child, parent)
            stack.extend((child, grandchild) for grandchild in child.children)

    def _inputs(self, node: Node) -> tuple[list[Any], dict[str, Any]]:
        """As the runner's; an ``allow_failure`` input whose task failed is its exception."""
        allowed = self._tolerant.get(node.key)
        if not allowed:
            return super()._inputs(node)
        values: dict[str, Any] = {}
        for key in node.upstream:
            up = self.tasks[key]
            if up.state is StateType.COMPLETED or key not in allowed:
                value = up.result
            elif up.exception is not None:
                value = up.exception
            else:
                value = UpstreamFailed(f"task {key!r}: {up.message or up.state.value}")
            values[key] = SimpleNamespace(result=value)
        return resolve_refs(list(node.args), values), resolve_refs(node.kwargs, values)

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

    def _submit(self, tr: TaskRun) -> None:
        """As the runner's; an ``async def`` task's attempt starts on the event loop itself."""
        if not tr.node.task.is_async:
            super()._submit(tr)
            return
        from .aloop import get_loop, post

        tr.token += 1
        post(get_loop(self.runner), self._attempt, tr, tr.token)

    def _retry_due(self, tr: TaskRun, token: int) -> None:
        if not tr.node.task.is_async:
            super()._retry_due(tr, token)
            return
        from .aloop import get_loop, post

        with self._lock:
            if (
                tr.token == token
                and tr.state is StateType.AWAITING_RETRY
                and self.state is StateType.RUNNING
            ):
                tr.timer = None
                post(get_loop(self.runner), self._attempt, tr, token)

    def _attempt(self, tr: TaskRun, token: int) -> None:
        if tr.key not in self._inputs_by_key:
            # Hashing pickles the inputs, which may be large: on this worker, outside the
            # run lock (the upstream results it reads are final).
            args, kwargs = self._inputs(tr.node)
            self._inputs_by_key[tr.key] = input_hash(args, kwargs)
        super()._attempt(tr, token)

    def _notify(self) -> None:
        self._cond.notify_all()

    def _wake_waiters(self, tr: TaskRun) -> None:
        """``tr`` is final: resolve what ``await``s it (under the lock)."""
        for loop, waiter in self._async_waiters.pop(tr.key, ()):
            _wake(loop, waiter)

    def _complete(self, tr: TaskRun, value: Any, **kwargs: Any) -> None:
        super()._complete(tr, value, **kwargs)
        if self._async_waiters:
            self._wake_waiters(tr)

    def _fail(self, tr: TaskRun, error: BaseException, reason: str, **kwargs: Any) -> None:
        super()._fail(tr, error, reason, **kwargs)
        if self._async_waiters:
            self._wake_waiters(tr)

    def _end_unrun(self, tr: TaskRun, state: StateType, message: str) -> None:
        super()._end_unrun(tr, state, message)
        if self._async_waiters:
            self._wake_waiters(tr)

    def add_waiter(
        self, tr: TaskRun, loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[None]
    ) -> None:
        """Resolve ``waiter`` (on ``loop``) once ``tr`` is final."""
        with self._lock:
            if tr.state.is_final or self.state is not StateType.RUNNING:
                _wake(loop, waiter)
            else:
                self._async_waiters.setdefault(tr.key, []).append((loop, waiter))

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


def submit(
    task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], *, wait_for: Any = None
) -> TaskFuture | InlineFuture:
    run = current_run()
    if run is None:
        from .flow import current_flow

        if current_flow() is not None:
            raise RuntimeError(
                f"{task.name}.submit() works in @flow functions; in a with Flow(...) block call the task"
            )
        if wait_for is not None:
            from .task import _wait_all

            _wait_all(task.name, wait_for)
        return InlineFuture(task, args, kwargs)
    return run.submit_call(task, args, kwargs, wait_for=wait_for)


def _mapped(value: Any) -> bool:
    from .prefect_api import unmapped

    return isinstance(value, list | tuple | range) and not isinstance(value, unmapped)


def map_calls(
    task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], *, wait_for: Any = None
) -> list[TaskFuture | InlineFuture]:
    """One call per item: list/tuple arguments are zipped, every other argument (and
    ``unmapped(x)``) is repeated."""
    iterables = [a for a in (*args, *kwargs.values()) if _mapped(a)]
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
        return value[i] if _mapped(value) else value

    return [
        submit(
            task,
            tuple(pick(a, i) for a in args),
            {k: pick(v, i) for k, v in kwargs.items()},
            wait_for=wait_for,
        )
        for i in range(n)
    ]


def _wake(loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[None]) -> None:
    from .aloop import post

    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody awaits any more
        post(loop, _set_done, waiter)


def _set_done(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _awaited(value: Any) -> Any:
    """An ``async def`` flow's coroutine, run to its end on the flow's own thread."""
    if inspect.iscoroutine(value):
        return asyncio.run(value)
    return value


def resolve_return(value: Any) -> Any:
    """What a ``@flow`` function's return value makes of the run, as in Prefect 3.

    Futures (also inside lists, tuples, sets, dicts) become their final states. A state
    made by hand (``Completed(...)``, ``Failed(...)``) is the outcome: its data is the
    value, or its exception is raised. A task's state, or a collection of states, is the
    value when every one completed; otherwise the first failed one's exception is raised.
    """
    from .prefect_api import State, is_state_iterable, state_exception

    value = _futures_to_states(value)
    if isinstance(value, State) and value.state_details.task_run_id is None:
        return value.result()
    if isinstance(value, State) or is_state_iterable(value):
        states = [value] if isinstance(value, State) else list(value)
        for state in states:
            if not state.is_completed():
                raise state_exception(state)
    return value


def _futures_to_states(value: Any, depth: int = 0) -> Any:
    if isinstance(value, TaskFuture | InlineFuture):
        return value.final_state()
    if depth < 4 and isinstance(value, list | tuple | set | frozenset | dict):
        if isinstance(value, dict):
            return {k: _futures_to_states(v, depth + 1) for k, v in value.items()}
        items = [_futures_to_states(v, depth + 1) for v in value]
        if isinstance(value, list):
            return items
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    return value


__all__ = [
    "FlowFunction",
    "InlineFuture",
    "RunCancelled",
    "TaskFuture",
    "UpstreamFailed",
    "flow",
    "resolve_return",
]
