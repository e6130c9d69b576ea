"""One attempt, outside the run's lock: the call itself, and what its outcome leads to.

The run (``run.FlowRun``) begins an attempt and applies its outcome under its lock; what
happens in between is here: calling the task on this thread (or handing it to the event
loop or a backend), then weighing the outcome with ``policy.decide``, which may call the
user's code and so never runs under the lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import aloop, cached_calls, capture, live_output, task_runs, user_call, worker_context
from .async_call import AsyncCall
from .backends import Done, hand_over
from .delays import RETRY_DELAY_REFUSED, RetryDelayError
from .errors import TaskTimeout, crashes
from .events import ErrorInfo
from .policy import Decision, decide
from .pool import WorkerPool
from .prefect_api import (
    completed_by_hand,
    made_by_hand,
    returned_cancelled,
    returned_failure,
    returned_state,
)
from .prefect_context import crash_message
from .records import NOT_KEPT, TaskRun, error_info, from_user_code, pristine
from .shipping import NOT_SENDABLE, UnshippableError
from .states import CANCELLED, COMPLETED, FAILED, State
from .user_call import UserCall, end_forked_child
from .value_text import safe_repr, safe_str

if TYPE_CHECKING:
    from .run import FlowRun
    from .runner import Runner

#: An attempt as ``TaskRunContext.get()`` reads it: ``(run, task record, args, kwargs)``.
Attempt = tuple[Any, TaskRun, list[Any], dict[str, Any]]


def call_here(
    fn: Callable[..., Any],
    args: list[Any],
    kwargs: dict[str, Any],
    attempt: Attempt,
    call: UserCall | None = None,
) -> tuple[Any, BaseException | None, str]:
    """``fn(*args, **kwargs)`` on this thread, its prints and logs captured: ``(value,
    error, output)``. Never raises; an error's traceback starts in the user's code.
    ``call``: what a timeout or its run's cancel interrupts it by (``user_call``). A process
    the task forked, coming back here, ends (``left_in_a_fork``)."""
    captured = capture.begin(attempt, held=True)  # its run holds the log handler
    captured.live = (attempt[0], attempt[1])  # its output is followed once it prints
    captured.echo = attempt[0].runner.echo_output
    captured.taken = output_taken(attempt[1], call)
    started_at = user_call.forks
    try:
        value = (
            fn(*args, **kwargs)
            if call is None  # else a TaskInterrupted raised in it names the limit it ran past
            else call.run(fn, args, kwargs, timeout=attempt[1].policy.timeout)
        )
        error: BaseException | None = None
    except BaseException as exc:  # noqa: BLE001 - every outcome is reported, none escapes
        value, error = None, exc
    if user_call.forks != started_at:  # a child the task forked ends here, not in the run
        end_forked_child(error)  # (``user_call.left_in_a_fork``, inline: once per attempt)
    if error is not None:
        error.__traceback__ = from_user_code(error.__traceback__)  # the user's frames, not ours
    live_output.ended(captured)
    try:
        return value, error, capture.end()
    finally:
        # The error's traceback holds this frame (its frames' ``f_back``), and this frame
        # held the error: each failure made a cycle that kept its run, records and all,
        # for the collector (a run of 100 tasks failing twice left 4,600 objects to it).
        del error


def output_taken(tr: TaskRun, call: UserCall | None) -> Callable[[], bool]:
    """Whether the run has taken the output of ``tr``'s attempt that starts now (``call``'s,
    if given) for good, while its thread may still run: its timeout concluded it (with
    what it printed until then) before ``CancelledError`` was raised in its code, or its run
    was cancelled (a newer token either way). A ``print`` in its ``except`` handler went
    into a buffer no one read any more: it now goes to the real stream (``Captured.taken``),
    as an async attempt's does (``aloop.output_taken``)."""
    token = tr.token if call is None else call.token
    return lambda: tr.token != token


def start_elsewhere(
    runner: Runner, tr: TaskRun, token: int, attempt: Attempt, on_done: Done
) -> None:
    """Start attempt ``token`` of ``tr`` where it runs when not on this thread: an
    ``async def`` task on the event loop, any other on the runner's backend (another
    process, a cluster). ``on_done`` gets its outcome."""
    _, _, args, kwargs = attempt
    fn = cached_calls.attempt_fn(attempt)  # (its hooks, a result_storage_key's error)
    if tr.node.task.is_async:  # awaited on the event loop: no thread is held meanwhile
        live = (attempt[0], tr)  # its output is followed once it prints, as call_here's
        call = tr.call_of(token)  # an AsyncCall when a time limit may cancel it
        assert call is None or isinstance(call, AsyncCall)
        aloop.start_attempt(
            fn, args, kwargs, on_done, user=runner, attempt=attempt, live=live, call=call
        )
        return
    assert runner.backend is not None
    with worker_context.handing_over(attempt):  # its payload carries its run's context
        hand_over(
            runner.backend,
            fn,
            args,
            kwargs,
            timeout=tr.policy.timeout,
            abandoned=lambda: tr.token != token,
            on_done=on_done,
            workspace=None if runner.state_dir is None else str(runner.state_dir),
            retry=tr.attempt > 1,  # (counted as it began)
            name=tr.key,  # its errors name the task run (``load-2``), as its timeout's do
        )


