"""One rule for how an attempt looks: ``looks.attempt_look``, which the monitor's detail
pane draws by and whose ``result_rejected`` the history's words (``attempt_story``) use.

The detail pane had its own rule for a result its ``retry_predicate`` rejected, beside
the history's: the two could come to disagree on which attempt failed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from flowtop.attempt_story import failed_how, rejected_how
from flowtop.engine.events import ErrorInfo
from flowtop.engine.states import StateType
from flowtop.looks import REJECTED_LOOK, STATE_LOOK, attempt_look, result_rejected
from flowtop.tui.model import AttemptView, TaskRow
from flowtop.tui.widgets.detail_pane import body_text

S = StateType
ERROR = ErrorInfo("ValueError", "boom")
#: Every state an attempt is left in, with or without a planned wait and an error.
CASES = list(itertools.product(S, (None, 2.0), (None, ERROR), (False, True)))


@dataclass
class Stored:
    """An attempt as the store keeps it (``attempt_story.StoredAttempt``)."""

    state: str
    retry_in: float | None
    error_type: str | None
    started: float | None = 0.0
    duration: float | None = 1.0
    retried_now: bool = False


def pane_symbol(state: S, retry_in: float | None, error: ErrorInfo | None, dead: bool) -> str:
    """The symbol the detail pane draws on the attempt's line (``#1  <start>  <symbol>``)."""
    row = TaskRow("t", 0, state)
    view = AttemptView(1, 0.0, 1.0, state, error, retry_in=retry_in, interrupted=dead)
    row.add_attempt(view)
    line = body_text(row, None, now=10.0).plain.split("Attempts\n")[1].splitlines()[0]
    return line.split()[2]


@pytest.mark.parametrize(("state", "retry_in", "error", "dead"), CASES)
def test_the_detail_pane_draws_an_attempt_as_looks_says(
    state: S, retry_in: float | None, error: ErrorInfo | None, dead: bool
) -> None:
    symbol, _ = attempt_look(state, retry_in, error, interrupted=dead)
    assert pane_symbol(state, retry_in, error, dead) == symbol


@pytest.mark.parametrize(("state", "retry_in", "error", "dead"), CASES)
def test_the_history_words_a_rejected_result_by_the_same_rule(
    state: S, retry_in: float | None, error: ErrorInfo | None, dead: bool
) -> None:
    """Completed, not failed, on the run page where ⟳ is drawn live; failed where ✗ is."""
    stored = Stored(state.value, retry_in, None if error is None else error.type)
    rejected = result_rejected(state, retry_in, error)
    assert rejected == (attempt_look(state, retry_in, error) == (REJECTED_LOOK[0], "retry"))
    assert rejected == (rejected_how(stored, None) is not None)
    if failed_how(stored, None) is not None:
        assert attempt_look(state, retry_in, error)[0] == STATE_LOOK[S.FAILED][0]
