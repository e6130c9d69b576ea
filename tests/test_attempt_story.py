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
    retried_now: bool = False


NEXT_ON_TIME = Stored("COMPLETED", started=160.6, error_type=None, retry_in=None)
NEXT_EARLY = Stored("COMPLETED", started=101.5, error_type=None, retry_in=None, retried_now=True)


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


def test_a_wait_cut_short_is_told_by_the_run_not_by_the_clock() -> None:
    """The story guessed `n` from wall-clock gaps: a clock set back an hour during a
    60 s wait made a wait that ran its course read ``retried now (n)``, and one set
    forward made a real `n` read ``retry after``."""
    clock_set_back = Stored("COMPLETED", started=100.6 - 3600, error_type=None, retry_in=None)
    assert wait_story(Stored("AWAITING_RETRY"), clock_set_back) == "retry after 1m00s"
    set_forward = Stored(
        "COMPLETED", started=101.5 + 3600, error_type=None, retry_in=None, retried_now=True
    )
    assert (
        wait_story(Stored("AWAITING_RETRY"), set_forward)
        == "retried now (n) during a planned 1m00s wait"
    )
    unknown_start = Stored("COMPLETED", started=None, error_type=None, retried_now=True)
    assert (
        wait_story(Stored("AWAITING_RETRY"), unknown_start)
        == "retried now (n) during a planned 1m00s wait"
    )
