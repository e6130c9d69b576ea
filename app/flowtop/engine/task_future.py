"""What a ``@flow`` body holds and returns: the futures of its task calls, and what its
return value makes of the run (Prefect 3's ``PrefectFuture`` and
``resolve_futures_to_states``)."""

from __future__ import annotations

import inspect
import threading
import uuid
from collections import deque
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from .call_guard import engine_code
from .calls import Future, InlineFuture, call_back, not_done_within
from .errors import RunCancelled, UpstreamFailed
from .flow_result import returned_state_error
from .prefect_api import State, from_engine, made_by_hand, returned_cancelled, returned_failure
from .prefect_ids import prefect_uuid
from .run_handle import in_slices
from .run_names import as_its_future_reads, is_unnamed
from .states import StateType
from .user_threads import UserCodeThread

#: The states whose task run may hold its call's error (``run_names``).
_CALL_ERRORS = (StateType.FAILED, StateType.UPSTREAM_FAILED)

if TYPE_CHECKING:
    import asyncio

    from .dynamic_run import DynamicRun
    from .records import TaskRun


class TaskFuture(Future):
    """The pending result of ``task.submit(...)`` inside a running ``@flow``.

    As Prefect 3's ``PrefectFuture``: ``result()``, ``wait()`` (returns None), ``state``
    (a Prefect-style ``State``) and ``task_run_id``. A task run that could not be named
    (``run_names``) raises why from ``wait()``, ``result()`` (``raise_on_failure=False``
    too) and ``final_state()``, as Prefect 3.9.1's future raises it from each.
    """

    __slots__ = ("_run", "_tr")

    def __init__(self, run: DynamicRun, tr: TaskRun) -> None:
        self._run = run
        self._tr = tr

    @property
    def key(self) -> str:
        return self._tr.key

    @property
    def _engine_id(self) -> str:
        """The engine's id of the task run (``<run id>:<task key>``)."""
        return f"{self._run.run_id}:{self._tr.key}"

    @property
    def task_run_id(self) -> uuid.UUID:
        """Prefect's ``PrefectFuture.task_run_id``: the task run's UUID, the one its
        ``task_run.id`` and its state's ``state_details.task_run_id`` give."""
        return prefect_uuid(self._engine_id)

    @property
    def state(self) -> Any:
        """The task's state now, as a Prefect-style ``State`` (``is_completed()``, …);
        ``Pending`` for good when its call raised why its run could not be named, as
        Prefect's (``run_names.as_its_future_reads``)."""
        with self._run._lock:
            state, returned = as_its_future_reads(self._tr.to_state()), self._tr.returned
        return from_engine(
            state, task_run_id=self._engine_id, cached=self._tr.reused, returned=returned
        )

    def _wait(self, timeout: float | None) -> bool:
        run = self._run

        def final() -> bool:
            return self._tr.state.is_final

        # a ``Condition``'s block and wait are Python code around the run's lock: not
        # where the user's code may be interrupted (``call_guard``)
        with engine_code(), run._cond:
            return in_slices(lambda left: run._cond.wait_for(final, left), timeout)

    def _raise_unnamed(self) -> None:
        """The error of a task run that could not be named, raised (its call's error), or
        of one waiting on such a run (``run_names.downstream_error``)."""
        with self._run._lock:
            error = self._tr.exception if self._tr.state in _CALL_ERRORS else None
        if error is not None and is_unnamed(error):
            raise error

    def wait(self, timeout: float | None = None) -> None:
        """Block until the task is final, or ``timeout`` seconds pass (as Prefect: no error,
        but a task run that could not be named raises why)."""
        if self._wait(timeout):
            self._raise_unnamed()

    def final_state(self, timeout: float | None = None) -> Any:
        """Wait for the end and return the Prefect-style ``State``."""
        if not self._wait(timeout):
            raise not_done_within(self.task_run_id, timeout)
        self._raise_unnamed()
        return self.state

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> Any:
        """The task's return value, or its final exception raised here (returned with
        ``raise_on_failure=False``; a ``Failed(...)`` the task returned gives its data,
        as in Prefect). A task that never ran because an upstream failed has
        neither: ``UpstreamFailed`` (an ``UnfinishedRun``) is raised even then, as Prefect 3
        raises ``UnfinishedRun``."""
        if not self._wait(timeout):
            raise not_done_within(self.task_run_id, timeout)
        self._raise_unnamed()
        with self._run._lock:
            state = self._tr.to_state()
        if state.type is StateType.COMPLETED:
            return state.result
        if state.type is StateType.UPSTREAM_FAILED:
            raise UpstreamFailed(f"task {self.key!r}: {state.message}")
        failed = state.type is StateType.FAILED or returned_cancelled(state.exception)
        if failed and state.exception is not None:  # (a Cancelled(...) returned: its error)
            error: BaseException = state.exception
        else:
            error = RunCancelled(f"task {self.key!r} was cancelled")
        if raise_on_failure:
            raise error
        returned = returned_failure(error)  # a Failed(...) the task returned: its data
        return error if returned is None else returned.data

    def called(self) -> Any:
        """What calling the task in the flow's body gives: its result, or its error
        raised; a ``Failed(...)`` or ``Completed(...)`` the task returned by hand is
        handed back as it is instead, as in Prefect 3.9 (a failed one does not stop the
        flow)."""
        try:
            value = self.result()
        except Exception as exc:
            failure = returned_failure(exc)
            if failure is None:
                raise
            return failure
        with self._run._lock:
            returned = self._tr.returned
        return value if returned is None else returned

    def add_done_callback(self, fn: Callable[[Any], object]) -> None:
        """Called on the thread of ``DONE_CALLBACKS``, in turn with the others, never under
        the run's lock: a callback may read the result."""

        self._run.when_final(self._tr, lambda: DONE_CALLBACKS.call_soon(fn, self))

    async def awaited(self, return_state: bool = False) -> Any:
        """Wait on the calling event loop (no thread held); the result, or the ``State``."""
        import asyncio  # a loop runs: imported already (not with flowtop: see ``aloop``)

        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._run.add_waiter(self._tr, loop, waiter)
        await waiter
        return self.final_state() if return_state else self.called()

    def __await__(self) -> Generator[Any, None, Any]:
        """``await future`` in async code: its result, without blocking the loop."""
        return self.awaited().__await__()

    def __repr__(self) -> str:
        return f"<TaskFuture {self.key} {self._tr.state.value}>"


