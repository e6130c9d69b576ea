"""One task's row of the monitor's table: its latest state, and the attempts it made as
the events tell them (``AttemptView``; its last ones, the rest counted), for the detail pane.

Its own module beside the run's view model (``model.py``), which makes and updates the
rows; what a row says of itself (its state, time, TRY and error texts) is asked here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowtop.engine.events import ErrorInfo
from flowtop.engine.records import Attempt
from flowtop.engine.states import StateType
from flowtop.formats import fmt_duration, retry_text, try_text
from flowtop.looks import INTERRUPTED_LOOK, REUSED_LOOK, STATE_LOOK, error_line
from flowtop.tui.attempts_shown import SHOWN_ATTEMPTS

S = StateType

#: A retry past its due time while every worker of its run runs an attempt: it waits for
#: one to be free, not for a stopped process (``⟳ Overdue``).
AWAITING_WORKER = "Awaiting worker"


@dataclass(slots=True)
class AttemptView(Attempt):
    """The engine's :class:`Attempt` record as the monitor folds it from events, plus what
    only the events carry: the result's text, the transition's message, and whether the
    attempt was carried over from a source run. The engine's record has no use for these
    (it holds the result value on its ``TaskRun``, and reused tasks make no attempt there)."""

    result: str | None = None
    #: What the step that ended it said: why a retry followed (``retry_predicate returned
    #: True``), kept when a cancel then ended its wait; a reused one's source.
    message: str = ""
    reused: bool = False
    retried_now: bool = False  # started by the user before its retry's wait was over
    #: Running when its run's process died: shown ⚡, as the history's run page shows it
    #: (it read ■, a cancel's symbol, beside a row that said ``⚡ Interrupted``).
    interrupted: bool = False


class TaskRow:
    """One task's latest state. A plain class with class-level defaults: a 100k-task
    flow makes 100k of these before its first frame, and only five fields vary at first."""

    attempt = 0
    started: float | None = None  # start of the current attempt (steady clock)
    duration: float | None = None  # of the last finished attempt
    retry_due: float | None = None  # time of the next attempt (steady clock)
    delay_explained = ""
    error: ErrorInfo | None = None  # the last error seen
    message = ""
    result: str | None = None
    reused = False
    interrupted = False  # CANCELLED because its run's process died (``RunInterrupted``)
    retry_only = False  # the budget is spent only on ``Retry`` (no max_retries set)
    upstream: tuple[str, ...] = ()  # a @flow call's: the calls it waited for
    #: How the task stands in the code as loaded now, when not as in this run
    #: (``code_rows``: not in this run, or gone from the code); "" when it is.
    code_mark = ""
    #: Its last attempts: at least the ``SHOWN_ATTEMPTS`` the pane draws, fewer than
    #: twice as many; the earlier ones are counted (``attempts_dropped``). Each kept, a
    #: task that failed 20,000 times held 10 MB of its errors in every run shown.
    attempts: list[AttemptView] | tuple[()] = ()
    attempts_dropped = 0

    def __init__(
        self,
        key: str,
        index: int,
        state: StateType | None = None,
        max_attempts: int = 0,
        policy: str = "",
    ) -> None:
        self.key = key
        self.index = index  # definition order
        self.state = state
        self.max_attempts = max_attempts
        self.policy = policy

    def add_attempt(self, attempt: AttemptView) -> None:
        if not self.attempts:
            self.attempts = []
        assert isinstance(self.attempts, list)
        self.attempts.append(attempt)
        if len(self.attempts) >= 2 * SHOWN_ATTEMPTS:  # cut now and then: no copy each time
            self.attempts_dropped += len(self.attempts) - SHOWN_ATTEMPTS
            del self.attempts[:-SHOWN_ATTEMPTS]

    def look(self) -> tuple[str, str, str]:
        if self.reused and self.state is S.COMPLETED:
            return REUSED_LOOK
        if self.interrupted:
            return INTERRUPTED_LOOK
        return STATE_LOOK[self.state]

    def state_text(self, now: float, *, all_busy: bool = False) -> str:
        """``✓ Completed``, ``⟳ Retry in 2.1s``: readable with no colour at all. A retry
        that is due while every worker of its run is busy (``all_busy``:
        ``RunModel.all_busy``) reads ``⟳ Awaiting worker``, not ``⟳ Overdue 4s``."""
        symbol, word, _ = self.look()
        if self.state is S.AWAITING_RETRY and self.retry_due is not None:
            if all_busy and now >= self.retry_due:
                return f"{symbol} {AWAITING_WORKER}"
            return f"{symbol} {retry_text(self.retry_due - now)}"
        return f"{symbol} {word}"

    def live_duration(self, now: float) -> float | None:
        if self.state is S.RUNNING and self.started is not None:
            return max(0.0, now - self.started)
        return self.duration

    def time_text(self, now: float) -> str:
        """The TIME cell: a clock while an attempt runs, else the last attempt's time."""
        return fmt_duration(self.live_duration(now), live=self.state is S.RUNNING)

    def attempt_text(self, *, compact: bool = False) -> str:
        """``2/4``; a budget only ``Retry`` can spend reads ``1/1 (+3 on Retry)`` (``1/1+3``
        when ``compact``): a plain failure ends it at once, so ``0/4`` would mislead."""
        return try_text(
            self.attempt, self.max_attempts, self.retry_only, compact=compact, reused=self.reused
        )

    def error_text(self) -> str:
        if self.interrupted:  # its run's process died: what ended it, not an earlier failure
            return self.message
        if self.error is not None:
            return error_line(self.error.type, self.error.message)
        if self.state in (S.UPSTREAM_FAILED, S.CANCELLED):
            return self.message
        return ""
