"""An attempt's outcome in an envelope the coordinator can always open.

A worker pickles an attempt's outcome with cloudpickle, and the coordinator may still be
unable to unpickle it: a result or an exception whose class comes from a library only
the workers have (a database driver's error on a cluster). Those bytes then said nothing,
so the attempt failed as ``result of task 'x' could not be received: No module named
'driver'``, without the error the task raised, its traceback or what it printed. The
envelope, a plain pickle of strings and those bytes, keeps them beside the bytes.
"""

from __future__ import annotations

import io
import pickle
from typing import Any, NamedTuple


class Envelope(NamedTuple):
    #: cloudpickle's bytes of a 1-tuple: the attempt's result, or the exception it ended with.
    body: bytes
    #: The exception's ``Type: message``, "" for a result (also said when ``body`` won't unpickle).
    said: str
    #: The exception's traceback as text ("" for a result).
    text: str
    #: What the attempt printed and logged.
    output: str


def describe_error(exc: BaseException) -> str:
    """``Type: message``, or the type alone when the exception's ``__str__`` raises."""
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:  # noqa: BLE001 - a user's __str__ may raise
        return type(exc).__name__


def seal(body: bytes, said: str, text: str, output: str) -> bytes:
    """The bytes a worker sends back for an attempt."""
    return pickle.dumps(tuple(Envelope(body, said, text, output)), protocol=5)


class _StringsAndBytes(pickle.Unpickler):
    """Unpickles an envelope alone: one naming any class is not one (:func:`unseal`)."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not in an envelope")


def unseal(data: bytes) -> Envelope:
    """The coordinator's side of :func:`seal`. A worker started with another version of
    flowtop (before an upgrade) sends what this one cannot read: a ``ValueError`` says so,
    where an unpickling error from the middle of its bytes said nothing of the cause."""
    try:
        envelope = Envelope(*_StringsAndBytes(io.BytesIO(data)).load())
    except (pickle.UnpicklingError, TypeError, EOFError):
        envelope = None
    if envelope is None or not isinstance(envelope.body, bytes):
        raise ValueError(
            "its worker sent an outcome this flowtop cannot read: start the workers with "
            "the flowtop version the coordinator has"
        )
    return envelope


def not_received(envelope: Envelope, name: str, where: str, exc: BaseException) -> str:
    """Why the outcome of task ``name`` failed: its body would not unpickle with ``exc``;
    for an exception, what the task raised comes first."""
    if not envelope.said:
        return (
            f"result of task {name!r} could not be received from the {where}: {describe_error(exc)}"
        )
    return (
        f"exception of task {name!r} could not be received from the {where}: "
        f"{envelope.said} (unpickling it failed: {describe_error(exc)})"
    )