#: ``(value, error, decision, info, kept, shown, returned)``: ``kept`` is
#: ``pristine(value)`` of a result to keep (``Runner.keep_results``, a flow that retries),
#: else ``NOT_KEPT``; ``shown`` the result's ``repr`` for the event (None: no error-free
#: value, or no sink); ``returned`` a ``Completed(...)`` returned by hand (see ``judge``).
Judged = tuple[Any, BaseException | None, Decision | None, ErrorInfo | None, Any, str | None, Any]


def judge(
    run: FlowRun,
    tr: TaskRun,
    token: int,
    value: Any,
    error: BaseException | None,
    decision: Decision | None,
) -> Judged:
    """What attempt ``token`` of ``tr`` in ``run`` leads to (``Judged``).

    A returned Prefect ``Failed(...)`` fails the attempt. A plain success needs no
    decision (None: rule 4); ``decision`` is given when the outcome is already final.
    ``info`` is the error the attempt's record and event show. Formatting it takes a
    while, and so does keeping the result of a task that caches, or a copy of it
    (``kept``): all are done here, outside the run's lock. So is the result's ``repr``
    (``shown``): a ``__repr__`` that never returns holds up this attempt, which its
    timeout, a cancel or SIGTERM still end, and not every driver of the run. A
    ``Completed(data=…)`` returned by hand completes with its data, as in Prefect 3.9
    (``.submit().result()``, downstream tasks, the history), and is kept (``returned``)
    for a call in the flow's body, which gets that state object itself. An attempt that
    returned ``Cancelled(...)`` ends the task CANCELLED, and one that could not be pickled
    for its worker fails it, at once (``settled_before_the_policy``). A
    ``retry_condition_fn`` or ``retry_predicate`` runs in the attempt's task run context
    (``task_runs.weighed``).
    """
    clock, rng = run._clock, run.runner.rng
    returned, raised = None, error is not None
    if not raised and made_by_hand(value):  # a Prefect state the task's code returned
        value, error = returned_state(value)
        if completed_by_hand(value):  # its data is the result; a call hands the state back
            returned, value = value, value.data
    if decision is None and error is not None:  # (a success has nothing to settle)
        decision = settled_before_the_policy(error, returned=not raised)
        if decision is None and crashes(tr.node.task, error):  # a drop-in's sys.exit()
            decision = Decision(
                False, FAILED, error=error, reason=f"Crashed: {crash_message(error)}"
            )
    if decision is None and (error is not None or tr.policy.retry_predicate):
        try:
            failed = error is not None
            outcome = State(
                FAILED if failed else COMPLETED,
                error if failed else value,
                error,
                tr.attempt,
                "",
                tr.key,
                time.time(),
            )
            now = clock()
            elapsed = 0.0 if tr.first_start is None else now - tr.first_start
            decision = task_runs.weighed(
                run, tr, token, error, lambda: decide(tr.policy, outcome, elapsed=elapsed, rng=rng)
            )
        except BaseException as exc:  # noqa: BLE001 - decide guards user code; this guards decide
            failure = RuntimeError(
                f"flowtop could not decide the retry of {tr.key!r}: {type(exc).__name__}: {safe_str(exc)}"
            )
            failure.__cause__ = exc
            decision = Decision(False, FAILED, error=failure, reason="retry decision failed")
    info, kept = None, NOT_KEPT
    if decision is not None and decision.final is not COMPLETED:
        shown = error if decision.retry or decision.error is None else decision.error
        info = None if shown is None else error_info(shown)
    else:
        if tr.node.task.caching is not None:
            cached_calls.store(run, tr, value)
        if run.keeps_copies:
            kept = pristine(value)
    result_text = safe_repr(value) if error is None and run.runner.bus.has_sinks else None
    return value, error, decision, info, kept, result_text, returned


