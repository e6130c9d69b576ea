"""What ``from flowtop import task, Flow`` gives a flow module: the engine's public names.

Imported by ``flowtop/__init__.py`` on first use of one of them (or by the command line
before its command runs), not with the package: the ``flowtop`` command's own module is
inside the package, and a Ctrl+C while the engine imported (an instant after the command
was typed) came before ``cli.main`` could end it quietly, as a ``KeyboardInterrupt``
traceback.
"""

from __future__ import annotations

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
