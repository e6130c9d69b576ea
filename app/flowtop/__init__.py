"""flowtop: a terminal monitor for Python workflows whose tasks retry.

``from flowtop import task, Flow`` is all a flow module needs. The names come from
``flowtop.public_api``, imported on first use (PEP 562): every ``flowtop`` command starts
by importing this package (its entry point, ``flowtop.cli``, is inside it), and a Ctrl+C
while the engine imported, before ``cli.main`` could say it in one line, printed a
``KeyboardInterrupt`` traceback. ``flowtop --help`` and ``flowtop run`` still never pay
for the TUI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:  # the names as the checker and the reader see them
    from .public_api import (
        DelayError,
        Flow,
        FlowRunTimeoutError,
        RetriesExhausted,
        Retry,
        RetryDelayError,
        ShippingError,
        State,
        StateType,
        Task,
        TaskTimeout,
        UnshippableError,
        allow_failure,
        exponential_backoff,
        flow,
        get_run_logger,
        opaque,
        quote,
        tags,
        task,
        unmapped,
    )

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


if not TYPE_CHECKING:  # unseen by the checker: `from flowtop import Flwo` stays its error

    def __getattr__(name: str) -> object:
        """A public name (``flowtop.task``), or a submodule (``import flowtop;
        flowtop.engine``, as when the package imported the engine itself). A submodule
        is imported alone: ``from flowtop import looks`` imported the whole engine first,
        and ``flowtop history`` paid for it."""
        if name not in __all__:
            try:
                return importlib.import_module(f"flowtop.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"flowtop.{name}":
                    raise  # the submodule is there, and what it imports is not
                raise AttributeError(f"module 'flowtop' has no attribute {name!r}") from None
        value = getattr(importlib.import_module("flowtop.public_api"), name)
        globals()[name] = value  # asked once: the next lookup finds it
        return value


def __dir__() -> list[str]:
    """The public names too, before their first use imported them."""
    return sorted({*globals(), *__all__})
