"""``await my_flow(x)``: an ``async def`` ``@flow`` called from async code.

As in Prefect, the call gives a coroutine. The run goes as any flowtop run does (its
body on a thread of its own, with its own event loop), and the coroutine waits for its end
on a thread of its own, one per call. Not on the loop's default executor
(``asyncio.to_thread``): it has min(32, CPUs + 4) threads, so a web app's concurrent
calls queued behind each other there, and so did its other users (``getaddrinfo``).

Prefect runs such a flow on the caller's loop, so cancelling the caller ends the run.
So does this: when the awaiting coroutine is cancelled (``asyncio.wait_for``, Ctrl+C on
``asyncio.run``, a server dropping a request) its run is cancelled (``DynamicRun.call_off``:
its pending retries, and the flow's own, never start) and ``CancelledError`` reaches the
caller at once; an attempt blocked in C is left to end on its own (``Runner._run_done``).
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any

from .prefect_api import outcome_state

if TYPE_CHECKING:
    import asyncio

    from .dynamic import FlowFunction
    from .dynamic_run import DynamicRun
    from .runner import Runner

#: The message of a run whose caller was cancelled.
CALLER_GONE = "cancelled: its caller stopped awaiting it"


async def awaited_call(
    flow: FlowFunction, parent: DynamicRun | None, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """What ``await flow(*args, **kwargs)`` gives: the function's value, or its outcome as
    a ``State`` with ``return_state=True`` (Prefect 3); a subflow's when ``parent`` runs."""
    return_state = kwargs.pop("return_state", False)
    try:
        value = await _run_to_end(flow, parent, args, kwargs)
    except Exception as exc:
        if not return_state:
            raise
        return outcome_state(None, exc)
    return outcome_state(value, None) if return_state else value


async def _run_to_end(
    flow: FlowFunction, parent: DynamicRun | None, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    import asyncio  # a loop runs: imported already (not with flowtop: see ``aloop``)

    loop = asyncio.get_running_loop()
    ended: asyncio.Future[Any] = loop.create_future()
    run, runner = flow.start_call(parent, args, kwargs)  # quick: the run goes on its threads
    threading.Thread(
        target=_wait,
        args=(flow, run, runner, loop, ended),
        name=f"flowtop-await-{flow.name}",
        daemon=True,
    ).start()
    try:
        return await ended
    except asyncio.CancelledError:
        run.call_off(CALLER_GONE)
        raise


def _wait(
    flow: FlowFunction,
    run: DynamicRun,
    runner: Runner | None,
    loop: asyncio.AbstractEventLoop,
    ended: asyncio.Future[Any],
) -> None:
    """On the call's own thread: wait for the run's end (after the flow's own retries),
    shut its private runner down, then hand the outcome to the caller's loop."""
    value: Any = None
    error: BaseException | None = None
    try:
        value = flow.outcome(run.final_result(), subflow=runner is None)
    except BaseException as exc:  # noqa: BLE001 - the call's outcome: raised in the caller
        error = exc
    finally:
        if runner is not None:
            runner.shutdown()
    with contextlib.suppress(RuntimeError):  # the caller's loop is closed: nobody awaits
        loop.call_soon_threadsafe(_settle, ended, value, error)


def _settle(ended: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if ended.done():  # the caller was cancelled meanwhile
        return
    if error is not None:
        ended.set_exception(error)
    else:
        ended.set_result(value)
