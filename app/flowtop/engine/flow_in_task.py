"""A ``@flow`` called inside a task attempt of a running flow: a subflow of that run.

Prefect 3 records such a call as a subflow run of the task's flow run (its
``parent_flow_run_id``). flowtop ran it on a private runner instead: no line in
``flowtop run``, no history row, nothing in the monitor, and what its body, tasks and
hooks printed went straight to the terminal. Now it starts on the runner of the
attempt's run, as a subflow its flow body calls does (``child_of`` the run): its own
recorded run, linked to its parent, its output its own; Prefect code in its body is in
the task run that called it (``runtime.task_run``, as in Prefect). Each call is a run of
its own: each attempt of a retried task that calls it starts one. So it is in a task of a
``Flow`` graph (``Flow("x").add_task(...)``) too. In an attempt shipped to a worker
process or to Dask it runs there on a private runner, unrecorded: a shipped attempt sends
one payload and gets one outcome back, and a run there cannot reach the run store.

The attempt waits for that run, and its wait must leave room for the subflow's tasks:

- on a worker of the runner's pool, which the subflow's tasks need too: with every worker
  waiting so (one worker; or as many tasks calling flows at once as workers) nothing
  would run. So the waiting worker lends its place (``Runner.lending_worker``);
- on the event loop, an ``async def`` task calling a sync ``@flow``: the loop's thread is
  blocked, and the subflow's async tasks get another loop (``aloop.blocked``); Prefect
  too runs them on a loop of their own, and the call returns;
- on a thread of an ``Executor`` given to the runner, which cannot lend a place: a call
  that would leave every one of its threads waiting for a subflow fails at once, saying
  so, where it hung for good (``GivenExecutorFull``).

An attempt that stops waiting (its timeout interrupts it) calls the run off; so does the
attempt's run, the moment it gives the attempt up (``_called_off_with_its_caller``: an
async attempt's timeout, which cannot reach a blocked loop, or a graph's run cancelled);
a cancel of the parent run (or a ``@flow``'s time limit) ends its subflows anyway, first
(``RunActions._end_after_subflows``).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, cast

from . import aloop, capture
from .context import in_attempt
from .errors import RunCancelled
from .library_folders import FLOWTOP_FOLDER
from .pool import WorkerPool
from .run import FlowRun
from .states import StateType
from .timer import on_a_thread
from .use_counts import UseCounts

if TYPE_CHECKING:
    from .attempt import Attempt
    from .dynamic import FlowFunction
    from .dynamic_run import DynamicRun
    from .records import RunResult

#: Why a subflow's run is cancelled when the attempt that called it stops waiting.
CALLER_STOPPED = "cancelled: the task attempt that called it stopped waiting for it"


class GivenExecutorFull(RuntimeError):
    """A task's ``@flow`` call would leave every thread of the runner's given ``Executor``
    waiting for a subflow, whose tasks need one of them: it would never end."""


def enclosing_attempt() -> Attempt | None:
    """The task attempt of a run that runs on this thread (or in the context this thread's
    was copied from, while that attempt runs): of a ``@flow`` run, or of a graph's
    (``Flow``); None anywhere else."""
    attempt: Any = capture._local.attempt
    if attempt is None and (copied := capture.copied()) is not None:
        attempt = copied.attempt
    if not isinstance(attempt, tuple) or not isinstance(attempt[0], FlowRun):
        return None
    return cast("Attempt", attempt)


def enclosing_run() -> FlowRun | None:
    """The parent of a flow called here: the run of ``enclosing_attempt`` (a ``@flow``'s
    or a graph's), else None."""
    attempt = enclosing_attempt()
    return None if attempt is None else attempt[0]


def run_in_attempt(
    flow: FlowFunction,
    parent: FlowRun,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> RunResult:
    """Start ``flow``'s run as a subflow of ``parent``, whose task attempt calls it here, and
    wait for its end (after its own retries), leaving room for its tasks meanwhile."""
    refuse_when_over(flow, parent)
    with room_while_waiting(flow, parent), subflow_started(flow, parent, args, kwargs) as run:
        try:
            return run.final_result()
        except BaseException:  # its attempt was interrupted (a timeout, a cancel): nobody
            run.call_off(why_called_off(parent))  # waits now, for the reason its run says
            raise


@contextlib.contextmanager
def subflow_started(
    flow: FlowFunction,
    parent: FlowRun,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Iterator[DynamicRun]:
    """``flow``'s run started as a subflow of ``parent``, for the block that waits for its
    end; called off when the attempt that called it no longer waits."""
    attempt = enclosing_attempt()
    with in_attempt(attempt):
        run, _ = flow.start_call(parent, args, kwargs)
    with _called_off_with_its_caller(run, attempt):
        yield run


def refuse_when_over(flow: FlowFunction, parent: FlowRun) -> None:
    """``RunCancelled`` when ``parent`` starts no more runs: ended, cancelled, timed out."""
    timed_out = getattr(parent, "timed_out", None)  # a ``@flow`` run's time limit
    if parent.state is not StateType.RUNNING or parent.cancelled or timed_out:
        how = "timed out" if timed_out else "cancelled" if parent.cancelled else "over"
        raise RunCancelled(
            f"flow {parent.flow.name!r} run #{parent.number} is {how}; "
            f"subflow {flow.name!r} not started"
        )


@contextlib.contextmanager
def room_while_waiting(flow: FlowFunction, parent: FlowRun) -> Iterator[None]:
    """For the block, the wait for a subflow leaves its tasks room to run (see above)."""
    if aloop.on_shared_loop():  # an async attempt: it holds no worker, it blocks a loop
        with aloop.blocked():
            yield
    elif isinstance(parent.runner.executor, WorkerPool):
        with parent.runner.lending_worker():
            yield
    else:
        with _holding_a_given_executor_thread(parent.runner.executor, flow, parent):
            yield


_waiting_lock = threading.Lock()
#: Threads of each given executor (by id) waiting for a subflow now.
_waiting: UseCounts[int] = UseCounts()


@contextlib.contextmanager
def _holding_a_given_executor_thread(
    executor: Executor, flow: FlowFunction, parent: FlowRun
) -> Iterator[None]:
    """For the block, a thread of ``executor`` (given to the runner) waits for a subflow.
    Its place cannot be lent (a given executor starts no thread for flowtop): a wait that
    would leave every thread of a ``ThreadPoolExecutor`` waiting so raises
    ``GivenExecutorFull``; another executor, whose size is unknown, gets a warning."""
    attempt = enclosing_attempt()
    caller = f"flow {parent.flow.name!r}" + (
        "" if attempt is None else f", task {attempt[1].key!r}"
    )
    size = executor._max_workers if isinstance(executor, ThreadPoolExecutor) else None
    with _waiting_lock:
        waiting = _waiting.of(id(executor)) + 1
        if size is not None and waiting >= size:
            raise GivenExecutorFull(
                f"{caller}: calling flow {flow.name!r} here would leave every thread of the "
                f"runner's executor ({size} thread{'s' if size != 1 else ''}, "
                f"{waiting - 1} waiting for subflows already) waiting, and none to run the "
                "subflow's tasks: it would never end. Give the executor more threads, or "
                "let the runner use its own pool (no executor=), where a worker waiting "
                "for a subflow lends its place"
            )
        _waiting.add(id(executor))
    if size is None:
        warnings.warn(
            f"{caller}: flow {flow.name!r} is called on a thread of the runner's executor "
            f"{executor!r}, which cannot lend that thread to the subflow's tasks: if every "
            "thread of it waits so, the run never ends",
            RuntimeWarning,
            stacklevel=_users_call(),
        )
    try:
        yield
    finally:
        with _waiting_lock:
            _waiting.remove(id(executor))


def _users_call() -> int:
    """The ``stacklevel`` of the user's call of the flow, for a warning raised here: the
    first frame outside flowtop and ``contextlib`` (this runs in a context manager's
    generator, where ``stacklevel=2`` named ``contextlib.py``)."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and (
        frame.f_code.co_filename.startswith(FLOWTOP_FOLDER)
        or frame.f_code.co_filename == contextlib.__file__
    ):
        frame, level = frame.f_back, level + 1
    return level


@contextlib.contextmanager
def _called_off_with_its_caller(run: DynamicRun, attempt: Attempt | None) -> Iterator[None]:
    """For the block, which waits for ``run``: once the task ``attempt`` that called it is
    given up by its run (its timeout concluded it, a cancel or a time limit of its run
    ended it), ``run`` is called off at once, as its run tells (``SubflowWaits``); a run
    over already calls it off now. A sync attempt's timeout raises in its code too, and a
    ``@flow`` run cancels its subflows itself; nothing else told an async attempt blocked
    in the call of its time limit (its loop cannot cancel it), nor a graph's run's subflow
    of its run's end. Its run's lock is held where it tells: the call off is made on a
    thread of its own, off that lock, as ``_end_after_subflows`` cancels outside its own (and
    off the runner's timer thread, where it told: cancelling tasks waits for I/O, their
    tags' slots given back, and every retry and timeout of the runner waits for that
    thread)."""
    if attempt is None:
        yield
        return
    caller: FlowRun = attempt[0]
    key = attempt[1].key

    def given_up() -> None:  # under the caller's lock
        def call_off() -> None:
            run.call_off(why_called_off(caller))

        with contextlib.suppress(RuntimeError):  # the runner shut down: it cancelled its runs
            on_a_thread(call_off, f"flowtop-call-off-{run.flow.name}", caller.runner.timer)

    with caller._lock:
        waits = caller.state is StateType.RUNNING
        if waits:
            caller.subflow_waits.add(key, given_up)
    if not waits:
        run.call_off(why_called_off(caller))
    try:
        yield
    finally:
        if waits:
            with caller._lock:
                caller.subflow_waits.discard(key, given_up)


def why_called_off(parent: FlowRun) -> str:
    """The note of a subflow called off because the attempt that called it is over: its
    parent run's end, in the words ``DynamicRun`` cancels its subflows with."""
    if parent.cancelled:
        return "its parent run was cancelled"
    if getattr(parent, "timed_out", None):
        return "its parent run timed out"
    return CALLER_STOPPED
