"""What a cancelled ``@flow`` run's record keeps of the error its body raised.

A cancel ends a run's unfinished tasks at once, and a body waiting for one of them gets
its ``RunCancelled`` (``task 'load' was cancelled``): the cancel's echo, not a failure of
the flow's own. A run with no final hook ends as it is cancelled, before its body gets
that error: its record says only who cancelled it. One with an ``on_cancellation`` hook
ends once the hook has run (``flow_hooks``), and the error its body got meanwhile was
recorded as "flow raised RunCancelled", with a traceback through flowtop's own files:
the same cancel read otherwise with a hook than without. Its record now reads as one
without (the hook still runs, and what it prints is the run's output); the error is
still what a caller of the flow gets (``FlowFunction.outcome``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import RunCancelled

if TYPE_CHECKING:
    from .dynamic_run import DynamicRun


def raised_for_the_cancel(run: DynamicRun) -> bool:
    """Whether ``run`` was cancelled and its body's error is the cancel's ``RunCancelled``
    (of a task or a subflow the cancel ended): no error of its own for its record."""
    if not run.cancelled or run.cancelled_by_return is not None:
        return False
    return isinstance(run.error, RunCancelled)
