"""Prefect 3's exception classes that raise a state (``prefect.exceptions``), and their
base class ``PrefectException``, so ``except PrefectException`` catches them as in Prefect.

Each keeps ``RuntimeError`` as a base too, as flowtop's classes had it: code that caught
them that way still does.
"""

from __future__ import annotations

from typing import NamedTuple


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


#: The attribute marking the exception a task's attempt fails with when the task returned
#: a failed state made by hand (``Failed(message=…)``): that state (``prefect_api.
#: returned_state``). Nothing raised it; the records say it was returned (``records``).
RETURNED_STATE = "_flowtop_returned_state"

#: The attribute naming the module a traceback names an exception's class by, when it is
#: not the class's own: ``prefect.exceptions`` for the ``FailedRun`` of a state Prefect
#: code made (``prefect.exceptions.FailedRun: 1 rows bad``, as Prefect prints it).
NAMED_AS = "_flowtop_named_as"

#: The module these classes are named by in a traceback of flowtop's own code, whose
#: users import them from there (not ``flowtop.engine.prefect_exceptions``).
PUBLIC_MODULE = "flowtop.exceptions"


class MadeAt(NamedTuple):
    """Where a state was made by hand (``Failed(message=…)``): the line that called its
    constructor, most often the task's ``return``; and whether by Prefect code (the
    drop-in ``prefect.states``), whose exceptions are named as Prefect's."""

    file: str
    line: int
    function: str
    prefect: bool


__all__ = [
    "NAMED_AS",
    "PUBLIC_MODULE",
    "RETURNED_STATE",
    "CancelledRun",
    "CrashedRun",
    "FailedRun",
    "MadeAt",
    "MissingResult",
    "ObjectNotFound",
    "PausedRun",
    "PrefectException",
    "UpstreamTaskError",
]
