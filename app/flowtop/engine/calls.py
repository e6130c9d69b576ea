"""Task calls that do not wait: ``task.submit()`` and ``task.map()``.

Inside a running ``@flow`` (its body, or a thread the body started with its context
copied: ``calling_run``) a call becomes a node of that run (``DynamicRun.submit_call``)
and gives a ``TaskFuture``; anywhere else it runs on a thread of its own, retries
included, and gives an ``InlineFuture``.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
import types
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .context import context_body_run, current_flow, current_run
from .errors import UpstreamFailed, named_for_prefect
from .inline import run_inline
from .map_rules import (
    argument_names,
    in_parameter_order,
    length_mismatch,
    maps_over,
    missing_iterable,
    not_completed,
)
from .prefect_api import (
    Pending,
    State,
    _Annotation,
    allow_failure,
    from_engine,
    opaque,
    quote,
    unmapped,
)
from .run_handle import wait_for
from .run_names import downstream_error, is_unnamed, parameter_at
from .states import State as EngineState
from .states import StateType
from .task_runs import current_attempt
from .user_threads import UserCodeThread

if TYPE_CHECKING:
    from .dynamic_run import DynamicRun
    from .task import Task
    from .task_future import TaskFuture


def checked_timeout(timeout: float | None) -> None:
    """A negative ``timeout`` refused in Prefect 3.9.1's words (``wait``, ``as_completed``,
    a future list's ``result``)."""
    if timeout is not None and timeout < 0:
        raise ValueError(f"'timeout' must be a non-negative number, got {timeout}")


def not_done_within(task_run_id: object, timeout: float | None) -> TimeoutError:
    """What a wait for a task run past ``timeout`` raises: Prefect 3.9.1's words, naming the
    run by its ``task_run_id``."""
    return TimeoutError(f"Task run {task_run_id} did not complete within {timeout} seconds")


class Future:
    """What a task's ``submit`` returns, in a ``@flow`` run (``TaskFuture``) or outside any
    flow (``InlineFuture``): given as an argument where no run can wait for it, its
    result stands in for it (``plain_inputs``)."""

    __slots__ = ()

    def __class_getitem__(cls, params: Any) -> types.GenericAlias:
        """``PrefectFuture[int]``: Prefect's futures are generic, and code written for
        it annotates with them (``futures: list[PrefectFuture[int]]``)."""
        return types.GenericAlias(cls, params)

    @property
    def key(self) -> str:
        raise NotImplementedError

    @property
    def state(self) -> Any:
        raise NotImplementedError

    def wait(self, timeout: float | None = None) -> None:
        raise NotImplementedError

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> Any:
        raise NotImplementedError

    def add_done_callback(self, fn: Callable[[Any], object]) -> None:
        """Prefect's ``add_done_callback``: ``fn(future)`` once the call is final (at once
        when it is already); an exception it raises is logged."""
        raise NotImplementedError


def call_back(fn: Callable[[Any], object], future: Future) -> None:
    """A done callback, called; what it raises is logged (as ``concurrent.futures`` does)."""
    try:
        fn(future)
    except Exception:  # the user's callback: it must not end the caller
        logging.getLogger("flowtop.engine").exception(
            "done callback %r of %s raised", fn, future.key
        )


