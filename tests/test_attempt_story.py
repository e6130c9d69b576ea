"""What became of a stored attempt, said the same by the TUI's history and ``flowtop history``."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from flowtop.attempt_story import failed_how, wait_story


@dataclass(frozen=True)
class Stored:
    state: str
    started: float | None = 100.0
    duration: float | None = 0.5
    error_type: str | None = "ConnectionError"
    retry_in: float | None = 60.0


NEXT_ON_TIME = Stored("COMPLETED", started=160.6, error_type=None, retry_in=None)
NEXT_EARLY = Stored("COMPLETED", started=101.5, error_type=None, retry_in=None)


@pytest.mark.parametrize(
    ("attempt", "after", "how", "wait"),
    [
        (Stored("AWAITING_RETRY"), NEXT_ON_TIME, ("retried", "retry"), "retry after 1m00s"),
        (
            Stored("AWAITING_RETRY"),
            NEXT_EARLY,
            ("retried", "retry"),
            "retried now (n) after 1.0s of a planned 1m00s",
        ),
        (Stored("AWAITING_RETRY"), None, ("waiting to retry", "retry"), "retry after 1m00s"),
        (
            Stored("CANCELLED"),
            None,
            ("then cancelled during its wait", "failed"),
            "cancelled during the 1m00s wait",
        ),
        (
            Stored("FAILED"),
            None,
            ("given up during its wait", "failed"),
            "gave up during the 1m00s wait",
        ),
    ],
)
def test_a_failed_attempt_says_what_became_of_its_wait(attempt, after, how, wait) -> None:
    assert failed_how(attempt, after) == how
    assert wait_story(attempt, after) == wait


@pytest.mark.parametrize(
    "attempt",
    [
        Stored("COMPLETED", error_type=None, retry_in=None),
        Stored("FAILED", retry_in=None),  # no retry was planned: "Failed" says it all
        Stored("CANCELLED", error_type=None, retry_in=None),  # cancelled while it ran
    ],
)
def test_an_attempt_with_no_wait_is_told_by_its_state(attempt) -> None:
    assert failed_how(attempt, None) is None
