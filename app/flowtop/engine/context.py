"""Where a task call is: in a ``with Flow(...)`` block, in a running ``@flow``, or neither.

Thread-local, and kept apart from the modules that set it so that ``task`` can ask
without importing the flow and run modules (which import ``task``).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .dynamic_run import DynamicRun
    from .flow import Flow

_local = threading.local()


def current_flow() -> Flow | None:
    """The innermost ``with Flow(...)`` block open on this thread."""
    stack: list[Flow] | None = getattr(_local, "stack", None)
    return stack[-1] if stack else None


def enter_flow(flow: Flow) -> None:
    if not hasattr(_local, "stack"):
        _local.stack = []
    _local.stack.append(flow)


def exit_flow() -> None:
    _local.stack.pop()


def current_run() -> DynamicRun | None:
    """The ``@flow`` run whose function body runs on this thread."""
    run: DynamicRun | None = getattr(_local, "run", None)
    return run


def set_run(run: DynamicRun | None) -> None:
    _local.run = run
