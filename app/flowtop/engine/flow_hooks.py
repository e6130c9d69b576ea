"""A ``@flow``'s state hooks and its time limit, as Prefect 3's flow engine has them.

Checked side by side with Prefect 3 (``tests/compat/side_by_side.py``, the scenarios
``flow_hooks_*`` and ``flow_timeout*``):

- ``on_running`` runs as each run of the flow enters Running, before its body: the
  first run and every flow-level retry. Its ``flow_run.run_count`` is the runs before
  this one (0 the first time), as Prefect's hook sees it.
- ``on_completion`` / ``on_failure`` run once the run's outcome is known (its body
  returned or raised, and its tasks ended), before its caller, ``flowtop run`` or any
  window sees it end. A run that flow retries will run again calls neither: Prefect
  turns that Failed into AwaitingRetry.
- ``on_crashed`` replaces ``on_failure`` when the body raised what is not an
  ``Exception`` (``KeyboardInterrupt``, ``SystemExit``) or returned ``Crashed(...)``:
  Prefect's ``Crashed``.
- ``on_cancellation`` runs as a run is cancelled (``x``, ``c``, ``flowtop cancel``),
  before it shows CANCELLED; the state it gets is ``Cancelling``, of Prefect's type
  ``CANCELLING`` (``state.is_cancelling()``; not final, no result), as Prefect's gets.
  A drop-in flow's run cancelled because Ctrl+C, SIGTERM or SIGHUP stopped ``flowtop
  run`` calls ``on_crashed`` instead, with a ``Crashed`` state, as Prefect's crashes
  (``final_states.signal_crash``).
- a drop-in flow's run that crashes logs ``Crash detected! <its state's message>`` at
  ERROR on its flow run logger first (``prefect.flow_runs``), as Prefect's
  ``handle_crash`` does, with ``on_crashed`` hooks or without.
- none runs for a run whose body returned what makes Prefect's run ``Cancelled``
  (``Cancelled(...)`` or a task's cancelled state: ``flow_result.cancelled_by_return``,
  the run ends CANCELLED; states one of which is cancelled: recorded FAILED,
  ``flow_result.cancelled_group``): Prefect calls no hook for a state that is neither
  Cancelling, Completed, Failed nor Crashed.

Each hook is called ``hook(flow, flow_run, state)``; one that raises is logged on
``flowtop.flow_runs`` (a drop-in flow's on ``prefect.flow_runs``, its run logger:
``hooks.run_logger_of``) and changes nothing. The final ones run on a thread of their own,
outside the run's lock (a hook may take its time, or read the run), and what they print
is the run's output, as the body's is.

``timeout_seconds``: once the body has run that long, the run fails with
``FlowRunTimeoutError`` (its state ``TimedOut``, "Flow run exceeded timeout of 0.5
second(s)"), its unfinished tasks are cancelled, and the body and each task attempt still
running are interrupted as Prefect interrupts a flow's thread: an exception raised at
their next Python line, in the user's code only (``user_call``). Code blocked in C, such
as a long ``time.sleep``, goes on until it returns, and a task it then calls is not
started. Flow retries retry a timed-out run like any failed one.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from . import capture
from .context import set_run
from .delays import to_seconds
from .errors import FlowRunTimeoutError, Interrupt
from .final_states import keep, signal_crash
from .flow_result import cancelled_group
from .hooks import call_hooks
from .option_checks import timeout_too_short
from .prefect_api import State, raised_for
from .prefect_context import flow_run_info, hook_state, json_parameters, refused_run
from .prefect_ids import by_prefect_code
from .run_loggers import get_run_logger
from .states import StateType
from .user_threads import UserCodeThread

if TYPE_CHECKING:
    from .dynamic_run import DynamicRun

FLOW_HOOK_KINDS = ("on_completion", "on_failure", "on_cancellation", "on_crashed", "on_running")
#: A flow hook that raised is logged here, as Prefect logs it to the flow run's logger.
HOOK_LOG = logging.getLogger("flowtop.flow_runs")


class FlowInterrupted(Interrupt):
    """Raised in a ``@flow`` body's thread when its time is up. Not an ``Exception``, so
    the body's own ``except Exception`` does not swallow it (Prefect's is a
    ``CancelledError``); the run has already failed with ``FlowRunTimeoutError``."""


def flow_timeout(value: Any, owner: str = "@flow") -> float | None:
    """``timeout_seconds`` checked: Prefect's ``float(value) if value else None``, but
    under 1 ms (0 is none), refused as a task's is (``option_checks.timeout_too_short``);
    a refusal starts with ``owner``, the flow named (``@flow 'etl'``) as its others are."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"{owner}: timeout_seconds must be a number of seconds, got {type(value).__name__} {value!r}"
        )
    try:  # in a task's words (``policy_value``): "must not be negative", as every delay
        to_seconds(value, what="timeout_seconds")  # (too long: a slip, not a plan)
    except ValueError as exc:
        raise ValueError(f"{owner}: {exc}") from None
    # as a task's: every try ends at once
    too_short = timeout_too_short(float(value), value, "timeout_seconds")
    if too_short is not None:
        raise ValueError(f"{owner}: {too_short}")
    return float(value) or None


