"""A task called outside any run (a script, a test, another task): its retries, in-process.

Prefect 3 runs such a call as a task run of its own. flowtop runs it on the calling
thread with the same rules as the runner (:func:`~flowtop.engine.policy.decide`): attempt,
decide, wait the delay, attempt again. Nothing is emitted, since no run watches it. A
``timeout`` runs the attempt on a helper thread so the caller can stop waiting; as in
the runner, an attempt that overran is interrupted (``user_call``) and its late result
discarded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from . import capture, user_call
from .aloop import run_sync
from .attempt import settled_before_the_policy
from .cached_calls import look_up_call, store_call
from .errors import Interrupt, TaskTimeout
from .policy import decide
from .prefect_api import from_engine, returned_failure, returned_state
from .records import from_user_code
from .run_loggers import inline_attempt
from .states import State, StateType
from .task_runs import (
    ATTEMPT,
    InlineCall,
    ainline_begins,
    ainline_ends,
    deciding_about,
    inline_begins,
    inline_ends,
    log_failure,
)
from .user_call import UserCall, left_in_a_fork
from .user_threads import UserCodeThread

if TYPE_CHECKING:
    from .caching import CachedResult
    from .task import Task


def _attempt(
    task: Task,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    current: InlineCall,
) -> tuple[Any, BaseException | None]:
    """An attempt of ``task``: ``fn`` called (its function, or one raising why its
    ``result_storage_key`` failed: ``look_up_call``)."""
    timeout = task.policy.timeout
    # A timed-out sync attempt is interrupted in its own code (``user_call``); an async
    # one's time limit is the event loop's (``_aattempt``).
    interruptible: UserCall | None = None

    def call() -> tuple[Any, BaseException | None]:
        scope = ATTEMPT.set(current)  # TaskRunContext.get() in the attempt
        started_at = user_call.forks
        try:
            with inline_attempt():
                if task.is_async:
                    value = run_sync(fn(*args, **kwargs))
                elif interruptible is not None:
                    value = interruptible.run(fn, list(args), kwargs, timeout=timeout)
                else:
                    value = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - every outcome goes to decide()
            left_in_a_fork(started_at, exc)  # a child the task forked retries nothing
            exc.__traceback__ = from_user_code(exc.__traceback__)
            return None, exc
        finally:
            ATTEMPT.reset(scope)
        left_in_a_fork(started_at, None)  # ...nor goes on with its caller's code
        return returned_state(value)

    if timeout is None:
        return call()
    box: list[tuple[Any, BaseException | None]] = []
    buffer = capture._local.buffer  # inside a task attempt: keep capturing

    def on_thread() -> None:
        capture._local.buffer = buffer
        try:
            box.append(call())
        finally:
            capture._local.buffer = None

    thread = UserCodeThread(on_thread, f"flowtop-inline-{task.name}")
    interruptible = None if task.is_async else UserCall(0, thread)
    thread.start()
    thread.join(timeout)
    if not box:
        how = "its thread cannot be interrupted"
        if interruptible is not None and interruptible.time_out():
            how = "CancelledError was raised in its code"
        error = _timed_out(task, f"{how}; a late result is discarded")
        error.__traceback__ = None if interruptible is None else interruptible.stack
        return None, error
    return box[0]


def _timed_out(task: Task, how: str) -> TaskTimeout:
    # Prefect's wording ("timed out after 0.1 seconds"): code matching on it still matches.
    timeout = task.policy.timeout
    assert timeout is not None
    return TaskTimeout(f"task {task.name!r} timed out after {timeout:g} seconds ({how})", timeout)


def run_inline(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> State:
    """Run ``task`` to its final state, retries included, on this thread; a task that
    caches completes with its stored result instead, when its key has one (attempt 0)."""
    current = InlineCall(task, args, kwargs)
    slot, found, fn = look_up_call(current)
    if found is not None:
        return _served(task, found)
    steps = steps_of(task, current)
    next(steps)
    while True:
        current.next_attempt(time.time())
        inline_begins(current)
        try:
            wait = steps.send(_attempt(task, fn, args, kwargs, current))
        except StopIteration as stop:
            final: State = stop.value  # the generator's return value, which mypy types Any
            inline_ends(current, final)
            store_call(slot, current, final)
            return final
        time.sleep(wait)


def _served(task: Task, found: CachedResult) -> State:
    """The final state of a call served from the cache: no attempt ran (Prefect: ``Cached``)."""
    message = f"cached result of {found.source}"
    return State(StateType.COMPLETED, found.value, None, 0, message, task.name, time.time())


async def run_inline_async(
    task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], return_state: bool
) -> Any:
    """``await task(...)`` outside any flow: the attempts and the waits on this loop."""
    import asyncio  # a loop runs: imported already (not with flowtop: see ``aloop``)

    current = InlineCall(task, args, kwargs)
    slot, found, fn = look_up_call(current)
    if found is not None:
        return outcome(_served(task, found), return_state)
    steps = steps_of(task, current)
    next(steps)
    while True:
        current.next_attempt(time.time())
        await ainline_begins(current)
        scope = ATTEMPT.set(current)
        deadline = asyncio.timeout(task.policy.timeout)  # None: no timeout
        started_at = user_call.forks
        try:
            try:
                with inline_attempt():
                    async with deadline:
                        result = returned_state(await fn(*args, **kwargs))
            except Exception as exc:  # noqa: BLE001 - every outcome goes to decide()
                if isinstance(exc, TimeoutError) and deadline.expired():
                    exc = _timed_out(task, "the attempt was cancelled")
                result = (None, exc)
        finally:
            ATTEMPT.reset(scope)
        left_in_a_fork(started_at, result[1])  # a child the task forked: see ``_attempt``
        try:
            wait = steps.send(result)
        except StopIteration as stop:
            await ainline_ends(current, stop.value)
            store_call(slot, current, stop.value)
            return outcome(stop.value, return_state)
        await asyncio.sleep(wait)


def steps_of(
    task: Task, call: InlineCall
) -> Generator[float, tuple[Any, BaseException | None], State]:
    """The retry rules as a generator: send each attempt's ``(value, error)`` of ``call``,
    get the seconds to wait before the next one; it returns the final state. A
    ``retry_condition_fn`` runs in the call's context (``deciding_about``), as in a flow."""
    first = time.monotonic()
    attempt = 0
    result = yield 0.0  # primed: then each send() is an attempt's outcome
    while True:
        attempt += 1
        value, error = result
        if isinstance(error, Interrupt):  # its caller's timeout or its flow's stopped it here:
            raise error  # no outcome of its own (no line, no hook), as the async path
        failed = error is not None
        outcome = State(
            StateType.FAILED if failed else StateType.COMPLETED,
            error if failed else value,
            error,
            attempt,
            "",
            task.name,
            time.time(),
        )
        if not failed and task.policy.retry_predicate is None:
            return outcome
        # the ends no retry may change, as in a flow. What is sent here does not tell a
        # return from a raise: the mark ``returned_state`` puts on a returned state's
        # error (``returned_failure``) does.
        returned = returned_failure(error) is not None
        decision = settled_before_the_policy(error, returned=returned)
        if decision is None:
            with deciding_about(call, error), inline_attempt():  # (its run logger)
                decision = decide(task.policy, outcome, elapsed=time.monotonic() - first)
        shown = error if error is not None else decision.error
        if shown is not None and (decision.retry or decision.final is StateType.FAILED):
            log_failure(task.policy, attempt, shown, decision)
        if decision.retry:
            assert decision.delay is not None
            result = yield decision.delay.seconds
            continue
        if decision.final is StateType.COMPLETED:
            return outcome
        final_error = decision.error if decision.error is not None else error
        return State(
            StateType.FAILED,
            final_error,
            final_error,
            attempt,
            decision.reason,
            task.name,
            time.time(),
        )


def outcome(state: State, return_state: bool) -> Any:
    """A final engine state as a call returns it: the value, the error raised, or a State."""
    if return_state:  # attempt 0: completed without a call, from the cache
        return from_engine(state, cached=state.is_completed() and state.attempt == 0)
    if state.type is StateType.COMPLETED:
        return state.result
    assert state.exception is not None
    returned = returned_failure(state.exception)  # a Failed(...) returned: handed back
    if returned is not None:
        return returned
    raise state.exception
