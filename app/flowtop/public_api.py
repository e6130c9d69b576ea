"""What ``from flowtop import task, Flow`` gives a flow module: the engine's public names.

Imported by ``flowtop/__init__.py`` on first use of one of them (or by the command line
before its command runs), not with the package: the ``flowtop`` command's own module is
inside the package, and a Ctrl+C while the engine imported (an instant after the command
was typed) came before ``cli.main`` could end it quietly, as a ``KeyboardInterrupt``
traceback.
"""

from __future__ import annotations

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
from .engine.delays import DelayError, RetryDelayError
from .engine.errors import FlowRunTimeoutError
from .engine.prefect_api import allow_failure, get_run_logger, opaque, quote, unmapped
from .engine.shipping import ShippingError, UnshippableError
from .engine.tags import tags

__all__ = [
    "DelayError",
    "Flow",
    "FlowRunTimeoutError",
    "RetriesExhausted",
    "Retry",
    "RetryDelayError",
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