def awaited(value: Any) -> Any:
    """An ``async def`` flow's coroutine, run to its end on the flow's own thread."""
    if inspect.iscoroutine(value):
        import asyncio  # not with flowtop: see ``aloop``

        return asyncio.run(value)
    return value


def resolve_return(value: Any) -> Any:
    """What a ``@flow`` function's return value makes of the run, as in Prefect 3.

    Futures (also inside lists, tuples, sets, dicts) become their final states. A state
    made by hand (``Completed(...)``, ``Failed(...)``) is the outcome: its data is the
    value, or its exception is raised. A task's state is the value when it completed;
    otherwise its exception is raised. A list, tuple or set of states is the value either
    way: when one did not complete the run ends FAILED (``states_failed``), as in Prefect.
    """
    value = _futures_to_states(value)
    if made_by_hand(value):
        return value.result()
    if isinstance(value, State) and not value.is_completed():
        raise returned_state_error(value)
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


class _Callbacks:
    """Done callbacks, called in turn on one thread that ends when none is left: never
    under a run's lock, and never a thread per future (a ``.map()`` of 10,000) nor one
    that outlives them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[tuple[Callable[[Any], object], Future]] = deque()
        self._calling = False

    def call_soon(self, fn: Callable[[Any], object], future: Future) -> None:
        with self._lock:
            self._queue.append((fn, future))
            if self._calling:
                return
            self._calling = True
        UserCodeThread(self._drain, "flowtop-done").start()  # (the callbacks are the user's)

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._calling = False
                    return
                fn, future = self._queue.popleft()
            call_back(fn, future)


DONE_CALLBACKS = _Callbacks()
