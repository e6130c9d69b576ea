"""An attempt whose call has returned, while its outcome is judged, and what its timeout
does then.

Judging an outcome may run the user's code: the ``retry_predicate``, Prefect's
``retry_condition_fn``, a ``retry_delay`` callable, the result's ``repr`` (for the event).
The attempt's ``timeout`` bounds that too, so a predicate that never returns cannot hold a
run for ever; but nothing runs in the task's code by then, and its outcome is known. So an
attempt of a task with a timeout says how its call ended as it returns (``returned``: a
``Judging`` on its record), and the timeout that finds one (``overdue``) ends the task
FAILED without a retry (what decides the retry did not answer), with a ``TaskTimeout``
naming what ran past it: ``attempt 1 of 'a' raised ValueError, but its retry_delay
callable backoff ran past the timeout of 0.3s``. No callback is called again for it, and
the attempt's own error stays the attempt's (the ``TaskTimeout`` is raised from it).

The attempt and its timeout meet without a lock: the attempt writes its ``Judging``, then
reads its token; the timeout, under the run's lock, moves the token on, then reads the
``Judging``. One of them sees the other: the timeout ends the attempt with its outcome
(whatever the attempt then judges is dropped), or the attempt finds its token moved on and
judges nothing (the timeout ends it as one that ran past it in its code).
"""

from __future__ import annotations

import threading
from types import CodeType, FrameType
from typing import TYPE_CHECKING, NamedTuple

from . import attempt, cached_calls, policy, records
from .delays import callable_name, compute_delay
from .errors import TaskTimeout
from .prefect_api import RetryCondition
from .states import FAILED
from .user_call import current_frames
from .value_text import safe_repr

if TYPE_CHECKING:
    from .attempt import Judged
    from .records import TaskRun


class Judging(NamedTuple):
    """Attempt ``token``'s call returned, with ``error`` (None: a value) and ``output``;
    ``thread`` (its ident) judges its outcome now."""

    token: int
    error: BaseException | None
    output: str
    thread: int


def returned(tr: TaskRun, token: int, error: BaseException | None, output: str) -> bool:
    """Attempt ``token`` of ``tr`` (whose task has a timeout) came back from its call, with
    ``error`` and ``output``: say so for its timeout, before any of its outcome is judged.
    False when it was concluded first (its timeout, a cancel): judge nothing then."""
    # (made as ``tuple.__new__`` makes any named tuple: 0.1 µs less than by its fields)
    tr.judging = tuple.__new__(Judging, (token, error, output, threading.get_ident()))
    return tr.token == token  # read after the write: see the module's docstring


def overdue(tr: TaskRun, token: int) -> Judging | None:
    """Under the run's lock, the timeout of attempt ``token`` of ``tr`` has just moved its
    token on: the attempt's ``Judging``, when its call had returned, else None."""
    judging = tr.judging
    return judging if judging is not None and judging.token == token else None


class Overran(NamedTuple):
    """The end of an attempt whose timeout came while its outcome was judged: the task's
    ``error``, ``why`` it is not retried, and whether the attempt shows its ``own`` error
    (then ``why`` says what the ``TaskTimeout`` says)."""

    error: TaskTimeout
    why: str
    own: bool


def overran(tr: TaskRun, judging: Judging) -> Overran:
    """How the attempt of ``tr`` whose outcome (``judging``) was still judged at its timeout
    ends: what ran past the timeout is read from where the judging thread is now (under the
    run's lock, right after the timeout: it is there still)."""
    timeout = tr.policy.timeout or 0.0
    what = _what_runs(tr, judging.thread)
    overrun = f"{what} ran past the timeout of {timeout:g}s"
    error = judging.error
    did = "returned" if error is None else f"raised {type(error).__name__}"
    timed_out = TaskTimeout(f"attempt {tr.attempt} of {tr.key!r} {did}, but {overrun}", timeout)
    # The error's text is the user's ``__str__``: not formatted again when that ran past.
    own = error is not None and what != _FORMATTING
    if own:
        timed_out.__cause__ = error  # its traceback shows the attempt's own error first
    return Overran(timed_out, overrun if own else JUDGED_TOO_LONG, own)


#: Why the task of an attempt that returned, its timeout come while it was judged, is not
#: retried (its ``TaskTimeout`` says what ran past the timeout).
JUDGED_TOO_LONG = "timed out while it was judged"


def judged(judging: Judging, end: Overran) -> Judged:
    """What the attempt that ended with ``judging`` leads to (``attempt.Judged``), its
    timeout having come while it was judged (``end``): its task fails with the timeout's
    error, not retried, and the attempt's error is its own when it raised one. Made off
    the timer thread (formatting an error runs the user's ``__str__``)."""
    error = judging.error
    decision = policy.Decision(False, FAILED, error=end.error, reason=end.why)
    info = records.error_info(error) if end.own and error is not None else None
    return (None, error, decision, info, records.NOT_KEPT, None, None)


# -- what the judging thread is running ------------------------------------------------------
_FORMATTING = "the formatting of its error"
_JUDGE: CodeType = attempt.judge.__code__
_DECIDE: CodeType = policy.decide.__code__
#: Steps of ``attempt.judge`` that run the user's code, by the code of flowtop's function
#: that calls it, and how a timeout's message names each one.
_STEPS: dict[CodeType, str] = {
    safe_repr.__code__: "its result's repr",
    records.pristine.__code__: "the copy of its result",
    cached_calls.store.__code__: "the caching of its result",
    records.error_info.__code__: _FORMATTING,
}


def _what_runs(tr: TaskRun, thread: int) -> str:
    """What judging the outcome of ``tr``'s attempt runs on ``thread``: the step of
    ``attempt.judge`` it is in, read from its stack (``its retry_predicate slow``)."""
    frame = current_frames().get(thread)
    inward: list[FrameType] = []  # from the innermost frame out to judge's
    while frame is not None and frame.f_code is not _JUDGE:
        inward.append(frame)
        frame = frame.f_back
    if frame is None:  # outside judge: in flowtop's own steps around it
        return "judging it"
    inward.reverse()
    for at, inner in enumerate(inward):
        code = inner.f_code
        if code is _DECIDE:
            called = inward[at + 1].f_code if at + 1 < len(inward) else None
            return _deciding(tr, called)
        if code in _STEPS:
            return _STEPS[code]
    return "judging it"


def _deciding(tr: TaskRun, called: CodeType | None) -> str:
    """What ``policy.decide`` runs for ``tr``, given the code it called (None: its own
    lines, or a callable written in C)."""
    rules = tr.policy
    if called is compute_delay.__code__:
        delay = rules.retry_delay
        return (
            f"its retry_delay callable {callable_name(delay)}"
            if callable(delay)
            else "its retry_delay"
        )
    if called is RetryCondition.__call__.__code__:
        return f"its retry_condition_fn {callable_name(rules.retry_condition_fn)}"
    if called is safe_repr.__code__:
        return "its result's repr"
    if rules.retry_predicate is not None:
        return f"its retry_predicate {callable_name(rules.retry_predicate)}"
    return "its retry decision"
