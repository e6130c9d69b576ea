"""Where Prefect 3 keeps its task helpers: ``from flowtop.tasks import exponential_backoff``.

``exponential_backoff`` here has Prefect's signature and result: a callable that, given a
task's number of retries, returns the list of delays. ``flowtop.exponential_backoff``
takes flowtop's ``(base, factor, max_delay)`` and Prefect's ``backoff_factor=`` both.
"""

from __future__ import annotations

from .engine.caching import task_input_hash
from .engine.delays import PrefectBackoff
from .engine.task import Task, task


def exponential_backoff(backoff_factor: float) -> PrefectBackoff:
    """Prefect 3's backoff: retry n waits ``backoff_factor * 2**(n-1)`` seconds.

    ``exponential_backoff(10)(3) == [10.0, 20.0, 40.0]``; pass it as ``retry_delay_seconds``
    (or ``retry_delay``). As in Prefect, at most 50 delays are listed, and a retry past
    the 50th waits as long as the 50th.
    """
    return PrefectBackoff(backoff_factor)


__all__ = ["Task", "exponential_backoff", "task", "task_input_hash"]
