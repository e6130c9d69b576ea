"""A ``@flow`` called inside a task attempt of a running ``@flow``: a subflow of that run.

Prefect 3 records such a call as a subflow run of the task's flow run (its
``parent_flow_run_id``). flowtop ran it on a private runner instead: no line in
``flowtop run``, no history row, nothing in the monitor, and what its body, tasks and
hooks printed went straight to the terminal. Now it starts on the runner of the
attempt's run, as a subflow its flow body calls does (``child_of`` the run): its own
recorded run, linked to its parent, its output its own; Prefect code in its body is in
the task run that called it (``runtime.task_run``, as in Prefect). Each call is a run of
its own: each attempt of a retried task that calls it starts one.

The attempt waits for that run on a worker of the runner's pool, which the subflow's
tasks need too: with every worker waiting so (one worker; or as many tasks calling flows
at once as workers) nothing would run. So the waiting worker lends its place
(``Runner.lending_worker``). An attempt that stops waiting (its timeout interrupts it)
calls the run off; a cancel or time limit of the parent run ends its subflows anyway
(``DynamicRun._cancel_subflows``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import capture
from .context import in_attempt
from .dynamic_run import DynamicRun
from .errors import RunCancelled
from .states import StateType

if TYPE_CHECKING:
    from .attempt import Attempt
    from .dynamic import FlowFunction
    from .records import RunResult

#: Why a subflow's run is cancelled when the attempt that called it stops waiting.
CALLER_STOPPED = "cancelled: the task attempt that called it stopped waiting for it"


def enclosing_attempt() -> Attempt | None:
    """The task attempt of a ``@flow`` run that runs on this thread (or in the context this
    thread's was copied from, while that attempt runs); None anywhere else, in a static
    flow's attempt too (no subflow runs hang off such a run)."""
    attempt: Any = capture._local.attempt
    if attempt is None and (copied := capture.copied()) is not None:
        attempt = copied.attempt
    if not isinstance(attempt, tuple) or not isinstance(attempt[0], DynamicRun):
        return None
    return attempt


def enclosing_run() -> DynamicRun | None:
    """The run of ``enclosing_attempt``: the parent of a flow called here."""
    attempt = enclosing_attempt()
    return None if attempt is None else attempt[0]


def run_in_attempt(
    flow: FlowFunction, parent: DynamicRun, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> RunResult:
    """Start ``flow``'s run as a subflow of ``parent``, whose task attempt calls it here, and
    wait for its end (after its own retries), lending this worker's place meanwhile."""
    if parent.state is not StateType.RUNNING or parent.cancelled or parent.timed_out:
        how = "timed out" if parent.timed_out else "cancelled" if parent.cancelled else "over"
        raise RunCancelled(
            f"flow {parent.flow.name!r} run #{parent.number} is {how}; "
            f"subflow {flow.name!r} not started"
        )
    with parent.runner.lending_worker():
        with in_attempt(enclosing_attempt()):
            run, _ = flow.start_call(parent, args, kwargs)
        try:
            return run.final_result()
        except BaseException:  # its attempt was interrupted (a timeout): nobody waits now
            run.call_off(CALLER_STOPPED)
            raise
