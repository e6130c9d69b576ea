"""flowtop: a terminal monitor for Python workflows whose tasks retry.

``from flowtop import task, Flow`` is all a flow module needs. This module imports only
the engine, so ``flowtop run`` and ``flowtop --help`` never pay for the TUI.
"""

from pathlib import Path

from .engine import (
    Flow,
    RetriesExhausted,
    Retry,
    State,
    StateType,
    Task,
    TaskTimeout,
    exponential_backoff,
    flow,
    task,
)
from .engine import tag_limits as _tag_limits
from .engine.delays import DelayError
from .engine.errors import FlowRunTimeoutError
from .engine.prefect_api import allow_failure, get_run_logger, opaque, quote, unmapped
from .engine.shipping import ShippingError, UnshippableError
from .engine.tags import tags

__version__ = "0.1.0"


class _TagSlots:
    """Tag limits (``"tag:database" = 2`` in ``flowtop.toml``) for the engine, which sits
    below the workspace whose store counts them: ``flowtop.concurrency`` is imported
    when a tagged task first runs, so ``import flowtop`` stays light."""

    def tag_limits(self, folder: Path | None) -> dict[str, object]:
        from .concurrency.limits import tag_limits

        return tag_limits(folder)  # type: ignore[return-value]  # opaque to the engine

    def try_take(self, folder: Path | None, limits: dict[str, object]) -> object | None:
        from .concurrency.limits import try_acquire

        return try_acquire(folder, limits)  # type: ignore[arg-type]  # tag_limits' own

    def give_back(self, taken: object) -> None:
        from .concurrency.limits import Held, release

        assert isinstance(taken, Held)
        release(taken)


_tag_limits.slots = _TagSlots()

__all__ = [
    "DelayError",
    "Flow",
    "FlowRunTimeoutError",
    "RetriesExhausted",
    "Retry",
    "ShippingError",
    "State",
    "StateType",
    "Task",
    "TaskTimeout",
    "UnshippableError",
    "__version__",
    "allow_failure",
    "exponential_backoff",
    "flow",
    "get_run_logger",
    "opaque",
    "quote",
    "tags",
    "task",
    "unmapped",
]
