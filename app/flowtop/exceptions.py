"""Prefect 3's ``prefect.exceptions`` that flowtop can raise."""

from .engine.dynamic import RunCancelled, UpstreamFailed
from .engine.errors import (
    FlowRunTimeoutError,
    MappingLengthMismatch,
    ParameterBindError,
    TaskTimeout,
    UnfinishedRun,
)
from .engine.prefect_api import (
    CancelledRun,
    CrashedRun,
    FailedRun,
    MissingContextError,
    MissingResult,
)

TaskRunTimeoutError = TaskTimeout

__all__ = [
    "CancelledRun",
    "CrashedRun",
    "FailedRun",
    "FlowRunTimeoutError",
    "MappingLengthMismatch",
    "MissingContextError",
    "MissingResult",
    "ParameterBindError",
    "RunCancelled",
    "TaskRunTimeoutError",
    "UnfinishedRun",
    "UpstreamFailed",
]