def timed_out(seconds: float) -> tuple[FlowRunTimeoutError, str]:
    """What a run past its time limit raises to its caller, and its state's message
    (Prefect's two texts)."""
    return (
        FlowRunTimeoutError(f"Scope timed out after {seconds} second(s).", seconds),
        f"Flow run exceeded timeout of {seconds} second(s)",  # 2 s reads "2.0", as there
    )


# -- hooks ---------------------------------------------------------------------------------
def entering(run: DynamicRun) -> None:
    """The ``on_running`` hooks, on the body's thread before the body. A flow with hooks
    has its ``flow_run.parameters`` made now, as Prefect makes them as the run starts:
    its final hooks read them as called, whatever the body did to a list it was given."""
    if any(run.flow.hooks.values()):
        json_parameters(run)
    hooks = run.flow.hooks["on_running"]
    if hooks:  # ``flow_run.state``, the run's Running state (naming the run, as Prefect's)
        flow_run = flow_run_info(run, entering=True)
        call_hooks(hooks, HOOK_LOG, run.flow, flow_run, flow_run.state)


def ending_kind(run: DynamicRun, outcome: StateType) -> str | None:
    """Which hooks the run's end calls, ``outcome`` being its final state (asked once, as
    the run ends for good: a run its ``timeout_seconds`` stopped is then named
    ``TimedOut`` for its caller's ``return_state=True``, ``final_states``); None: none,
    for a run its own return cancelled (see the module doc)."""
    if outcome is StateType.FAILED and run.timed_out is not None:
        keep(run, StateType.FAILED, "TimedOut", run.timed_out)
    if outcome is StateType.CANCELLED:
        if not run.cancelled:
            return None
        return "on_crashed" if signal_crash(run) is not None else "on_cancellation"
    if outcome is StateType.COMPLETED:
        return "on_completion"
    error = run.error
    if error is None and cancelled_group(run.value):  # Prefect's run is Cancelled
        return None
    if error is not None and not isinstance(error, Exception):
        return "on_crashed"
    handed = None if error is None else raised_for(error, run.run_id)  # a returned Crashed
    return "on_crashed" if handed is not None and handed.is_crashed() else "on_failure"


#: The outcome each kind of final hook is called for (``prefect_context.hook_state``).
_OUTCOME_OF = {
    "on_completion": StateType.COMPLETED,
    "on_cancellation": StateType.CANCELLED,
    "on_failure": StateType.FAILED,
    "on_crashed": StateType.FAILED,  # the body raised what is not an Exception: Crashed
}


def ending_state(run: DynamicRun, kind: str) -> State[Any]:
    """The Prefect state the hooks of ``kind`` are given: the run's, as ``flow_run.state``
    reads it while they run (one function says both)."""
    return hook_state(run, _OUTCOME_OF[kind])


def logs_crash(run: DynamicRun, kind: str) -> bool:
    """Whether the end of ``run`` logs Prefect's ``Crash detected! <message>`` (at ERROR,
    on its flow run logger, before its ``on_crashed`` hooks, as ``flow_engine.handle_crash``
    does): a drop-in flow's run that crashed, with hooks or without."""
    return kind == "on_crashed" and by_prefect_code(run.flow)


def end_with_hooks(run: DynamicRun, kind: str) -> threading.Thread:
    """Run the hooks of ``kind`` on a thread of their own, then end the run; their output
    is the run's, after the body's, and so is a crash's line (``logs_crash``). The thread
    is the run's ``_hooks_thread`` before it starts: a hook that calls a ``@flow`` asks
    whether it runs in the run's hooks (``flow_cut_short.refuse_when_cut_short``)."""

    def call() -> None:
        # FlowRunContext.get() and get_run_logger() work in a hook, but for a call its
        # validation refused: Prefect's run never entered Running and its hooks have none
        set_run(None if refused_run(run) else run)
        capture.begin(tee=run.output_tee, into=run.body_output)
        try:
            state = ending_state(run, kind)
            if logs_crash(run, kind) and not refused_run(run):  # (refused: no crash)
                get_run_logger().error(f"Crash detected! {state.message}")
            call_hooks(run.flow.hooks[kind], HOOK_LOG, run.flow, flow_run_info(run), state)
        finally:
            capture.end()
            set_run(None)
            run.hooks_done()

    thread = UserCodeThread(call, f"flowtop-flow-hooks-{run.flow.name}")
    run._hooks_thread = thread
    thread.start()
    return thread
