"""What became of a stored attempt, in words: one story for the TUI's history screen and
``flowtop history --run``.

A stored attempt keeps the state it was left in (``AWAITING_RETRY`` for one that was
retried, ``CANCELLED`` for one whose wait a cancel ended), which reads as a riddle once
the run is over; with the attempt after it, it can say what happened.
"""

from __future__ import annotations

from typing import Protocol

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


def failed_how(attempt: StoredAttempt, after: StoredAttempt | None) -> tuple[str, str] | None:
    """For an attempt that failed and was to be retried: what followed, as the words
    after "Failed" (``retried``), with the look's style name. None: its state says it."""
    if attempt.state == S.AWAITING_RETRY.value:
        return ("retried", "retry") if after is not None else ("waiting to retry", "retry")
    if attempt.retry_in is None or attempt.error_type is None or after is not None:
        return None
    if attempt.state == S.CANCELLED.value:
        return "then cancelled during its wait", "failed"
    if attempt.state == S.FAILED.value:
        return "given up during its wait", "failed"
    return None


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
        return f"retry after {planned}"
    if not after.retried_now:  # the run said so: wall-clock gaps lie when a clock is set
        return f"retry after {planned}"
    if attempt.started is not None and after.started is not None:
        waited = after.started - (attempt.started + (attempt.duration or 0.0))
        if 0.0 <= waited <= (attempt.retry_in or 0.0):  # else a clock was set meanwhile
            return f"retried now (n) after {precise_duration(waited)} of a planned {planned}"
    return f"retried now (n) during a planned {planned} wait"
