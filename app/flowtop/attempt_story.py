"""What became of a stored attempt, in words: one story for the TUI's history screen and
``flowtop history --run``.

A stored attempt keeps the state it was left in (``AWAITING_RETRY`` for one that was
retried, ``CANCELLED`` for one whose wait a cancel ended, ``INTERRUPTED`` for one whose
wait its run's dead process ended), which reads as a riddle once
the run is over; with the attempt after it, it can say what happened. An attempt that
was retried with no error completed, and its ``retry_predicate`` rejected its result: it
is no failure (``rejected_how``).
"""

from __future__ import annotations

from typing import Protocol

from flowtop import looks
from flowtop.engine.states import StateType
from flowtop.formats import fmt_seconds, precise_duration

S = StateType


class WaitedAttempt(Protocol):
    """What the story of a wait reads of an attempt: a stored one, or one the TUI's
    detail pane folded from events (``tui.model.AttemptView``)."""

    @property
    def state(self) -> str: ...
    @property
    def started(self) -> float | None: ...
    @property
    def duration(self) -> float | None: ...
    @property
    def retry_in(self) -> float | None: ...
    @property
    def retried_now(self) -> bool: ...


class StoredAttempt(WaitedAttempt, Protocol):
    """What the story reads of an attempt (``workspace.history_records.AttemptRecord``)."""

    @property
    def error_type(self) -> str | None: ...


#: Why a completed attempt was retried, where the decision's own words were not kept (a
#: stored attempt keeps its result and its wait, not the reason the run gave for it, which
#: ``flowtop run`` and the monitor show: ``retry_predicate returned True``). Only the
#: predicate retries an attempt that completed (SPEC §3 rule 2: every other rule needs an
#: error); what it returned is not known here, so no ``returned True`` (a truthy string).
PREDICATE_ASKED = "retry_predicate asked for a retry"


def result_rejected(attempt: StoredAttempt) -> bool:
    """Whether ``attempt`` completed and its ``retry_predicate`` rejected its result, by
    the rule the monitor's detail pane reads a live attempt by (``looks.result_rejected``).
    (One given up on by `x` during its wait holds the ``RetriesExhausted`` that failed it,
    and reads failed.)"""
    state = S.CANCELLED.value if attempt.state == looks.INTERRUPTED else attempt.state
    return looks.result_rejected(state, attempt.retry_in, attempt.error_type)


def rejected_how(attempt: StoredAttempt, after: StoredAttempt | None) -> str | None:
    """For an attempt whose result its ``retry_predicate`` rejected: what followed, as
    the words after "Completed" (``retried``; it read "Failed, retried", with no error
    to say why). None for any other attempt."""
    if not result_rejected(attempt):
        return None
    if attempt.state == S.AWAITING_RETRY.value:
        return "retried" if after is not None else "waiting to retry"
    if attempt.state == S.CANCELLED.value and after is None:
        return "then cancelled during its wait"
    if attempt.state == looks.INTERRUPTED and after is None:
        return "then interrupted during its wait"
    return None


def failed_how(attempt: StoredAttempt, after: StoredAttempt | None) -> tuple[str, str] | None:
    """For an attempt that failed and was to be retried: what followed, as the words
    after "Failed" (``retried``), with the look's style name. None: its state says it,
    or it did not fail (``rejected_how``)."""
    if result_rejected(attempt):
        return None
    if attempt.state == S.AWAITING_RETRY.value:
        return ("retried", "retry") if after is not None else ("waiting to retry", "retry")
    if attempt.retry_in is None or attempt.error_type is None or after is not None:
        return None
    if attempt.state == S.CANCELLED.value:
        return "then cancelled during its wait", "failed"
    if attempt.state == S.FAILED.value:
        return "given up during its wait", "failed"
    if attempt.state == looks.INTERRUPTED:  # its run's process died: no retry came
        return "then interrupted during its wait", "failed"
    return None


def interrupted_wait(attempt: WaitedAttempt) -> str:
    """The wait of an attempt whose run's process died during it (no retry came)."""
    return f"interrupted during the {fmt_seconds(attempt.retry_in or 0.0)} wait"


def wait_story(attempt: WaitedAttempt, after: WaitedAttempt | None) -> str:
    """What became of the wait after a failed attempt (one with ``retry_in``): kept
    (``retry after 1s``), cut short by `n` (``retried now (n) after 1.0s of a planned
    1m00s``), or ended by `x` or a cancel, with no next attempt."""
    planned = fmt_seconds(attempt.retry_in or 0.0)  # as the policy writes a delay: 1s, 0.5s
    if after is None:
        if attempt.state == S.FAILED.value:
            return f"gave up during the {planned} wait"
        if attempt.state == S.CANCELLED.value:
            return f"cancelled during the {planned} wait"
        if attempt.state == looks.INTERRUPTED:
            return interrupted_wait(attempt)
        return f"retry after {planned}"
    if not after.retried_now:  # the run said so: wall-clock gaps lie when a clock is set
        return f"retry after {planned}"
    if attempt.started is not None and after.started is not None:
        waited = after.started - (attempt.started + (attempt.duration or 0.0))
        if 0.0 <= waited <= (attempt.retry_in or 0.0):  # else a clock was set meanwhile
            return f"retried now (n) after {precise_duration(waited)} of a planned {planned}"
    return f"retried now (n) during a planned {planned} wait"