class PrefectFutureList(list[Any]):
    """What ``task.map`` returns, as Prefect's ``PrefectFutureList``: a list of its calls'
    futures that can also be waited for, or read, as one (``.map(xs).result()``)."""

    def wait(self, timeout: float | None = None) -> None:
        """Until every call is final, or ``timeout`` seconds pass (no error, as Prefect)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for future in self:
            future.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> list[Any]:
        """Every call's result, in order; ``TimeoutError`` if they are not all final within
        ``timeout`` seconds (Prefect 3.9.1's words; a negative ``timeout``, its
        ``ValueError``), and the first failure raised (unless ``raise_on_failure``)."""
        checked_timeout(timeout)
        self.wait(timeout)
        if not all(future.state.is_final() for future in self):
            raise TimeoutError(
                f"Timed out waiting for all futures to complete within {timeout} seconds"
            )
        return [future.result(raise_on_failure=raise_on_failure) for future in self]


class InlineFuture(Future):
    """``task.submit()`` outside any flow: the call runs (retries included) on a thread.
    One that could not start (its ``task_run_name`` could not be made) reads Pending for
    good, and raises why from ``wait()``, ``result()`` and ``final_state()``, as a flow's
    future (and Prefect's)."""

    __slots__ = ("_task", "_done", "_state", "_raised", "_callbacks", "_lock", "task_run_id")

    def __init__(self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self._task = task
        self._done = threading.Event()
        self._state: Any = None
        self._raised: Exception | None = None
        self._callbacks: list[Callable[[Any], object]] = []
        self._lock = threading.Lock()
        self.task_run_id = uuid.uuid4()  # a UUID, as Prefect's future's (and a flow's task's)

        def body() -> None:
            try:
                self._state = run_inline(task, args, kwargs)
            except Exception as exc:  # noqa: BLE001 - any naming error, kept to be raised
                # no attempt started: its task_run_name could not be made (``run_names``,
                # a naming callable's error too); the call's, raised by wait() and result()
                self._raised = exc
                self._state = EngineState(
                    StateType.FAILED, exc, exc, 1, str(exc), task.name, time.time()
                )
            finally:
                with self._lock:
                    self._done.set()
                for fn in self._callbacks:  # on this thread, as Prefect's are on the task's
                    call_back(fn, self)

        # in the caller's context, as Prefect's task runner submits: a call submitted from
        # a task attempt (``fetch.map(...)`` in a task) writes its prints and run logger
        # lines into that attempt's output (``capture.copied``), as the attempt's own do
        context = contextvars.copy_context()
        UserCodeThread(context.run, f"flowtop-submit-{task.name}", (body,)).start()

    @property
    def key(self) -> str:
        return self._task.name

    @property
    def state(self) -> Any:
        if not self._done.is_set() or self._raised is not None:
            return Pending()  # (could not be named: Pending for good, as Prefect's)
        return from_engine(self._state, task_run_id=str(self.task_run_id))

    def wait(self, timeout: float | None = None) -> None:
        if wait_for(self._done, timeout) and self._raised is not None:
            raise self._raised

    def final_state(self, timeout: float | None = None) -> Any:
        if not wait_for(self._done, timeout):  # Prefect 3.9.1's words, as a flow's future's
            raise not_done_within(self.task_run_id, timeout)
        if self._raised is not None:
            raise self._raised
        return self.state

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> Any:
        return self.final_state(timeout).result(raise_on_failure=raise_on_failure)

    def add_done_callback(self, fn: Callable[[Any], object]) -> None:
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(fn)
                return
        call_back(fn, self)

    def __repr__(self) -> str:
        return f"<InlineFuture {self.key} {'done' if self._done.is_set() else 'running'}>"


def plain_inputs(
    args: tuple[Any, ...], kwargs: dict[str, Any], fn: Callable[..., Any] | None = None
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """A call outside any flow, or a subflow's call: its arguments as the task (or the
    subflow) gets them, as Prefect resolves them. Annotations are unwrapped (``quote``'s
    value as it is); a future, also under ``opaque`` or ``allow_failure``, becomes its
    result (under ``allow_failure``, when it failed, its exception; when its task never
    ran, its upstream failed, None: the data of Prefect's ``NotReady`` state). That is
    also a future of a ``@flow`` run (kept from one, or the caller's, given to a subflow).
    A future of a task run that could not be named raises Prefect's error for ``fn``'s
    parameter it fills (``run_names.downstream_error``)."""

    def plain(value: Any) -> Any:
        if isinstance(value, quote):
            return value.value
        if isinstance(value, allow_failure) and isinstance(value.value, Future):
            try:
                return value.value.result(raise_on_failure=False)
            except UpstreamFailed:
                return None
        if isinstance(value, _Annotation):
            value = value.unwrap()
        return value.result() if isinstance(value, Future) else value

    def given(where: int | str, value: Any) -> Any:
        try:
            return plain(value)
        except Exception as exc:
            if fn is None or not is_unnamed(exc):
                raise
            raised = downstream_error(exc, parameter_at(fn, where))
            if raised is exc:
                raise
            raise raised from exc

    return (
        tuple(given(i, arg) for i, arg in enumerate(args)),
        {key: given(key, value) for key, value in kwargs.items()},
    )


def calling_run() -> DynamicRun | None:
    """The ``@flow`` run whose task a call made here is: the one whose body runs on this
    thread, or, while that body runs, the one whose body started this thread with its
    context copied (``contextvars.copy_context().run``, ``with_context``,
    ``asyncio.to_thread``), as Prefect 3 finds its ``FlowRunContext`` there. A plain
    thread's context (a ``ThreadPoolExecutor``'s) holds no run, as in Prefect; neither does
    a task attempt's (a task called in a task runs in it), nor one past the body's end."""
    run = current_run()
    if run is not None:
        return run
    run = context_body_run()
    if run is None or not run.body_running or current_attempt() is not None:
        return None
    return run


def submit(
    task: Task,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    wait_for: Any = None,
    how: str = "submit",
) -> TaskFuture | InlineFuture:
    """``task.submit(...)`` (or one call of ``task.map(...)``: ``how`` names it in errors)."""
    task.check_call(args, kwargs)
    run = calling_run()
    if run is None:
        if current_flow() is not None:
            raise RuntimeError(
                f"{task.name}.{how}() works in @flow functions; in a with Flow(...) block call the task"
            )
        if wait_for is not None:
            wait_all(wait_for)
        return InlineFuture(task, *plain_inputs(args, kwargs, task.fn))
    return run.submit_call(task, args, kwargs, wait_for=wait_for)


def _items(value: Any, prefect: bool) -> tuple[Any, list[Any] | None]:
    """One argument of ``.map()``: as its errors show it (a future as its result), and
    what it gives one call each of (None: it is passed whole).

    Mapped (``map_rules.maps_over``): a list, tuple or range, or by Prefect's rule any
    iterable but a str, bytes or file; also one inside ``quote()`` or ``allow_failure()``
    (by Prefect's rule ``opaque()`` too), each item wrapped again (as Prefect maps them);
    a future whose result is one (waited for: its length decides the calls; a failed one
    is passed whole, and its calls fail upstream; by Prefect's rule ``given_as_prefect``
    stopped the call first). ``unmapped(x)`` never is.
    """
    wrap = None
    shown = value
    looked_through = (quote, allow_failure, opaque) if prefect else (quote, allow_failure)
    if isinstance(value, looked_through):
        wrap, value = type(value), value.unwrap()
    elif isinstance(value, Future):
        try:
            shown = value = value.result()
        except Exception:  # noqa: BLE001 - failed: each call gets the future, as a plain one would
            return shown, None
    if isinstance(value, unmapped) or not maps_over(value, prefect):
        return shown, None  # ``unmapped`` first: its ``__getitem__`` makes it iterable
    return shown, [wrap(item) for item in value] if wrap is not None else list(value)


def given_as_prefect(value: Any) -> Any:
    """A drop-in ``.map()`` argument as Prefect 3.9.1 resolves it before it maps: a future
    or a state given as it is must have completed (waited for; else ``UpstreamTaskError``,
    ``map_rules.not_completed``), a state standing for its result; a future stays one,
    so each call still waits on its task. Anything else as it is."""
    if isinstance(value, Future):
        value.wait()
        state = value.state
    elif isinstance(value, State):
        state = value
    else:
        return value
    error = not_completed(state)
    if error is not None:
        raise error
    return value if isinstance(value, Future) else state.result(raise_on_failure=False, _sync=True)


def _given_as_prefect(task: Task, where: int | str, value: Any) -> Any:
    """``given_as_prefect``; a future of a task run that could not be named raises
    Prefect's error for the parameter it fills (``run_names.downstream_error``)."""
    try:
        return given_as_prefect(value)
    except Exception as exc:
        if not is_unnamed(exc):
            raise
        raised = downstream_error(exc, parameter_at(task.fn, where))
        if raised is exc:
            raise
        raise raised from exc


def map_calls(
    task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], *, wait_for: Any = None
) -> PrefectFutureList:
    """One call per item (``_items``): mapped arguments are zipped, every other argument
    (and ``unmapped(x)``) is repeated. A drop-in task maps by Prefect's rule, and its
    errors say Prefect's words (``map_rules``)."""
    prefect = task.maps_as_prefect
    if prefect:
        args = tuple(_given_as_prefect(task, i, value) for i, value in enumerate(args))
        kwargs = {key: _given_as_prefect(task, key, value) for key, value in kwargs.items()}
    spread = [_items(a, prefect) for a in args]
    spread_kw = {k: _items(v, prefect) for k, v in kwargs.items()}
    signature = task._signature  # bound and generator copies keep the function's own
    names = argument_names(signature, len(args), list(kwargs), prefect)
    named = dict(zip(names, [*spread, *spread_kw.values()], strict=True))
    if prefect:
        named = {name: named[name] for name in in_parameter_order(signature, list(named))}
    lengths = {name: len(items) for name, (_, items) in named.items() if items is not None}
    if not lengths:
        shown = {k: shown for k, (shown, _) in named.items()}
        raise named_for_prefect(missing_iterable(task.name, shown, prefect), prefect)
    if len(set(lengths.values())) > 1:
        raise named_for_prefect(length_mismatch(task.name, lengths, prefect), prefect)
    (n,) = set(lengths.values())

    def pick(value: Any, items: list[Any] | None, i: int) -> Any:
        return value if items is None else items[i]

    return PrefectFutureList(
        submit(
            task,
            tuple(pick(a, items, i) for a, (_, items) in zip(args, spread, strict=True)),
            {k: pick(v, spread_kw[k][1], i) for k, v in kwargs.items()},
            wait_for=wait_for,
            how="map",
        )
        for i in range(n)
    )


def wait_all(wait_for: Any) -> None:
    """Outside a flow: wait for the futures ``wait_for`` names before running (anything
    else in it has nothing to wait for, as in Prefect)."""
    items = wait_for if isinstance(wait_for, list | tuple | set | frozenset) else [wait_for]
    for item in items:
        target = item.unwrap() if isinstance(item, allow_failure) else item
        if isinstance(target, Future):
            target.wait()
