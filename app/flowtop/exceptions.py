"""Prefect 3's ``prefect.exceptions`` that flowtop can raise, and the base class
``PrefectException`` (of the state exceptions ``FailedRun``, ``CrashedRun``,
``CancelledRun`` and ``MissingResult``, and of ``UnfinishedRun``, ``ParameterBindError``, ``ParameterTypeError``,
``MappingLengthMismatch`` and ``MissingContextError``, as in Prefect), ``UpstreamTaskError``
(which Prefect never raises to a flow either) and ``ObjectNotFound`` (never
raised: flowtop has no API server) that code catching them imports; and flowtop's own
``ShippingError`` (an attempt on ``process`` or Dask whose worker died, or whose function,
arguments, result or exception could not cross), which ``retry_on`` may name, and
``DelayError``, what a task fails with when its retry delay cannot be computed, and its
``RetryDelayError``, when its ``Retry(delay=)`` is no delay (``nan``, negative)."""

from .engine.delays import DelayError, RetryDelayError
from .engine.dynamic import RunCancelled, UpstreamFailed
from .engine.errors import (
    FlowRunTimeoutError,
    MappingLengthMismatch,
    MappingMissingIterable,
    ParameterBindError,
    ParameterTypeError,
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
from .engine.prefect_exceptions import ObjectNotFound, PrefectException, UpstreamTaskError
from .engine.shipping import ShippingError, UnshippableError

TaskRunTimeoutError = TaskTimeout

__all__ = [
    "CancelledRun",
    "CrashedRun",
    "DelayError",
    "FailedRun",
    "FlowRunTimeoutError",
    "MappingLengthMismatch",
    "MappingMissingIterable",
    "MissingContextError",
    "MissingResult",
    "ObjectNotFound",
    "ParameterBindError",
    "ParameterTypeError",
    "PrefectException",
    "RetryDelayError",
    "RunCancelled",
    "ShippingError",
    "TaskRunTimeoutError",
    "UnfinishedRun",
    "UnshippableError",
    "UpstreamFailed",
    "UpstreamTaskError",
]
