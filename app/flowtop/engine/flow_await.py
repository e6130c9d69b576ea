"""``await my_flow(x)``: an ``async def`` ``@flow`` called from async code.

As in Prefect, the call gives a coroutine. The run goes as any flowtop run does (its
body on a thread of its own, with its own event loop), and the coroutine starts it and
waits for its end on a thread of its own, one per call (starting a run takes the run
store, which may be busy for seconds: never on the caller's loop). Not on the loop's
default executor (``asyncio.to_thread``): it has min(32, CPUs + 4) threads, so a web
app's concurrent calls queued behind each other there, and so did its other users
(``getaddrinfo``).

Prefect runs such a flow on the caller's loop, so cancelling the caller ends the run.
So does this: when the awaiting coroutine is cancelled (``asyncio.wait_for``, Ctrl+C on
``asyncio.run``, a server dropping a request) its run is cancelled (``DynamicRun.call_off``:
its pending retries, and the flow's own, never start) and ``CancelledError`` reaches the
caller at once; an attempt blocked in C is left to end on its own (``Runner._run_done``).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .flow_in_task import subflow_started
from .flow_upstream import flow_call_state, upstream_failure

if TYPE_CHECKING:
    import asyncio

    from .dynamic import FlowFunction
    from .dynamic_run import DynamicRun
    from .run import FlowRun

#: The message of a run whose caller was cancelled.
CALLER_GONE = "cancelled: its caller stopped awaiting it"


async def awaited_call(
    flow: FlowFunction,
    parent: FlowRun | None,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    wait_for: Any = None,
) -> Any:
    """What ``await flow(*args, **kwargs)`` gives: the function's value, or its outcome as
    a ``State`` with ``return_state=True`` (Prefect 3); a subflow's when ``parent`` runs.
    The futures ``wait_for`` names are waited for on the call's thread, not the loop."""
    return_state = bool(kwargs.pop("return_state", False))
    return await _run_to_end(flow, parent, args, kwargs, return_state, wait_for)


async def _run_to_end(
    flow: FlowFunction,
    parent: FlowRun | None,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    return_state: bool,
    wait_for: Any,
) -> Any:
    call = _Call()
    outcome = functools.partial(_outcome, flow, parent, args, kwargs, call, wait_for)
    work = functools.partial(flow_call_state, outcome) if return_state else outcome
    return await off_loop(work, name=f"flowtop-await-{flow.name}", left=call.leave)


async def off_loop(work: Callable[[], Any], *, name: str, left: Callable[[], object]) -> Any:
    """``work()`` on a thread of its own named ``name``, in the caller's context (its
    tags, settings, attempt), awaited: its value, or its error raised here. When the
    awaiting coroutine is cancelled, ``left()`` (which calls the run off) and
    ``CancelledError`` at once; ``work`` ends on its own. Also each step of an async
    generator flow's iteration (``flow_generators``)."""
    import asyncio  # a loop runs: imported already (not with flowtop: see ``aloop``)

    loop = asyncio.get_running_loop()
    ended: asyncio.Future[Any] = loop.create_future()
    context = contextvars.copy_context()
    threading.Thread(
        target=context.run, args=(_wait, work, loop, ended), name=name, daemon=True
    ).start()
    try:
        return await ended
    except asyncio.CancelledError:
        left()
        raise


class _Call:
    """The run of one call, started on the call's thread (``start_call`` takes the run
    store, which may be busy for seconds: not on the caller's loop), and whether its
    caller stopped awaiting it: whichever comes second calls the run off."""

    __slots__ = ("lock", "run", "left")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.run: DynamicRun | None = None
        self.left = False

    def started(self, run: DynamicRun) -> None:
        with self.lock:
            self.run, left = run, self.left
        if left:
            run.call_off(CALLER_GONE)

    def leave(self) -> None:
        with self.lock:
            self.left, run = True, self.run
        if run is not None:
            run.call_off(CALLER_GONE)


def _outcome(
    flow: FlowFunction,
    parent: FlowRun | None,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    call: _Call,
    wait_for: Any,
) -> Any:
    """Wait for ``wait_for``'s futures, start the run, wait for its end (after the flow's
    own retries), shut its private runner down; the call's value, or its error raised."""
    failure = None if wait_for is None else upstream_failure(flow.name, wait_for)
    if failure is not None:
        raise failure
    if parent is None:  # a script's call: a run on a private runner
        run, runner = flow.start_call(None, args, kwargs)
        try:
            call.started(run)
            return flow.outcome(run.final_result(), subflow=False)
        finally:
            if runner is not None:
                runner.shutdown()
    # in a flow body, or awaited in a task attempt: its context was copied here, which
    # names the attempt (``flow_in_task``)
    with subflow_started(flow, parent, args, kwargs) as started:
        call.started(started)
        return flow.outcome(started.final_result(), subflow=True)


def _wait(
    work: Callable[[], Any], loop: asyncio.AbstractEventLoop, ended: asyncio.Future[Any]
) -> None:
    """On the call's own thread: ``work()``'s value or error, handed to the caller's loop."""
    value: Any = None
    error: BaseException | None = None
    try:
        value = work()
    except BaseException as exc:  # noqa: BLE001 - the call's outcome: raised in the caller
        error = exc
    with contextlib.suppress(RuntimeError):  # the caller's loop is closed: nobody awaits
        loop.call_soon_threadsafe(_settle, ended, value, error)


def _settle(ended: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if ended.done():  # the caller was cancelled meanwhile
        return
    if error is not None:
        ended.set_exception(error)
    else:
        ended.set_result(value)
