"""The engine: tasks, flows, the retry rules, the runner and its events. No UI here."""

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
