"""The engine: tasks, flows, the retry rules, the runner and its events. No UI here.

Its names are imported on first use (PEP 562): every ``from flowtop.engine.states
import …`` runs this file first, and importing the whole engine here made the commands
that only read the store (``flowtop history``, ``watch``, ``cancel``, ``--help``) pay
~60 ms for a runner they never start, in every one of the test suite's ~900 commands.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the names as the checker and the reader see them
    from .bus import EventBus
    from .delays import exponential_backoff
    from .dynamic import FlowFunction, RunCancelled, TaskFuture, UpstreamFailed, flow
    from .errors import PredicateError, RetriesExhausted, Retry, TaskTimeout
    from .events import (
        ErrorInfo,
        Event,
        RunFinished,
        RunStarted,
        TaskOutput,
        TaskStateChanged,
    )
    from .flow import Flow
    from .policy import Decision, RetryPolicy, decide
    from .runner import FlowRun, Runner, RunResult
    from .states import State, StateType
    from .task import Task, task

#: Each public name, by the module under ``flowtop.engine`` that defines it.
_HOMES = {
    "Decision": "policy",
    "ErrorInfo": "events",
    "Event": "events",
    "EventBus": "bus",
    "Flow": "flow",
    "FlowFunction": "dynamic",
    "FlowRun": "runner",
    "PredicateError": "errors",
    "RetriesExhausted": "errors",
    "Retry": "errors",
    "RetryPolicy": "policy",
    "RunCancelled": "dynamic",
    "RunFinished": "events",
    "RunResult": "runner",
    "RunStarted": "events",
    "Runner": "runner",
    "State": "states",
    "StateType": "states",
    "Task": "task",
    "TaskFuture": "dynamic",
    "TaskOutput": "events",
    "TaskStateChanged": "events",
    "TaskTimeout": "errors",
    "UpstreamFailed": "dynamic",
    "decide": "policy",
    "exponential_backoff": "delays",
    "flow": "dynamic",
    "task": "task",
}

__all__ = [
    "Decision",
    "ErrorInfo",
    "Event",
    "EventBus",
    "Flow",
    "FlowFunction",
    "FlowRun",
    "PredicateError",
    "RetriesExhausted",
    "Retry",
    "RetryPolicy",
    "RunCancelled",
    "RunFinished",
    "RunResult",
    "RunStarted",
    "Runner",
    "State",
    "StateType",
    "Task",
    "TaskFuture",
    "TaskOutput",
    "TaskStateChanged",
    "TaskTimeout",
    "UpstreamFailed",
    "decide",
    "exponential_backoff",
    "flow",
    "task",
]


if not TYPE_CHECKING:  # unseen by the checker: a misspelt name stays its error

    def __getattr__(name: str) -> object:
        """A public name (``flowtop.engine.Runner``), imported from its module once."""
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module 'flowtop.engine' has no attribute {name!r}")
        value = getattr(importlib.import_module(f"flowtop.engine.{home}"), name)
        globals()[name] = value  # asked once: the next lookup finds it
        return value


class _Engine(ModuleType):
    """The package, whose ``task`` and ``flow`` stay the functions once their modules
    (``engine/task.py``, ``engine/flow.py``) import: Python sets an imported submodule on
    its package, which hid the function, as when this file imported them eagerly."""

    def __setattr__(self, name: str, value: object) -> None:
        if not (name in _HOMES and isinstance(value, ModuleType)):
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Engine


def __dir__() -> list[str]:
    """The public names too, before their first use imported them."""
    return sorted({*globals(), *__all__})
