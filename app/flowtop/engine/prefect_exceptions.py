"""Prefect 3's exception classes that raise a state (``prefect.exceptions``), and their
base class ``PrefectException``, so ``except PrefectException`` catches them as in Prefect.

Each keeps ``RuntimeError`` as a base too, as flowtop's classes had it: code that caught
them that way still does.
"""

from __future__ import annotations


class PrefectException(Exception):
    """Prefect's base class of its own exceptions."""


class FailedRun(PrefectException, RuntimeError):
    """A failed state whose data is not an exception: its message, raised."""


class CrashedRun(PrefectException, RuntimeError):
    """A crashed state, raised."""


class CancelledRun(PrefectException, RuntimeError):
    """A cancelled state, raised."""


class MissingResult(PrefectException, RuntimeError):
    """A state without data."""


class PausedRun(PrefectException):
    """What ``result()`` of a paused state raises (``Paused(...)``, ``Suspended(...)``,
    ``compat.prefect_states``). flowtop pauses no run, so no run's state raises it."""

    def __init__(self, *args: object, state: object = None) -> None:
        super().__init__(*args)
        self.state = state


class ObjectNotFound(PrefectException):
    """Prefect's "no such object on the API server". flowtop has no server and never
    raises it; code that catches it (``except ObjectNotFound:``) imports it."""


class UpstreamTaskError(PrefectException):
    """Prefect's "a task's upstream did not complete". Prefect's engine raises and catches
    it itself: a task whose upstream failed is left ``NotReady`` and its ``.result()``
    raises ``UnfinishedRun`` (checked with Prefect 3.9.1), which flowtop raises as
    ``UpstreamFailed``. It reaches user code only from a drop-in ``.map()`` given a future
    or a state that did not complete (``calls.given_as_prefect``), as Prefect's does."""


__all__ = [
    "CancelledRun",
    "CrashedRun",
    "FailedRun",
    "MissingResult",
    "ObjectNotFound",
    "PausedRun",
    "PrefectException",
    "UpstreamTaskError",
]