def settled_before_the_policy(error: BaseException | None, *, returned: bool) -> Decision | None:
    """The final decision of an attempt whose end no retry setting may change, else None
    (``returned``: ``error`` stands for a state the attempt returned, not for a raise).

    Three such ends are decided here, before ``policy.decide``, not inside it. A returned
    ``Cancelled(...)`` is never retried and ends the task CANCELLED, as Prefect records it
    (its hooks are not called, ``task_runs.concluding``); an ``UnshippableError`` (the
    attempt could not be pickled for its worker, so it never ran, or its result could not be
    pickled back) would fail each retry alike after its delay, and so would a
    ``RetryDelayError`` (the task built a ``Retry`` whose delay is no delay: ``nan``,
    ``-1``, past 365 days; a bug in its code). Inside ``decide`` they would be rules ahead
    of SPEC §3's, which ``decide`` follows rule by rule and a hypothesis model of the spec
    checks (an ``Exception`` there is retried under ``retry_on``, a predicate or
    ``max_retries``); and ``policy`` would import ``prefect_api`` and ``shipping`` (the
    event loop, output capture) to recognise them, where it now imports nothing that runs.
    """
    if returned and returned_cancelled(error):
        return Decision(False, CANCELLED, error=error, reason=returned_cancel(error))
    if isinstance(error, UnshippableError):
        return Decision(False, FAILED, error=error, reason=NOT_SENDABLE)
    if isinstance(error, RetryDelayError):
        return Decision(False, FAILED, error=error, reason=RETRY_DELAY_REFUSED)
    return None


def returned_cancel(error: BaseException | None) -> str:
    """Why a task that returned ``Cancelled(...)`` ends CANCELLED, as the monitor and
    the history say it: ``the task returned Cancelled('stop')``, the words a flow that
    returned one is noted with (``flow_result.cancelled_by_return``)."""
    handed = returned_failure(error)
    said = repr(handed.message) if handed is not None and handed.message else ""
    return f"the task returned Cancelled({said})"


def timed_out(tr: TaskRun, how: str, *, no_retry: bool) -> tuple[TaskTimeout, Decision | None]:
    """The error of an attempt of ``tr`` past its timeout (``how`` it was stopped), and
    its final decision when it must not be retried (no worker could replace its thread)."""
    timeout = tr.policy.timeout or 0.0
    error = TaskTimeout(
        f"attempt {tr.attempt} of {tr.key!r} ran past its timeout of {timeout:g}s ({how})",
        timeout,
    )
    error.__traceback__ = None if tr.call is None else tr.call.stack  # the line it was on
    if not no_retry:
        return error, None
    return error, Decision(False, FAILED, error=error, reason="timed out; no worker")


def give_up_thread(
    runner: Runner, call: UserCall | None, *, last: bool = False
) -> tuple[str, bool, bool]:
    """An attempt ran past its timeout in ``call``: raise a ``CancelledError`` in the
    task's code (``TaskInterrupted``, at its next Python line, as Prefect does, saying
    ``task interrupted: timed out after 2 s``; the attempt fails with ``TaskTimeout``),
    and give its thread up so the pool starts another in its place: code blocked in C
    stops only when that returns, and a worker kept per hung attempt would leave none for
    the retries. A call that returned just as its time ran out (its outcome not yet
    judged, which it now will not be) is neither interrupted nor given up.

    Returns how the attempt was stopped (for its error), whether the thread was replaced,
    and whether the task must not be retried (no replacement was possible). ``last``: its
    retries are spent anyway, so no worker left changes nothing: its failure says the
    retry rules' words, not "not retried: timed out; no worker".
    """
    if isinstance(call, AsyncCall):  # on the event loop: its asyncio task is cancelled
        if not call.time_out():
            return JUST_RETURNED, False, False
        return "its coroutine was cancelled", False, False
    if runner.backend is not None:  # (its own words: a Dask task runs on)
        return (
            str(getattr(runner.backend, "stopping", "the executor was told to stop it")),
            False,
            False,
        )
    if call is None:
        return "its thread cannot be interrupted; a late result will be discarded", False, False
    if not call.time_out():
        return JUST_RETURNED, False, False
    raised = "CancelledError was raised in its code"
    if not isinstance(runner.executor, WorkerPool):  # an ``Executor`` given to the runner
        return f"{raised}; a late result will be discarded", False, False  # replaces none
    if replace_thread(runner, call):
        return f"{raised}, and a new worker took its place", True, False
    most = f"{raised}, and {runner.executor.abandoned} stuck threads are the most flowtop replaces"
    return (most, False, False) if last else (f"{most}: not retried", False, True)


#: How an attempt past its timeout was stopped when its call had returned just then.
JUST_RETURNED = "it returned just then, too late: its outcome is discarded"


def replace_thread(runner: Runner, call: UserCall | None) -> bool:
    """Give up the pool thread of ``call``, stuck in it or in judging its outcome past its
    attempt's timeout, and start a worker in its place; False when there is none (an async
    call's, another process's) or none was started (``WorkerPool.abandon``). An async
    call's judge stuck so is replaced among the judges (``aloop.give_up_judge``): no
    worker of the runner's, so False still."""
    pool = runner.executor
    if isinstance(call, AsyncCall):
        aloop.give_up_judge(call)
        return False
    if call is None or not isinstance(pool, WorkerPool):
        return False
    return pool.abandon(call.thread)
