"""flowtop: a terminal monitor for Python workflows whose tasks retry.

``from flowtop import task, Flow`` is all a flow module needs. This module imports only
the engine, so ``flowtop run`` and ``flowtop --help`` never pay for the TUI.
"""

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
from .engine.prefect_api import allow_failure, get_run_logger, opaque, quote, unmapped
from .engine.tags import tags

__version__ = "0.1.0"

__all__ = [
    "Flow",
    "RetriesExhausted",
    "Retry",
    "State",
    "StateType",
    "Task",
    "TaskTimeout",
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
